"""Which parts of the mapping vocabulary this bulkio's mapping loader accepts.

The draft uses a key only when the loader takes it, so a drafted mapping always validates: a
column that would need a key this version lacks is left unmapped with a comment saying so.
Each capability is probed once by loading a minimal mapping that uses it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from bulkio.errors import BulkioError
from bulkio.mapping.load import parse_mapping

_BASE: dict[str, Any] = {"source": {"format": "csv"}, "fields": {"sku": "SKU"}}

_PROBES: dict[str, dict[str, Any]] = {
    "group_by": {"target": {"resource": "product", "group_by": "Group"}},
    "attributes": {"attributes": [{"name": "Size", "column": "Size"}]},
    "term_names": {
        "fields": {"categories": {"column": "Category", "split": "|", "hierarchy": ">"}}
    },
    "images": {"fields": {"images": {"column": "Images", "split": ","}}},
    "image_columns": {"fields": {"images": {"columns": ["A", "B"]}}},
    "currency": {
        "fields": {"regular_price": {"column": "Price", "type": "money", "currency": "EUR"}}
    },
    "unit": {"fields": {"weight": {"column": "Weight", "type": "decimal", "unit": "g"}}},
    "brands": {"fields": {"brands": {"column": "Brand"}}},
}


@cache
def supports(capability: str) -> bool:
    """Whether the mapping loader accepts the vocabulary named ``capability``."""
    probe = _PROBES[capability]
    data: dict[str, Any] = {key: dict(value) for key, value in _BASE.items()}
    for key, value in probe.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    try:
        parse_mapping(data, "<probe>")
    except (BulkioError, ValueError, KeyError, TypeError):
        return False
    return True


def all_capabilities() -> dict[str, bool]:
    return {name: supports(name) for name in _PROBES}
