"""What every record kind (customers, coupons, orders) shares: the engine's Kind protocol.

A kind module (``bulkio/migrate/customers.py`` …) exposes ``KIND``, an instance of a subclass
of :class:`RecordKind` that sets the class attributes (``name``, ``route``, ``key_field``,
``fields``) and implements :meth:`RecordKind.plan_rows`; the rest is here:

* :meth:`read` — the feed → :class:`bulkio.migrate.rows.RecordRows` (cast values with file
  lines); the key of each row normalised by :meth:`key_of`, rows without one or repeating an
  earlier row's key rejected (unless ``groups_rows``), then :meth:`check_rows`;
* :meth:`plan` — a flat :class:`bulkio.plan.model.Plan` (resource = the kind's name,
  ``PlanItem.sku`` = the match key, one :class:`FieldChange` per field) from
  :meth:`plan_rows`, so printer, limits, reports, saved plans and run state work unchanged;
* :meth:`apply` — :func:`bulkio.apply.apply_plan`, which sends to ``<route>/batch``;
* :meth:`check_saved` — ``bulkio apply plan.json``: updates re-read by id (:meth:`read_ids`)
  and re-compared (:meth:`still_to_change`), creates looked up by key (:meth:`find_keys`).

Helpers for kinds: :func:`get_path` / :func:`stored_value` read a store record by path,
:func:`payload_of` turns changes into the nested JSON the REST API takes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from bulkio.apply import (
    DEFAULT_CONCURRENCY,
    ApplyResult,
    ItemOutcome,
    apply_plan,
    recheck_create,
    recheck_update,
)
from bulkio.engine.kinds import Bar, Feed, OnOutcome, Planned, Progress
from bulkio.migrate.mapping import FieldDef, RecordMapping
from bulkio.migrate.rows import RecordRows, Row, read_rows
from bulkio.plan.diff import new_plan
from bulkio.plan.model import FieldChange, Plan, PlanItem

PER_PAGE = 100


class RecordKind:
    """Base of the record kinds (see the module docstring)."""

    name: str = ""
    """The ``[target] resource`` (``"customer"``) and the plan's ``resource``."""
    route: str = ""
    """The REST collection (``"customers"``): read from it, written to ``<route>/batch``."""
    key_field: str = ""
    """The field rows are matched by (``"email"``); its normalised value is ``PlanItem.sku``."""
    fields: tuple[FieldDef, ...] = ()
    """The store paths a mapping may own, with their types."""
    groups_rows: bool = False
    """Whether ``[target] group_by`` is allowed (several rows make one record: orders)."""
    option_keys: tuple[str, ...] = ()
    """Keys of the kind's own table (``[customer]``)."""
    key_label: str = ""
    """How messages name a row's key ("e-mail"); default: ``key_field``."""

    # -- mapping ------------------------------------------------------------------------------

    def field_def(self, path: str) -> FieldDef | None:
        for definition in self.fields:
            if definition.matches(path):
                return definition
        return None

    def parse_options(self, table: dict[str, Any], parser: Any) -> dict[str, Any]:
        """The kind's table (``[customer]``) checked; ``parser`` has ``check_keys``, ``get``,
        ``choice`` and ``error`` of the mapping loader. Default: known keys kept as written."""
        parser.check_keys(table, self.option_keys, self.name)
        return dict(table)

    def check_mapping(self, mapping: RecordMapping, parser: Any) -> tuple[str, ...]:
        """Combinations the kind refuses (``parser.error(key, message, hint)``); returns
        warnings. Default: the key field must be owned."""
        if self.key_field not in mapping.fields:
            raise parser.error(
                f"fields.{self.key_field}",
                f"missing: {self.name} records are matched by {self.key_field}",
                hint=f'add {self.key_field} = "<the column holding it>"',
            )
        return ()

    # -- rows ---------------------------------------------------------------------------------

    def key_of(self, value: Any) -> str:
        """The match key of a row's key value (default: trimmed, lower-cased)."""
        return str(value).strip().lower()

    def read(self, mapping: Any, source: Path, *, bar: Bar) -> Feed:
        with bar("reading the feed", None, "row") as advance:
            rows = read_rows(mapping, source, progress=_rows_read(advance))
        self.prepare_rows(mapping, rows)
        return Feed(str(source), rows.total, list(rows.warnings), data=rows)

    def prepare_rows(self, mapping: RecordMapping, rows: RecordRows) -> None:
        """Keys set; rows without one, or (one row per record) repeating one, rejected."""
        first: dict[str, int] = {}
        rule = mapping.fields[self.key_field]
        rows.key_label = self.key_label or self.key_field
        for row in list(rows.rows):
            value = row.values.get(self.key_field)
            if value is None or str(value).strip() == "":
                rows.reject(
                    row,
                    rule.source,
                    None,
                    "missing-key",
                    f"{self.key_field}: empty — a {self.name} without it cannot be matched to "
                    "the store; fill the cell or filter the row out ([[filters]])",
                    field=self.key_field,
                )
                continue
            row.key = self.key_of(value)
            if self.groups_rows:
                continue
            if row.key in first:
                rows.reject(
                    row,
                    rule.source,
                    value,
                    "duplicate-key",
                    f"{self.key_field} {value!r} already on {rows.unit} {first[row.key]} "
                    f"(compared as {row.key!r}); this {rows.unit} is not imported — remove one "
                    "of the two rows",
                    field=self.key_field,
                )
                continue
            first[row.key] = row.line
        self.check_rows(mapping, rows)

    def check_rows(self, mapping: RecordMapping, rows: RecordRows) -> None:
        """Kind-specific row checks (``rows.reject(row, column, value, code, message)``)."""

    # -- plan ---------------------------------------------------------------------------------

    def plan(
        self, client: Any, mapping: Any, feed: Feed, *, store_url: str, concurrency: int, bar: Bar
    ) -> Planned:
        rows: RecordRows = feed.data
        plan = new_plan(
            mapping,
            rows,
            resource=self.name,
            owned_fields=list(mapping.owned_fields),
            source_path=feed.source,
            store_url=store_url,
            now=None,
            line_unit=rows.unit,
        )
        messages = self.plan_rows(client, mapping, rows, plan, concurrency=concurrency, bar=bar)
        return Planned(plan, feed, messages=list(messages or []))

    def plan_rows(
        self,
        client: Any,
        mapping: RecordMapping,
        rows: RecordRows,
        plan: Plan,
        *,
        concurrency: int,
        bar: Bar,
    ) -> list[str]:
        """Read the store, fill ``plan.creates`` / ``updates`` / ``unchanged`` (and
        ``rejected`` for rows the store state refuses); return notes for the plan."""
        raise NotImplementedError

    # -- apply --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def applying(self, client: Any, plan: Plan) -> Iterator[None]:
        """Around a plan's writes (a fresh run's and a saved plan's alike): a kind that must
        change a store setting while it writes (customers: the new-account e-mail) does it
        here, and puts it back however the writes end."""
        yield

    def apply(
        self,
        client: Any,
        planned: Planned,
        *,
        concurrency: int,
        batch_size: int,
        progress: Progress | None,
        on_outcome: OnOutcome | None,
        prior: list[ItemOutcome] | None = None,
    ) -> ApplyResult:
        with self.applying(client, planned.plan):
            return apply_plan(
                client,
                planned.plan,
                concurrency=concurrency,
                batch_size=batch_size,
                progress=progress,
                on_outcome=on_outcome,
                prior=prior or [],
            )

    def saved_text(self, planned: Planned, *, mapping: Any, store_url: str) -> str:
        return planned.plan.to_json()

    # -- saved plans --------------------------------------------------------------------------

    def check_saved(
        self, client: Any, plan: Plan, *, concurrency: int
    ) -> tuple[Plan, list[ItemOutcome]]:
        """Re-read what a saved plan touches: updates by id (changed since the plan: refused;
        already holding the values: unchanged), creates by key (appeared meanwhile: unchanged
        when equal, refused otherwise)."""
        current = self.read_ids(
            client, [i.id for i in plan.updates if i.id is not None], concurrency=concurrency
        )
        outcomes: list[ItemOutcome] = []
        keep_updates: list[PlanItem] = []
        for item in plan.updates:
            record = current.get(item.id or 0)
            refusal = None if record is None else self.refuse_update(record)
            if refusal is not None:
                outcomes.append(
                    ItemOutcome(
                        item.line, item.sku, "update", "refused", item.id, "not_writable", refusal
                    )
                )
                continue
            dropped = recheck_update(
                item,
                current.get(item.id or 0),
                self.still_to_change,
                gone=f"{self.name} #{item.id} no longer exists in the store; make a new plan",
            )
            if dropped is None:
                keep_updates.append(item)
            else:
                outcomes.append(dropped)
        found = self.find_keys(client, [i.sku for i in plan.creates], concurrency=concurrency)
        keep_creates: list[PlanItem] = []
        for item in plan.creates:
            existing = found.get(item.sku)
            dropped = recheck_create(
                item,
                existing,
                self.still_to_change,
                code="key_appeared",
                appeared=f"a {self.name} with this {self.key_field} "
                f"(#{(existing or {}).get('id')})",
            )
            if dropped is None:
                keep_creates.append(item)
            else:
                outcomes.append(dropped)
        return replace(plan, creates=keep_creates, updates=keep_updates), outcomes

    def refuse_update(self, record: dict[str, Any]) -> str | None:
        """Why a saved plan's update must not be sent to ``record`` as it is now (None: it
        may). Customers: the user's role changed to one bulkio never writes."""
        return None

    def read_ids(
        self, client: Any, ids: Sequence[int], *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> dict[int, dict[str, Any]]:
        """The records with these ids (``include=`` lists of 100, concurrently)."""
        return read_ids(client, self.route, ids, concurrency=concurrency)

    def find_keys(
        self, client: Any, keys: Sequence[str], *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> dict[str, dict[str, Any]]:
        """Store records by normalised key (for saved plans' creates)."""
        raise NotImplementedError

    def still_to_change(
        self, changes: Sequence[FieldChange], record: dict[str, Any]
    ) -> list[FieldChange]:
        """The planned changes ``record`` does not hold yet."""
        remaining: list[FieldChange] = []
        for change in changes:
            current = self.stored(record, change.field)
            if not self.same(change.field, current, change.new):
                remaining.append(FieldChange(change.field, current, change.new))
        return remaining

    def stored(self, record: dict[str, Any], path: str) -> Any:
        """A field's value as the store holds it, in the canonical form rows have."""
        return stored_value(record, path)

    def same(self, path: str, stored: Any, wanted: Any) -> bool:
        """Whether the store's value already is the wanted one (kinds refine: sanitised
        texts, decimals, case-insensitive codes…)."""
        return bool(normalise(stored) == normalise(wanted))

    def changes_for(
        self, mapping: RecordMapping, row: Row, record: dict[str, Any] | None
    ) -> list[FieldChange]:
        """The row's changes against ``record`` (None: a create — every value, ``on =
        "create"`` fields included; otherwise only differing ``on = "always"`` fields)."""
        out: list[FieldChange] = []
        for path, value in row.values.items():
            rule = mapping.fields.get(path)
            if record is None:
                out.append(FieldChange(path, None, value))
                continue
            if rule is not None and rule.on == "create":
                continue
            current = self.stored(record, path)
            if not self.same(path, current, value):
                out.append(FieldChange(path, current, value))
        return out


def _rows_read(advance: Progress) -> Progress:
    done = 0

    def hook(rows_read: int) -> None:
        nonlocal done
        if rows_read > done:
            advance(rows_read - done)
            done = rows_read

    return hook


def normalise(value: Any) -> Any:
    """Values as compared: None and "" alike, lists as tuples."""
    if value is None:
        return ""
    if isinstance(value, list):
        return tuple(value)
    return value


def get_path(record: dict[str, Any], path: str) -> Any:
    """``billing.city`` → ``record["billing"]["city"]``; ``meta:key`` → the meta value."""
    if path.startswith("meta:"):
        key = path[5:]
        for meta in record.get("meta_data") or []:
            if isinstance(meta, dict) and meta.get("key") == key:
                return meta.get("value")
        return None
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def stored_value(record: dict[str, Any], path: str) -> Any:
    """:func:`get_path` in the canonical form rows have (lists as tuples, numbers as text
    where the store answers text)."""
    value = get_path(record, path)
    if isinstance(value, list):
        return tuple(value)
    return value


def payload_of(changes: Sequence[FieldChange], *, item_id: int | None = None) -> dict[str, Any]:
    """The REST body for these changes: nested objects for dotted paths, ``meta_data`` for
    ``meta:`` paths, lists for tuples; ``id`` first for updates."""
    body: dict[str, Any] = {} if item_id is None else {"id": item_id}
    for change in changes:
        value: Any = list(change.new) if isinstance(change.new, tuple) else change.new
        if change.field.startswith("meta:"):
            body.setdefault("meta_data", []).append({"key": change.field[5:], "value": value})
            continue
        parts = change.field.split(".")
        target = body
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return body


def read_ids(
    client: Any,
    route: str,
    ids: Sequence[int],
    *,
    params: dict[str, Any] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> dict[int, dict[str, Any]]:
    """Records of ``route`` by id, ``include=`` lists of 100 read concurrently."""
    unique = list(dict.fromkeys(ids))
    chunks = [unique[i : i + PER_PAGE] for i in range(0, len(unique), PER_PAGE)]
    if not chunks:
        return {}

    def read_chunk(chunk: list[int]) -> list[dict[str, Any]]:
        query = {**(params or {}), "include": ",".join(str(i) for i in chunk)}
        out: list[dict[str, Any]] = []
        for items in client.iter_pages(route, params=query, per_page=PER_PAGE):
            out.extend(items)
        return out

    found: dict[int, dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(chunks)))) as pool:
        for records in pool.map(read_chunk, chunks):
            for record in records:
                found[int(record["id"])] = record
    return found


__all__ = [
    "RecordKind",
    "get_path",
    "normalise",
    "payload_of",
    "read_ids",
    "stored_value",
]
