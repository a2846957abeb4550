"""Deterministic generated catalogs and orders (filled in by the seeding module)."""

from __future__ import annotations

from bulkio.sandbox.store import Store


def seed_store(store: Store, *, products: int, orders: int, seed: int) -> None:
    raise NotImplementedError("seeding lands in phase 2")
