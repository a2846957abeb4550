"""Plan.unchanged kept as columns (bulkio.plan.unchanged): it must read, sort, compare and save
exactly as the list of PlanItems it replaces, rich items included."""

from __future__ import annotations

import pickle
import random

import pytest

from bulkio.catalog.plan import CatalogOp, CatalogPlan, UnchangedProducts
from bulkio.engine.view import plan_view
from bulkio.plan.model import FieldChange, Plan, PlanItem
from bulkio.plan.unchanged import StrColumn, UnchangedItems, is_plain


def plain(line: int, sku: str, id_: int | None = None, date: str | None = None) -> PlanItem:
    return PlanItem("unchanged", line, sku, id_, date)


def rich_items() -> list[PlanItem]:
    """Items that are more than an unchanged row: each field that makes them so."""
    return [
        PlanItem("unchanged", 7, "COUPON", 70, "2026-01-01T00:00:00", "publish"),
        PlanItem("unchanged", 2, "VAR", 20, parent_id=5),
        PlanItem("unchanged", 9, "NOTED", 90, note="restored earlier"),
        PlanItem("unchanged", 4, "CHG", 40, changes=[FieldChange("name", "a", "a")]),
        PlanItem("unchanged", 6, "PAY", 60, payload={"id": 60}),
        PlanItem("update", 8, "UPD", 80, payload={"id": 80, "name": "x"}),
    ]


def mixed() -> list[PlanItem]:
    items = [
        plain(5, "A-5", 500, "2025-12-01T10:00:00"),
        plain(3, "ß-ünï", 300),
        plain(1, "", None),
        plain(10, "B-10", 1000, "2025-12-01T10:00:00"),
        plain(3, "dup-line", 301, "2025-11-30T09:00:00"),
    ]
    out: list[PlanItem] = []
    for plain_item, rich in zip(items, rich_items(), strict=False):
        out += [plain_item, rich]
    return out + items[len(rich_items()) :]


def test_reads_back_what_was_added_in_order() -> None:
    items = mixed()
    seq = UnchangedItems(items)
    assert len(seq) == len(items)
    assert list(seq) == items
    assert [seq[i] for i in range(len(items))] == items
    assert seq[-1] == items[-1] and seq[-len(items)] == items[0]
    assert seq[1:6:2] == items[1:6:2]
    with pytest.raises(IndexError):
        seq[len(items)]
    with pytest.raises(IndexError):
        seq[-len(items) - 1]
    # A rich item is the very object added (its payload shared, as in a list).
    rich = rich_items()
    kept = UnchangedItems([plain(1, "X"), rich[4]])
    assert kept[1] is rich[4]


def test_plain_rows_are_columns_rich_ones_are_kept() -> None:
    assert is_plain(plain(1, "A", 2, "2025-01-01T00:00:00"))
    assert not any(is_plain(item) for item in rich_items())
    seq = UnchangedItems([plain(i, f"SKU-{i}", i) for i in range(1000)])
    # Columns: 8 (line) + 8 (id) + 8 (SKU end) + 4 (date) bytes and the SKU's text a row.
    assert seq.nbytes == 1000 * 28 + sum(len(f"SKU-{i}") for i in range(1000))


def test_equality_with_lists_and_sequences() -> None:
    items = mixed()
    seq = UnchangedItems(items)
    assert seq == items and items == seq
    assert seq == UnchangedItems(items)
    assert seq != items[:-1]
    assert seq != [*items[:-1], plain(99, "other")]
    assert UnchangedItems() == []
    assert seq != "not items"


@pytest.mark.parametrize("reverse", [False, True])
def test_sort_matches_list_sort(reverse: bool) -> None:
    items = mixed()
    rng = random.Random(15)
    rng.shuffle(items)
    expected = sorted(items, key=lambda item: item.line, reverse=reverse)
    by_key = UnchangedItems(items)
    by_key.sort(key=lambda item: item.line, reverse=reverse)
    assert list(by_key) == expected
    by_line = UnchangedItems(items)
    by_line.sort(reverse=reverse)
    assert list(by_line) == expected
    # Any key, as list.sort takes (stable: equal keys keep their order).
    by_sku = UnchangedItems(items)
    by_sku.sort(key=lambda item: item.sku.casefold())
    assert list(by_sku) == sorted(items, key=lambda item: item.sku.casefold())


def test_append_extend_add_columns_clear_copy() -> None:
    seq = UnchangedItems()
    seq.append(plain(2, "B", 20))
    seq.extend([plain(1, "A", 10, "2025-01-01T00:00:00"), rich_items()[0]])
    seq.add_columns([5, 4], ["E", "Ď"], [50, None], ["2025-01-01T00:00:00", None])
    seq.add_columns([6], ["F"], [60])
    expected = [
        plain(2, "B", 20),
        plain(1, "A", 10, "2025-01-01T00:00:00"),
        rich_items()[0],
        plain(5, "E", 50, "2025-01-01T00:00:00"),
        plain(4, "Ď", None),
        plain(6, "F", 60),
    ]
    assert seq == expected
    copied = seq.copy()
    seq.extend(seq)
    assert list(seq) == expected + expected
    assert copied == expected
    other = UnchangedItems([plain(9, "Z", 90, "2024-05-05T05:05:05")])
    other.extend(copied)  # another sequence: its dates and rich items follow
    assert list(other) == [plain(9, "Z", 90, "2024-05-05T05:05:05"), *expected]
    assert list(other.rows()) == [(i.line, i.sku, i.id) for i in other]
    assert list(other.skus()) == [i.sku for i in other]
    with pytest.raises(ValueError, match="different lengths"):
        seq.add_columns([1, 2], ["A"], [1, 2])
    seq.clear()
    assert len(seq) == 0 and list(seq) == []


def test_plan_takes_a_list_and_saves_round_trip() -> None:
    items = [plain(3, "C", 30, "2025-01-01T00:00:00"), plain(1, "Ä", 10), plain(2, "N", None)]
    plan = Plan(unchanged=items)  # type: ignore[arg-type]  # a list, as callers wrote before
    assert isinstance(plan.unchanged, UnchangedItems) and plan.unchanged == items
    data = plan.to_dict()
    assert data["unchanged"] == [[3, "C", 30], [1, "Ä", 10], [2, "N", None]]
    again = Plan.from_json(plan.to_json())
    # A saved plan keeps line, SKU and id of an unchanged row (not the store's date).
    assert list(again.unchanged) == [plain(3, "C", 30), plain(1, "Ä", 10), plain(2, "N")]
    assert again.counts()["unchanged"] == 3 and again.row_count() == 3
    assert Plan.from_json(again.to_json()).to_dict() == again.to_dict()


def test_pickles() -> None:
    seq = UnchangedItems(mixed())
    assert pickle.loads(pickle.dumps(seq)) == seq


def test_plan_view_fills_from_columns_in_every_product_order() -> None:
    """The flat view of a catalog plan with unchanged columns lists the same items, in the
    same order, as one made op by op through CatalogPlan.every_product."""
    rng = random.Random(7)
    columns = UnchangedProducts()
    ops: list[CatalogOp] = []
    for line in range(1, 400):
        kind = rng.random()
        if kind < 0.7:
            date = rng.choice(["2025-01-01T00:00:00", "2025-02-02T00:00:00", None])
            columns.add(
                CatalogOp("unchanged", "product", line, f"U{line}", id=line, base_modified=date)
            )
        elif kind < 0.85:
            ops.append(
                CatalogOp("update", "product", line, f"P{line}", id=line, payload={"id": line})
            )
        else:  # an unchanged product with an unchanged variation: an op, not columns
            variation = CatalogOp("unchanged", "variation", line, f"V{line}", id=1000 + line)
            ops.append(
                CatalogOp("unchanged", "product", line, f"W{line}", id=line, variations=[variation])
            )
    catalog = CatalogPlan("feed.csv", products=ops, unchanged_products=columns)

    def view() -> Plan:
        return plan_view(catalog, mapping=None, source="feed.csv", store_url=None, feed_rows=None)

    fast = view()
    by_op = CatalogPlan("feed.csv", products=list(catalog.every_product()))
    slow = plan_view(by_op, mapping=None, source="feed.csv", store_url=None, feed_rows=None)
    assert list(fast.unchanged) == list(slow.unchanged)
    assert fast.updates == slow.updates and fast.counts() == slow.counts()
    variation = next(item for item in fast.unchanged if item.sku.startswith("V"))
    assert variation.parent_id is not None  # a variation keeps its parent: a rich item


def test_str_column_behaves_as_a_list_of_strings() -> None:
    values = ["A-1", "", "ß-ünï", "\U0001f600 emoji", "x" * 300, "tail"]
    column = StrColumn(values[:2])
    column.append(values[2])
    column.extend(values[3:])  # a list with non-ASCII text: string by string
    column.extend(("ascii", "only"))  # all ASCII: in one go
    expected = [*values, "ascii", "only"]
    assert list(column) == expected and len(column) == len(expected)
    assert [column[i] for i in range(-len(expected), len(expected))] == expected * 2
    for part in (slice(1, 5), slice(None, None, 2), slice(-3, None), slice(4, 2), slice(None)):
        assert list(column[part]) == expected[part]
    assert column[2:6] == expected[2:6] and isinstance(column[2:6], StrColumn)
    order = [5, 0, 7, 2, 2, 1]
    assert list(column.take(order)) == [expected[i] for i in order]
    column.extend(column)  # itself: as a list extended by itself
    assert list(column) == expected * 2
    assert column == expected * 2 and column != expected
    assert StrColumn(["a", "b"]) == StrColumn(["a", "b"]) != StrColumn(["ab"])
    assert StrColumn(["lone \ud800 surrogate"])[0] == "lone \ud800 surrogate"
    with pytest.raises(IndexError):
        column[len(column)]
    assert column.nbytes == len("".join(expected * 2).encode()) + 8 * len(column)


def test_unchanged_products_sort_keeps_rows_together() -> None:
    columns = UnchangedProducts()
    for line in (5, 1, 4, 2, 3):
        columns.add(CatalogOp("unchanged", "product", line, f"S{line}-é", id=line * 10))
    columns.extend([0], ["first"], [7], ["2025-01-01T00:00:00"])
    columns.sort()
    assert list(columns.lines) == [0, 1, 2, 3, 4, 5]
    assert list(columns.skus) == ["first", *(f"S{line}-é" for line in range(1, 6))]
    assert list(columns.ids) == [7, 10, 20, 30, 40, 50]
    assert [op.sku for op in columns.ops()] == list(columns.skus)
