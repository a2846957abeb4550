"""Mapping files: which store fields a feed owns and how each is computed from the source.

``load_mapping(path)`` reads and validates a TOML mapping; :mod:`bulkio.mapping.transforms`
compiles its field rules to polars expressions that :mod:`bulkio.records` runs. A mapping whose
``[target] resource`` is a record kind (customer, coupon, order) is handed to
:mod:`bulkio.migrate.mapping` and comes back as a ``RecordMapping``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bulkio.errors import MappingError
from bulkio.mapping.files import read_mapping_toml
from bulkio.mapping.load import is_record_mapping, parse_mapping
from bulkio.mapping.model import (
    FieldRule,
    FilterRule,
    Mapping,
    SourceOptions,
    TargetOptions,
)

if TYPE_CHECKING:
    from bulkio.migrate.mapping import RecordMapping


def load_mapping(path: str | Path) -> Mapping | RecordMapping:
    """Load and validate a mapping file; raise MappingError naming the file and key.

    ``path`` may also name a shipped mapping (``supplier-csv``, see :mod:`bulkio.shipped`).
    """
    data, mapping_path = read_mapping_toml(path)  # shared with export mappings
    if is_record_mapping(data):
        from bulkio.migrate.mapping import parse_record_mapping

        return parse_record_mapping(data, mapping_path)
    return parse_mapping(data, mapping_path)


def load_product_mapping(path: str | Path) -> Mapping:
    """:func:`load_mapping` where only product and stock mappings make sense (the catalog
    planner, the demo): a record mapping is refused naming its resource."""
    mapping = load_mapping(path)
    if not isinstance(mapping, Mapping):
        raise MappingError(
            mapping.path,
            "target.resource",
            f"a {mapping.target.resource} mapping cannot be used here",
            hint="import it with `bulkio import FEED -m MAPPING`",
        )
    return mapping


__all__ = [
    "FieldRule",
    "FilterRule",
    "Mapping",
    "SourceOptions",
    "TargetOptions",
    "load_mapping",
    "load_product_mapping",
    "parse_mapping",
]
