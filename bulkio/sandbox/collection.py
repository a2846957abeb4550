"""Listing a ``wc/v3`` collection: paging, the filters every collection shares, ordering.

Products, variations, orders and terms all take ``page``/``per_page``/``offset``, id lists
(``include``, ``exclude``, ``parent``), ``search``, ``slug``, date windows and ``orderby``/
``order`` with the same validation and the same meaning; :class:`ListQuery` is the one
implementation of those rules, so a fix to one of them reaches every collection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bulkio.sandbox import dates
from bulkio.sandbox.errors import invalid_param
from bulkio.sandbox.params import as_bool, as_enum, as_int, as_int_list
from bulkio.sandbox.store import Store

Listed = tuple[list[dict[str, Any]], int, int, int]
"""What a listing returns: ``(items, total, page, per_page)``, as ``routes.listing`` takes it."""


POST_ORDER_COLUMNS = {
    "date": "date_created_gmt",
    "modified": "date_modified_gmt",
    "id": "id",
    "title": "name",
}
"""``orderby`` values every post collection (products, variations, orders) sorts the same way."""


def marks(count: int) -> str:
    """``?,?,…`` for an SQL ``IN`` list of ``count`` values."""
    return ",".join("?" * count)


def paging(params: Mapping[str, Any]) -> tuple[int, int, int]:
    """``(page, per_page, offset)`` validated as WordPress does (per_page 1–100)."""
    page = as_int(params, "page", 1, minimum=1) or 1
    per_page = as_int(params, "per_page", 10, 1, 100) or 10
    offset_param = as_int(params, "offset", None)
    offset = offset_param if offset_param is not None else (page - 1) * per_page
    return page, per_page, offset


def order_clause(
    params: Mapping[str, Any],
    options: tuple[str, ...],
    default: str,
    default_order: str,
    columns: Mapping[str, str],
    include: list[int],
) -> str:
    """``orderby``/``order`` as SQL; ``orderby=include`` keeps the order of the ``include`` ids.

    An ``orderby`` the collection accepts but the sandbox does not sort by falls back to the
    column of ``default``. Ties of the date column are shuffled per request, as on MariaDB.
    """
    orderby = as_enum(params, "orderby", options, default) or default
    order = (as_enum(params, "order", ("asc", "desc"), default_order) or default_order).upper()
    if orderby == "include" and include:
        cases = " ".join(f"WHEN {value} THEN {index}" for index, value in enumerate(include))
        return f"CASE id {cases} END {order}"
    column = columns.get(orderby, columns[default])
    if column == columns.get("date"):
        # WordPress orders by post_date alone: MariaDB returns rows of the same second in no
        # fixed order, a different one from request to request, so pages repeat and skip
        # them. Ties are shuffled per request here too (page by id for a stable order).
        return f"{column} {order}, random()"
    return f"{column} {order}, id {order}"


class ListQuery:
    """One listing's SQL under construction: its page window, conditions and their arguments.

    Creating it validates the paging arguments first, as WordPress validates them before any
    filter; the filter methods then run in the order the caller names them, which is the order
    their errors win in.
    """

    def __init__(self, params: Mapping[str, Any], *where: str, args: Sequence[Any] = ()) -> None:
        self.params = params
        self.page, self.per_page, self.offset = paging(params)
        self.where = list(where)
        self.args = list(args)

    def add(self, condition: str, *args: Any) -> None:
        self.where.append(condition)
        self.args.extend(args)

    def one_of(self, column: str, values: Sequence[Any], *, negate: bool = False) -> None:
        """``column IN (…)`` (``NOT IN`` when ``negate``); no condition for no values."""
        if values:
            self.add(f"{column} {'NOT IN' if negate else 'IN'} ({marks(len(values))})", *values)

    def id_list(self, name: str, column: str = "id", *, negate: bool = False) -> list[int]:
        """An integer list argument (``include``, ``exclude``, ``parent``) as a filter on
        ``column``; returns the ids (``include`` also orders)."""
        ids = as_int_list(self.params, name)
        self.one_of(column, ids, negate=negate)
        return ids

    def include_exclude(self) -> list[int]:
        """``include`` and ``exclude`` ids; returns ``include`` (``orderby=include`` uses it)."""
        include = self.id_list("include")
        self.id_list("exclude", negate=True)
        return include

    def status(self, statuses: Sequence[str], hidden: Sequence[str]) -> None:
        """``any`` lists every status but ``hidden`` (the trash, drafts); else the ones named."""
        if "any" in statuses:
            self.one_of("status", hidden, negate=True)
        else:
            self.one_of("status", statuses)

    def search(self, *columns: str) -> None:
        """``search``: a substring of any of ``columns``."""
        if self.params.get("search"):
            term = f"%{self.params['search']}%"
            self.add(f"({' OR '.join(f'{c} LIKE ?' for c in columns)})", *[term] * len(columns))

    def slug(self) -> None:
        if self.params.get("slug"):
            self.add("slug = ?", str(self.params["slug"]))

    def dates(
        self,
        store: Store,
        created_column: str = "date_created_gmt",
        modified_column: str = "date_modified_gmt",
    ) -> None:
        """``after``/``before`` (created) and ``modified_after``/``modified_before``, read in the
        site's time unless ``dates_are_gmt``."""
        as_gmt = bool(as_bool(self.params, "dates_are_gmt", False))
        for name, column, operator in (
            ("after", created_column, ">"),
            ("before", created_column, "<"),
            ("modified_after", modified_column, ">"),
            ("modified_before", modified_column, "<"),
        ):
            if self.params.get(name) in (None, ""):
                continue
            moment = dates.parse_request_date(str(self.params[name]), store.offset, as_gmt=as_gmt)
            if moment is None:
                raise invalid_param(name, "Invalid date.", "rest_invalid_date")
            self.add(f"{column} {operator} ?", dates.fmt(moment))

    def fetch(
        self,
        store: Store,
        table: str,
        order_sql: str,
        respond: Callable[[list[sqlite3.Row]], list[dict[str, Any]]],
    ) -> Listed:
        """Run the query for this page; ``respond`` turns the page's rows into API items."""
        result = store.page(table, self.where, self.args, order_sql, self.per_page, self.offset)
        return respond(result.rows), result.total, self.page, self.per_page
