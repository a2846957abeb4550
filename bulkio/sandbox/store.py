"""The store's state and the rules shared by all resources (ids, SKUs, slugs, terms, money).

Resource modules (:mod:`products`, :mod:`terms`, :mod:`orders`) hold the per-resource rules;
this module holds what they share, plus the SQL helpers for listing.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bulkio.sandbox import dates
from bulkio.sandbox.db import Database, dumps, loads
from bulkio.sandbox.errors import ApiError
from bulkio.sandbox.versions import WooVersion

SKU_MESSAGE = "Invalid or duplicated SKU."
IMAGE_MODES = ("online", "offline")
"""How image ``src`` URLs are fetched (see :mod:`bulkio.sandbox.images`)."""


_REMOVE_ACCENTS_SPECIAL = str.maketrans(
    {
        "ß": "s",
        "Æ": "AE",
        "æ": "ae",
        "Ø": "O",
        "ø": "o",
        "Œ": "OE",
        "œ": "oe",
        "Þ": "TH",
        "þ": "th",
        "Ð": "D",
        "ð": "d",
        "Đ": "D",
        "đ": "d",
        "Ł": "L",
        "ł": "l",
    }
)
"""Letters WordPress's ``remove_accents`` spells out that Unicode decomposition drops
(``Größe`` → ``grose``: measured on the 11.0.1 reference store, en_US)."""


def sanitize_title(text: str) -> str:
    """WordPress's slug rule, close enough: ASCII-fold, lowercase, dashes between words."""
    text = re.sub(r"<[^>]*>", "", text)  # strip_tags
    text = re.sub(r"&[^;\s]+;", "", text)  # entities (a stored "&amp;") are dropped
    text = text.translate(_REMOVE_ACCENTS_SPECIAL)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9_\-]+", "-", folded.lower()).strip("-")
    return re.sub(r"-{2,}", "-", slug)


def money(value: Any) -> str:
    """A money value as WooCommerce stores it (``wc_format_decimal`` with "." as separator).

    Numbers become their shortest decimal text; strings keep only digits, "." and "-" (so a
    "12,50" sent to a store whose decimal separator is "." becomes "1250", as on a real store).
    """
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:
            text = f"{value:f}"
        return text[:-2] if text.endswith(".0") else text
    text = re.sub(r"[^0-9.\-]", "", str(value).strip())
    return text


def stock_amount(value: Any) -> int | None:
    """``wc_stock_amount``: an integer, anything unparsable counts as 0; null stays null."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


def truthy(value: Any) -> bool:
    """``wc_string_to_bool`` / PHP truthiness for flags sent in payloads."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass
class Page:
    """One page of a listing: the rows and the total across all pages."""

    rows: list[sqlite3.Row]
    total: int


class Store:
    """All state of one sandbox store. Thread-safe: every database access holds ``db.lock``."""

    def __init__(
        self,
        db_path: str | None = None,
        *,
        home: str = "http://127.0.0.1",
        gmt_offset_hours: float = 0.0,
        clock: Callable[[], datetime] | None = None,
        version: WooVersion | None = None,
        images: str = "online",
        image_ports: Iterable[int] = (),
    ) -> None:
        if images not in IMAGE_MODES:
            raise ValueError(f"images must be one of {IMAGE_MODES}, not {images!r}")
        self.version = version or WooVersion()
        self.units = dict(self.version.default_units)
        """``woocommerce_weight_unit`` / ``woocommerce_dimension_unit`` (settings/products)."""
        self.email_settings: dict[str, str] = {"email_customer_new_account": "yes"}
        """E-mails' ``enabled`` settings (``settings/<email id>/enabled``); the sandbox sends
        no mail, but keeps the switch as the stores do (customer imports turn it off)."""
        self.images = images
        self.image_ports = frozenset(int(port) for port in image_ports)
        self.db = Database(db_path)
        self.clock = clock
        self.home = home.rstrip("/")
        self.offset = timedelta(hours=gmt_offset_hours)
        self.gmt_offset_hours = gmt_offset_hours
        self._meta_lock = threading.Lock()
        self._meta_id = int(
            self.db.scalar("SELECT value FROM counters WHERE name = 'meta_id'") or 1000
        )
        self._attachment_id = 0
        self.uncategorized_id = self._ensure_uncategorized()

    def close(self) -> None:
        self.save_counters()
        self.db.close()

    def save_counters(self) -> None:
        """Persist the id counter of order items and meta entries (ids stay unique per store)."""
        with self._meta_lock:
            value = self._meta_id
        self.db.execute(
            "INSERT INTO counters(name, value) VALUES ('meta_id', ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (value,),
        )

    def reserve_meta_ids(self, highest_used: int) -> None:
        """Make later ids start above ``highest_used`` (after seeding wrote its own)."""
        with self._meta_lock:
            self._meta_id = max(self._meta_id, highest_used)
        self.save_counters()

    def restore_from(self, path: str) -> None:
        """Replace the whole store with a saved copy (the seed cache)."""
        import sqlite3 as _sqlite3

        source = _sqlite3.connect(path)
        try:
            with self.db.lock:
                source.backup(self.db.connection)
        finally:
            source.close()
        with self._meta_lock:
            self._meta_id = int(
                self.db.scalar("SELECT value FROM counters WHERE name = 'meta_id'") or 1000
            )
        self.uncategorized_id = self._ensure_uncategorized()

    def save_to(self, path: str) -> None:
        """Write a copy of the whole store to ``path`` atomically."""
        import os
        import sqlite3 as _sqlite3

        self.save_counters()
        partial = f"{path}.{os.getpid()}.{threading.get_ident()}.partial"
        target = _sqlite3.connect(partial)
        try:
            with self.db.lock:
                self.db.connection.backup(target)
        finally:
            target.close()
        os.replace(partial, path)

    # -- shared helpers -------------------------------------------------------------------

    def now_text(self) -> str:
        """The store's "now" as a GMT date string (a test clock, when one was given)."""
        if self.clock is None:
            return dates.fmt(dates.now_gmt()) or ""
        moment = self.clock()
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return dates.fmt(moment.replace(microsecond=0)) or ""

    def local(self, gmt_text: str | None) -> str | None:
        return dates.local_from_gmt(gmt_text, self.offset)

    def next_meta_id(self) -> int:
        with self._meta_lock:
            self._meta_id += 1
            return self._meta_id

    def next_attachment_id(self) -> int:
        """Attachments share the post id sequence, as in WordPress."""
        with self.db.lock:
            cursor = self.db.execute(
                "INSERT INTO posts(kind, status, date_created_gmt, date_modified_gmt, doc) "
                "VALUES ('attachment', 'inherit', '', '', '{}')"
            )
            return int(cursor.lastrowid or 0)

    def _ensure_uncategorized(self) -> int:
        with self.db.lock:
            found = self.db.scalar(
                "SELECT id FROM terms WHERE taxonomy='product_cat' AND slug='uncategorized'"
            )
            if found:
                return int(found)
            cursor = self.db.execute(
                "INSERT INTO terms(taxonomy, name, slug, parent, doc) VALUES (?,?,?,?,?)",
                (
                    "product_cat",
                    "Uncategorized",
                    "uncategorized",
                    0,
                    dumps(
                        {"description": "", "display": "default", "image": None, "menu_order": 0}
                    ),
                ),
            )
            return int(cursor.lastrowid or 0)

    def sku_holder(self, sku: str, exclude_id: int = 0) -> int | None:
        """The id of a live (not trashed) product or variation holding ``sku``, if any."""
        if not sku:
            return None
        found = self.db.scalar(
            "SELECT id FROM posts WHERE sku = ? AND kind IN ('product','product_variation') "
            "AND status != 'trash' AND id != ? ORDER BY id LIMIT 1",
            (sku, exclude_id),
        )
        return None if found is None else int(found)

    def trashed_sku_holder(self, sku: str) -> int | None:
        """A trashed product or variation holding ``sku`` (WooCommerce's lookup table keeps
        it), if any."""
        if not sku:
            return None
        found = self.db.scalar(
            "SELECT id FROM posts WHERE sku = ? AND kind IN ('product','product_variation') "
            "AND status = 'trash' ORDER BY id LIMIT 1",
            (sku,),
        )
        return None if found is None else int(found)

    def check_sku(self, sku: str, own_id: int) -> None:
        """Raise the real ``product_invalid_sku`` error when another live item holds ``sku``."""
        holder = self.sku_holder(sku, own_id)
        if holder is None:
            return
        suffix = 1
        while self.sku_holder(f"{sku}-{suffix}", own_id) is not None:
            suffix += 1
        raise ApiError(
            "product_invalid_sku",
            SKU_MESSAGE,
            400,
            resource_id=holder,
            unique_sku=f"{sku}-{suffix}",
        )

    def unique_post_slug(self, kind: str, wanted: str, own_id: int = 0) -> str:
        base = wanted or "product"
        slug = base
        suffix = 2
        while self.db.scalar(
            "SELECT 1 FROM posts WHERE kind = ? AND slug = ? AND id != ? LIMIT 1",
            (kind, slug, own_id),
        ):
            slug = f"{base}-{suffix}"
            suffix += 1
        return slug

    # -- terms shared by products ----------------------------------------------------------

    def term_refs(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """id → {id, name, slug} for the given term ids (one query)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.db.query(f"SELECT id, name, slug FROM terms WHERE id IN ({marks})", wanted)  # noqa: S608
        return {
            int(row["id"]): {"id": int(row["id"]), "name": row["name"], "slug": row["slug"]}
            for row in rows
        }

    def existing_term_ids(self, taxonomy: str, ids: Iterable[int]) -> list[int]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self.db.query(
            f"SELECT id FROM terms WHERE taxonomy = ? AND id IN ({marks})",  # noqa: S608
            [taxonomy, *wanted],
        )
        present = {int(row["id"]) for row in rows}
        return [i for i in wanted if i in present]

    def set_post_terms(self, post_id: int, term_ids: Iterable[int], taxonomy: str) -> None:
        with self.db.lock:
            self.db.execute(
                "DELETE FROM term_relationships WHERE post_id = ? AND term_id IN "
                "(SELECT id FROM terms WHERE taxonomy = ?)",
                (post_id, taxonomy),
            )
            self.db.connection.executemany(
                "INSERT OR IGNORE INTO term_relationships(post_id, term_id) VALUES (?, ?)",
                [(post_id, term_id) for term_id in term_ids],
            )

    # -- posts -----------------------------------------------------------------------------

    def get_post(self, post_id: int, kinds: tuple[str, ...]) -> sqlite3.Row | None:
        marks = ",".join("?" * len(kinds))
        rows = self.db.query(
            f"SELECT * FROM posts WHERE id = ? AND kind IN ({marks})",  # noqa: S608
            [post_id, *kinds],
        )
        return rows[0] if rows else None

    def insert_post(self, columns: dict[str, Any], doc: dict[str, Any]) -> int:
        names = [*columns, "doc"]
        marks = ",".join("?" * len(names))
        with self.db.lock:
            cursor = self.db.execute(
                f"INSERT INTO posts({','.join(names)}) VALUES ({marks})",  # noqa: S608
                [*columns.values(), dumps(doc)],
            )
            return int(cursor.lastrowid or 0)

    def update_post(self, post_id: int, columns: dict[str, Any], doc: dict[str, Any]) -> None:
        sets = ",".join(f"{name} = ?" for name in [*columns, "doc"])
        self.db.execute(
            f"UPDATE posts SET {sets} WHERE id = ?",  # noqa: S608
            [*columns.values(), dumps(doc), post_id],
        )

    def delete_post(self, post_id: int) -> None:
        with self.db.lock:
            self.db.execute("DELETE FROM posts WHERE id = ?", (post_id,))
            self.db.execute("DELETE FROM term_relationships WHERE post_id = ?", (post_id,))

    def page(
        self, table: str, where: list[str], args: list[Any], order_sql: str, limit: int, offset: int
    ) -> Page:
        """Rows of one page plus the total count, with SQL doing the filtering and paging."""
        clause = " AND ".join(where) if where else "1"
        with self.db.lock:
            total = int(self.db.scalar(f"SELECT COUNT(*) FROM {table} WHERE {clause}", args) or 0)  # noqa: S608
            rows = self.db.query(
                f"SELECT * FROM {table} WHERE {clause} ORDER BY {order_sql} LIMIT ? OFFSET ?",  # noqa: S608
                [*args, limit, offset],
            )
        return Page(rows, total)


BLANK_DOCS: dict[str, Callable[[], dict[str, Any]]] = {}
"""Per post kind, the document of a new resource; stored documents may omit default values."""


def doc_of(row: sqlite3.Row) -> dict[str, Any]:
    """A row's JSON document, with defaults filled in for keys it does not store."""
    stored = loads(row["doc"])
    blank = BLANK_DOCS.get(row["kind"]) if "kind" in row.keys() else None  # noqa: SIM118 (sqlite3.Row: "in" tests values)
    return {**blank(), **stored} if blank is not None else stored


def compact(doc: dict[str, Any], blank: dict[str, Any]) -> dict[str, Any]:
    """Drop the keys that hold their default value (smaller rows, faster seeding)."""
    return {key: value for key, value in doc.items() if key not in blank or blank[key] != value}
