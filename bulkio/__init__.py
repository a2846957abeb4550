"""bulkio: move data between files and WooCommerce stores through the REST API.

The package is a library first; :mod:`bulkio.cli` is a thin click layer over it. Imports run
one pipeline (:mod:`bulkio.engine`): ``sources`` → ``mapping`` → feed → plan → ``apply`` →
``report``, with the resource kind (products with their variations, stock) chosen once from
the mapping, inside one safety guard. Exports run ``store`` → ``export`` → ``writers``;
:mod:`bulkio.store` is the only module that talks to the network. :mod:`bulkio.sandbox` is a
local WooCommerce emulator that product code never imports.

    import bulkio
    from bulkio.config import resolve_settings

    result = bulkio.run_import(resolve_settings(profile="shop"), "supplier.toml", "feed.csv")
    result.counts(), result.problems, result.exit_code

``run_import``, ``apply_plan`` and ``ImportResult`` are loaded on first use (``import bulkio``
stays cheap).
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["ImportResult", "__version__", "apply_plan", "run_import"]


def __getattr__(name: str) -> Any:
    if name in ("run_import", "apply_plan", "ImportResult"):
        import bulkio.engine

        return getattr(bulkio.engine, name)
    raise AttributeError(f"module 'bulkio' has no attribute {name!r}")
