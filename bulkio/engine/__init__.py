"""The import engine: one pipeline for every kind of mapping (docs/architecture.md).

``run_import`` (source → mapping → feed → plan → apply, in the one safety guard) and
``apply_plan`` (a saved plan) are what the CLI and library users call; both return an
:class:`ImportResult`.
"""

from bulkio.engine.kinds import KINDS, Kind, kind_for
from bulkio.engine.run import Hooks, ImportResult, run_import
from bulkio.engine.saved import SavedApply, apply_plan

__all__ = [
    "KINDS",
    "Hooks",
    "ImportResult",
    "Kind",
    "SavedApply",
    "apply_plan",
    "kind_for",
    "run_import",
]
