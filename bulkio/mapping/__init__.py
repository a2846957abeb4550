"""Mapping files: which store fields a feed owns and how each is computed from the source.

``load_mapping(path)`` reads and validates a TOML mapping; :mod:`bulkio.mapping.transforms`
compiles its field rules to polars expressions that :mod:`bulkio.records` runs.
"""

from bulkio.mapping.load import load_mapping, parse_mapping
from bulkio.mapping.model import (
    FieldRule,
    FilterRule,
    Mapping,
    SourceOptions,
    TargetOptions,
)

__all__ = [
    "FieldRule",
    "FilterRule",
    "Mapping",
    "SourceOptions",
    "TargetOptions",
    "load_mapping",
    "parse_mapping",
]
