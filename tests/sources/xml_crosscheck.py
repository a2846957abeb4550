"""A pytest plug-in: every XML read of a test run also read with XPath alone, and compared.

    .venv/bin/python -m pytest -p tests.sources.xml_crosscheck tests/mapping tests/feeds ...

Wraps ``bulkio.sources.xml.iter_xml`` (which every XML read goes through): each batch the
walker yields must equal, cell by cell, the batch the same read yields with
``walker=False``, and an error one way must be the same error the other way. A difference
fails the test that made the read. Not loaded by default: it reads every XML file twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from polars.testing import assert_frame_equal

import bulkio.sources.xml as xml_source
from bulkio.errors import InputError
from bulkio.sources.frame import SourceFrame

_original = xml_source.iter_xml


def _crosschecked(*args: Any, **kwargs: Any) -> Iterator[SourceFrame]:
    if kwargs.get("walker") is False:
        yield from _original(*args, **kwargs)
        return
    reference = _original(*args, **{**kwargs, "walker": False, "progress": None})
    try:
        for piece in _original(*args, **kwargs):
            expected = next(reference)
            assert_frame_equal(piece.frame, expected.frame, check_exact=True)
            yield piece
    except InputError as exc:
        with pytest.raises(InputError) as slow:
            for _ in reference:
                pass
        assert str(slow.value) == str(exc)
        raise
    assert next(reference, None) is None


@pytest.fixture(autouse=True)
def _xml_crosscheck(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xml_source, "iter_xml", _crosschecked)
