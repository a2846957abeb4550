"""Order exports: export mappings, fetching, rows, incremental state (see ``docs/export.md``).

>>> mapping = load_export_mapping("mappings/export-accounting.toml")
>>> with StoreClient(settings) as client:
...     query = OrderQuery(statuses=("completed",))
...     result = export_orders(client, mapping, "orders.csv", query=query)

Customers and coupons: ``export_records(client, load_export_mapping(
"mappings/export-customers.toml"), "customers.csv", mask="hash")``.
"""

from bulkio.export.fetch import (
    FetchResult,
    FetchStats,
    OrderQuery,
    TimeRange,
    fetch_orders,
    iter_orders,
)
from bulkio.export.mapping import (
    Column,
    ExportMapping,
    OutputOptions,
    load_export_mapping,
    parse_export_mapping,
)
from bulkio.export.record_rows import (
    CouponQuery,
    CustomerQuery,
    RecordExportResult,
    export_records,
)
from bulkio.export.rows import ExportDataError, Row, RowBuilder, mask_email
from bulkio.export.run import DEFAULT_MARGIN_SECONDS, ExportResult, Incremental, export_orders
from bulkio.export.state import ExportState, default_state_path, load_state

__all__ = [
    "DEFAULT_MARGIN_SECONDS",
    "Column",
    "CouponQuery",
    "CustomerQuery",
    "ExportDataError",
    "ExportMapping",
    "ExportResult",
    "ExportState",
    "FetchResult",
    "FetchStats",
    "Incremental",
    "OrderQuery",
    "OutputOptions",
    "RecordExportResult",
    "Row",
    "RowBuilder",
    "TimeRange",
    "default_state_path",
    "export_orders",
    "export_records",
    "fetch_orders",
    "iter_orders",
    "load_export_mapping",
    "load_state",
    "mask_email",
    "parse_export_mapping",
]
