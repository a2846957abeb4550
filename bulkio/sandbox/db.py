"""SQLite storage for the sandbox: one connection, one lock, JSON documents plus indexed columns.

Products, variations and orders share one id sequence (as WordPress posts do). Each row keeps
the columns the listing queries filter and sort on, and the rest of the resource as a JSON
document, so a page of 100 is one indexed ``LIMIT/OFFSET`` query plus 100 ``json.loads``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,                 -- product | product_variation | shop_order
    parent_id INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    sku TEXT NOT NULL DEFAULT '' COLLATE NOCASE,  -- MySQL's *_ci collation: case-insensitive
    name TEXT NOT NULL DEFAULT '',
    slug TEXT NOT NULL DEFAULT '',
    customer_id INTEGER NOT NULL DEFAULT 0,
    menu_order INTEGER NOT NULL DEFAULT 0,
    date_created_gmt TEXT NOT NULL,
    date_modified_gmt TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS posts_kind_status_created ON posts(kind, status, date_created_gmt, id);
CREATE INDEX IF NOT EXISTS posts_kind_created ON posts(kind, date_created_gmt, id);
CREATE INDEX IF NOT EXISTS posts_kind_modified ON posts(kind, date_modified_gmt);
CREATE INDEX IF NOT EXISTS posts_sku_all ON posts(sku);
CREATE INDEX IF NOT EXISTS posts_parent ON posts(parent_id, kind);
CREATE INDEX IF NOT EXISTS posts_kind_slug ON posts(kind, slug);
CREATE INDEX IF NOT EXISTS posts_customer ON posts(customer_id) WHERE customer_id != 0;
CREATE TABLE IF NOT EXISTS terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    taxonomy TEXT NOT NULL,             -- product_cat | product_tag
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    parent INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS terms_slug ON terms(taxonomy, slug);
CREATE TABLE IF NOT EXISTS term_relationships (
    post_id INTEGER NOT NULL,
    term_id INTEGER NOT NULL,
    PRIMARY KEY (post_id, term_id)
);
CREATE INDEX IF NOT EXISTS term_relationships_term ON term_relationships(term_id, post_id);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id INTEGER PRIMARY KEY AUTOINCREMENT,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL,
    consumer_key TEXT NOT NULL UNIQUE,
    consumer_secret TEXT NOT NULL
);
"""


class Database:
    """A SQLite connection shared by the server's threads, serialised by one re-entrant lock.

    ``:memory:`` (the default) lives as long as the object; a file path persists the store
    between runs of ``bulkio sandbox --db FILE``.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path or ":memory:"
        self.lock = threading.RLock()
        self.connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute(
            "PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY"
        )
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the block in one transaction (rolled back on error)."""
        with self.lock:
            self.connection.execute("BEGIN")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def query(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.connection.execute(sql, args).fetchall()

    def scalar(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> Any:
        with self.lock:
            row = self.connection.execute(sql, args).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Cursor:
        with self.lock:
            return self.connection.execute(sql, args)


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(text)
    return value
