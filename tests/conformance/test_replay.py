"""The sandbox answers what the real stores answered: every recorded request, replayed.

The recordings (``recordings/<store>.json``) were made by ``python -m tests.conformance.record``
against real WooCommerce 11.0.1 and 7.9.0 (``../shared/refstore``). Each case runs in a fresh
sandbox configured as that version, with images fetched the way the reference stores fetch them
(loopback only). Status, error code, every recorded value and header must be the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulkio.sandbox import Sandbox
from tests.conformance.harness import Target, fill, image_server, pick, send

RECORDINGS = Path(__file__).parent / "recordings"
PREFIX = "CF0A1B2C"  # the shape the recorder uses: "CF" + 6 hex digits


def _cases() -> Iterator[Any]:
    for path in sorted(RECORDINGS.glob("*.json")):
        document = json.loads(path.read_text())
        for case in document["cases"]:
            marks = []
            if case.get("environment_error"):
                marks.append(pytest.mark.skip(reason=case["environment_error"]))
            yield pytest.param(
                document["woocommerce"], case, id=f"{document['store']}-{case['name']}", marks=marks
            )


@pytest.fixture(scope="module")
def image_base() -> Iterator[str]:
    with image_server() as base:
        yield base


def test_recordings_are_there_and_hold_no_keys() -> None:
    documents = [json.loads(path.read_text()) for path in sorted(RECORDINGS.glob("*.json"))]
    assert {document["woocommerce"] for document in documents} >= {"11.0.1", "7.9.0"}
    assert sum(document["answers"] for document in documents) >= 40
    for path in RECORDINGS.glob("*.json"):
        text = path.read_text()
        assert not re.search(r"c[ks]_[0-9a-f]{40}", text), path


@pytest.mark.parametrize(("version", "case"), list(_cases()))
def test_replay(version: str, case: dict[str, Any], image_base: str) -> None:
    port = int(image_base.rsplit(":", 1)[1])
    with Sandbox(wc_version=version, images="offline", image_ports=(port,)) as sandbox:
        target = Target(
            https_url=sandbox.url,
            http_url=sandbox.url,
            rw=sandbox.keys["read_write"],
            ro=sandbox.keys["read"],
            sandbox=sandbox,
        )
        names: dict[str, Any] = {
            "P": PREFIX,
            "pl": PREFIX.lower(),
            "IMG": image_base,
            "HOME": sandbox.url,
        }
        problems: list[str] = []
        for number, step in enumerate(case["steps"], 1):
            response = send(target, step, names)
            try:
                body = response.json()
            except ValueError:
                body = None
            where = f"step {number} ({step['method']} {step['route']})"
            expected = step["answer"]
            if response.status_code != expected["status"]:
                problems.append(
                    f"{where}: status {response.status_code}, recorded {expected['status']}"
                    f": {str(body)[:300]}"
                )
            if "code" in expected:
                code = body.get("code") if isinstance(body, dict) else None
                if code != expected["code"]:
                    problems.append(f"{where}: code {code!r}, recorded {expected['code']!r}")
            for path, value in expected.get("values", {}).items():
                wanted = fill(value, names)
                got = pick(body, path)
                if got != wanted:
                    problems.append(f"{where}: {path} = {got!r}\n    recorded {wanted!r}")
            for header, value in expected.get("headers", {}).items():
                got_header = response.headers.get(header)
                if got_header != value:
                    problems.append(f"{where}: header {header} {got_header!r}, recorded {value!r}")
            for name, path in (step.get("save") or {}).items():
                names[name] = pick(body, path)
        assert not problems, f"{case['name']} ({version}): {case['about']}\n" + "\n".join(problems)
