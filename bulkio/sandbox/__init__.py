"""A local WooCommerce REST API (``wc/v3``) on 127.0.0.1 for tests, demos and rehearsals.

Product code never imports this package; the CLI's ``bulkio sandbox``/``bulkio demo``, the
tests and the benchmarks do. See ``docs/sandbox.md``.
"""

from bulkio.sandbox.errors import ApiError
from bulkio.sandbox.faults import FaultPlan, FaultRule
from bulkio.sandbox.server import LoggedRequest, Sandbox

__all__ = ["ApiError", "FaultPlan", "FaultRule", "LoggedRequest", "Sandbox"]
