"""Customers and coupons → output rows, through the same engine as orders and products.

An export mapping with ``resource = "customers"`` or ``"coupons"`` uses the order mappings'
vocabulary (``[[columns]]`` with field/value/template/compute/map/type, ``[output]``
formatting; fields: :mod:`bulkio.export.record_fields`), so :class:`RecordRowBuilder` only says
what a field path means; cells, maps, defaults and e-mail masking are
:class:`~bulkio.export.rows.RowBuilder`'s, and rows go to the same writers
(:func:`bulkio.writers.write_rows`: atomic, formula-safe). One record is one row.

Customers are listed with ``role=customer`` unless the query says otherwise (WooCommerce's own
default: an administrator is not a customer); e-mail addresses go through the same masking as
order exports (``mask="hash"`` or ``"mask"``), in every cell that holds one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkio.errors import UsageError
from bulkio.export.fetch import FetchStats, iter_orders
from bulkio.export.mapping import ExportMapping
from bulkio.export.record_fields import (
    COUPON_LISTS,
    DATE_FIELDS,
    RECORD_NAMES,
    RECORD_RESOURCES,
    record_field_type,
)
from bulkio.export.rows import MaskMode, Row, RowBuilder, _meta
from bulkio.store import StoreClient

CUSTOMER_ROLES = (
    "all",
    "administrator",
    "editor",
    "author",
    "contributor",
    "subscriber",
    "customer",
)
COUPON_STATUSES = ("any", "publish", "future", "draft", "pending", "private", "trash")


@dataclass(frozen=True)
class CustomerQuery:
    """Which customers to export: a role (``customer`` by default, ``all`` for every user) and
    optionally one e-mail address (matched without case, as WordPress does)."""

    role: str = "customer"
    email: str | None = None

    def params(self) -> dict[str, Any]:
        """``orderby=id`` (stable: new customers land at the end instead of shifting pages)."""
        if self.role not in CUSTOMER_ROLES:
            raise UsageError(
                f"role {self.role!r} is not one of {', '.join(CUSTOMER_ROLES)}",
                hint="use customer (the default) or all",
            )
        params: dict[str, Any] = {"orderby": "id", "order": "asc", "role": self.role}
        if self.email:
            params["email"] = self.email
        return params

    def matches(self, record: dict[str, Any]) -> bool:
        return True


@dataclass(frozen=True)
class CouponQuery:
    """Which coupons to export: a status (``any`` by default: every coupon but the trash) and
    optionally one code (matched as WooCommerce formats codes: trimmed, without case)."""

    status: str = "any"
    code: str | None = None

    def params(self) -> dict[str, Any]:
        if self.status not in COUPON_STATUSES:
            raise UsageError(
                f"status {self.status!r} is not one of {', '.join(COUPON_STATUSES)}",
                hint="use any (the default), publish, draft, … or trash",
            )
        params: dict[str, Any] = {"orderby": "id", "order": "asc", "status": self.status}
        if self.code:
            params["code"] = self.code
        return params

    def matches(self, record: dict[str, Any]) -> bool:
        return True


class RecordRowBuilder(RowBuilder):
    """Turns customers or coupons into rows as their export mapping says."""

    def __init__(self, mapping: ExportMapping, *, mask: MaskMode | None = None) -> None:
        super().__init__(mapping, mask=mask)
        self.resource = mapping.resource
        self.record_name = RECORD_NAMES.get(self.resource, "record")
        self.dates = DATE_FIELDS.get(self.resource, ())

    def field_type(self, path: str) -> str | None:
        return record_field_type(self.resource, path)

    def rows_of(self, order: dict[str, Any]) -> Iterator[Row]:
        yield Row(int(order.get("id") or 0), None, self._cells(order, None, None))

    def lookup(
        self,
        path: str,
        order: dict[str, Any],
        kind: str | None,
        line: dict[str, Any] | None,
        *,
        joined: bool,
    ) -> object:
        record = order
        if path.startswith("meta:"):
            return _meta(record.get("meta_data"), path[5:])
        head, _, rest = path.partition(".")
        if head in ("billing", "shipping") and rest:
            return (record.get(head) or {}).get(rest)
        if path in COUPON_LISTS:
            return [str(item) for item in record.get(path) or ()]
        if path in self.dates:
            return self._date(record, path)
        return record.get(path)


@dataclass(frozen=True)
class RecordExportResult:
    output: Path
    format: str
    resource: str
    records: int
    rows: int
    requests: int
    seconds: float


def export_records(
    client: StoreClient,
    mapping: ExportMapping,
    output: str | Path,
    *,
    fmt: str | None = None,
    query: CustomerQuery | CouponQuery | None = None,
    overwrite: bool = False,
    mask: MaskMode | None = None,
    concurrency: int | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> RecordExportResult:
    """Export the customers or coupons ``query`` selects to ``output`` as ``mapping`` says
    (its ``resource`` names which). Read 100 a page, pages concurrently, ``orderby=id``, each
    record once; the file appears only when complete; CSV/XLSX text cells cannot run as
    formulas; ``mask`` hides e-mail addresses in every cell (``hash``: a stable SHA-256
    prefix, ``mask``: ``j***@example.com``)."""
    from bulkio import writers

    resource = mapping.resource
    if resource not in RECORD_RESOURCES:
        raise UsageError(
            f"{mapping.path}: a {resource} export mapping cannot export customers or coupons",
            hint='set resource = "customers" or "coupons" in the mapping',
        )
    wanted_query: CustomerQuery | CouponQuery = query or (
        CustomerQuery() if resource == "customers" else CouponQuery()
    )
    if isinstance(wanted_query, CustomerQuery) != (resource == "customers"):
        raise UsageError(
            f"{mapping.path}: a {type(wanted_query).__name__} cannot select {resource}",
            hint="pass CustomerQuery for customers, CouponQuery for coupons",
        )
    started = time.perf_counter()
    target = Path(output)
    chosen = writers.choose_format(target, fmt, mapping.output.format)
    writers.check_writable(target, overwrite=overwrite)
    requests_before = client.stats.requests
    builder = RecordRowBuilder(mapping, mask=mask)
    stats = FetchStats()
    records = iter_orders(
        client,
        wanted_query,
        mapping.store_fields(),
        concurrency=concurrency,
        on_page=on_page,
        stats=stats,
        route=resource,
    )
    rows = writers.write_rows(target, chosen, mapping, builder.rows(records), overwrite=overwrite)
    return RecordExportResult(
        output=target,
        format=chosen,
        resource=resource,
        records=stats.orders,
        rows=rows,
        requests=client.stats.requests - requests_before,
        seconds=time.perf_counter() - started,
    )
