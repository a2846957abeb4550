"""The unchanged items of a flat plan, kept as columns.

Most rows of a big nightly feed change nothing. The flat plan
(:class:`bulkio.plan.model.Plan`) still lists each of them — the saved plan names every
unchanged row's line, SKU and product id, the printer and the limits count them, the
missing-product policy reads their SKUs — and as one :class:`~bulkio.plan.model.PlanItem` each
(an object with its own attribute dict, an empty change list and an empty payload dict) they
cost about 400 bytes a row: a 1,000,000-record feed kept some 370 MB of them in a dry run
(bench/RESULTS.md, Client cost).

:class:`UnchangedItems` is the sequence the plan keeps instead: lines and product ids in
64-bit arrays, the SKUs as one UTF-8 byte string with end offsets, the store's modification
dates as small indexes into a table of the distinct dates (products written by one import
share theirs) — about 30 bytes a row. It behaves as the ``list[PlanItem]`` it replaces
(``append``, ``extend``, ``sort``, ``len``, iteration, indexing, equality), making each
:class:`~bulkio.plan.model.PlanItem` when it is read. An item that carries more than an
unchanged row's action, line, SKU, id and store date (a record kind's ``base_status``, a note,
a stock item's parent, changes or a payload) is kept as it is, at its place in the order, so
reading it back gives the very object that was added.

Items are made afresh on each read: changing a read item's attributes does not change the
plan (no reader of unchanged items does; change rich items, which are kept as they are, or
build a new sequence).
"""

from __future__ import annotations

import array
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

from bulkio.plan.item import PlanItem

if TYPE_CHECKING:
    import polars as pl

NO_ID = -(2**63)
"""The id column's mark for an item without an id (WooCommerce ids are positive)."""
NO_DATE = -1
"""The date column's mark for an item without the store's modification date."""


def is_plain(item: PlanItem) -> bool:
    """Whether ``item`` is nothing but an unchanged row (action, line, SKU, id, store date):
    what the columns can hold and give back equal."""
    return (
        item.action == "unchanged"
        and type(item.line) is int
        and type(item.sku) is str
        and (item.id is None or (type(item.id) is int and item.id != NO_ID))
        and (item.base_modified is None or type(item.base_modified) is str)
        and item.base_status is None
        and not item.changes
        and not item.payload
        and item.note is None
        and item.parent_id is None
        and type(item.changes) is list
        and type(item.payload) is dict
        and -(2**63) <= item.line < 2**63
        and (item.id is None or -(2**63) < item.id < 2**63)
    )


def line_order(lines: array.array[int], *, reverse: bool = False) -> pl.Series | None:
    """The stable order of rows by line (``list.sort``'s, ``reverse`` too) as a polars
    index column, or None when they are in order already: sorting a million rows' positions
    as Python ints cost some 70 MB at the end of a sliced plan."""
    if len(lines) < 2:
        return None
    import polars as pl  # here: importing the plan model must not load polars (CLI start-up)

    column = pl.Series("line", lines, dtype=pl.Int64)
    if not reverse and column.is_sorted():
        return None
    frame = pl.DataFrame([column]).with_row_index("position")
    order = frame.sort("line", descending=reverse, maintain_order=True)["position"]
    return None if order.is_sorted() else order  # positions in order: nothing moves


class StrColumn(Sequence[str]):
    """A list of strings kept as one UTF-8 byte string and the end offset of each: about
    10 bytes of text and 8 of offset a SKU where a list of ``str`` objects costs some 65 (the
    SKUs of a plan's unchanged rows, :class:`UnchangedItems` and
    :class:`bulkio.catalog.plan.UnchangedProducts`). Appended to, read, sliced and reordered
    like a list; strings are decoded when read."""

    __slots__ = ("_data", "_ends")

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._data = bytearray()
        self._ends: array.array[int] = array.array("q")
        self.extend(values)

    def append(self, value: str) -> None:
        self._data += value.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def extend(self, values: Iterable[str]) -> None:
        """Add strings at the end (a list of plain ASCII strings in one go)."""
        if isinstance(values, StrColumn):
            base = len(self._data)
            ends = values._ends if values is not self else array.array("q", values._ends)
            self._data += values._data if values is not self else bytes(values._data)
            self._ends.extend(base + end for end in ends)
            return
        if not isinstance(values, list | tuple):
            for value in values:
                self.append(value)
            return
        text = "".join(values)
        if text.isascii():  # one byte a character: the ends are the running lengths
            base = len(self._data)
            self._data += text.encode("ascii")
            self._ends.extend(base + end for end in itertools.accumulate(map(len, values)))
            return
        del text
        for value in values:
            self.append(value)

    def __len__(self) -> int:
        return len(self._ends)

    def _at(self, position: int) -> str:
        start = self._ends[position - 1] if position else 0
        return self._data[start : self._ends[position]].decode("utf-8", "surrogatepass")

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> StrColumn: ...

    def __getitem__(self, index: int | slice) -> str | StrColumn:
        """A string, or a new column of a slice (a step other than 1 reads each string)."""
        size = len(self._ends)
        if isinstance(index, slice):
            start, stop, step = index.indices(size)
            if step != 1:
                return StrColumn([self._at(i) for i in range(start, stop, step)])
            part = StrColumn()
            if stop > start:
                first = self._ends[start - 1] if start else 0
                part._data = self._data[first : self._ends[stop - 1]]
                part._ends.extend(end - first for end in self._ends[start:stop])
            return part
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError("string column index out of range")
        return self._at(position)

    def __iter__(self) -> Iterator[str]:
        data, start = self._data, 0
        for end in self._ends:
            yield data[start:end].decode("utf-8", "surrogatepass")
            start = end

    def take(self, order: Iterable[int] | pl.Series) -> StrColumn:
        """A new column of the strings at these positions, in this order (a sort's
        permutation), copied as bytes without decoding."""
        taken = StrColumn()
        data, ends, view = taken._data, taken._ends, memoryview(self._data)
        own = self._ends
        for position in order:
            data += view[own[position - 1] if position else 0 : own[position]]
            ends.append(len(data))
        view.release()
        return taken

    @property
    def nbytes(self) -> int:
        return len(self._data) + self._ends.itemsize * len(self._ends)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StrColumn):
            return self._ends == other._ends and self._data == other._data
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(repr(value) for value in self[:5])
        more = f", … {len(self) - 5} more" if len(self) > 5 else ""
        return f"StrColumn([{shown}{more}])"


class UnchangedItems(Sequence["PlanItem"]):
    """``Plan.unchanged``: unchanged items as columns, read as :class:`PlanItem` (see the
    module doc). Mutable like the list it replaces: ``append``, ``extend``, ``add_columns``
    (rows straight from columns, no item made), ``sort``, ``clear``."""

    __slots__ = (
        "_date_at",
        "_date_of",
        "_dates",
        "_ids",
        "_lines",
        "_rich",
        "_skus",
    )

    def __init__(self, items: Iterable[PlanItem] = ()) -> None:
        self._reset()
        self.extend(items)

    def _reset(self) -> None:
        self._lines: array.array[int] = array.array("q")
        self._ids: array.array[int] = array.array("q")
        self._skus = StrColumn()
        self._dates: list[str] = []
        self._date_of: dict[str, int] = {}
        """Index of each date in ``_dates``."""
        self._date_at: array.array[int] = array.array("i")
        """Each row's index into ``_dates`` (:data:`NO_DATE`: none)."""
        self._rich: dict[int, PlanItem] = {}
        """Items kept as they are, by their position (their columns hold their line only)."""

    # -- adding ---------------------------------------------------------------------------

    def _date_index(self, date: str | None) -> int:
        if date is None:
            return NO_DATE
        index = self._date_of.get(date)
        if index is None:
            index = self._date_of[date] = len(self._dates)
            self._dates.append(date)
        return index

    def _push(self, line: int, sku: str, id_: int | None, date: int) -> None:
        self._lines.append(line)
        self._ids.append(NO_ID if id_ is None else id_)
        self._skus.append(sku)
        self._date_at.append(date)

    def append(self, item: PlanItem) -> None:
        """Add one item at the end (kept as it is when it is more than a plain unchanged
        row, see :func:`is_plain`)."""
        if is_plain(item):
            self._push(item.line, item.sku, item.id, self._date_index(item.base_modified))
            return
        self._rich[len(self._lines)] = item
        self._push(int(item.line), "", None, NO_DATE)

    def extend(self, items: Iterable[PlanItem]) -> None:
        """Add items at the end, in their order."""
        if isinstance(items, UnchangedItems):
            self._extend_columns(items.copy() if items is self else items)
            return
        for item in items:
            self.append(item)

    def _extend_columns(self, other: UnchangedItems) -> None:
        offset = len(self._lines)
        remap = [self._date_index(date) for date in other._dates]
        self._lines.extend(other._lines)
        self._ids.extend(other._ids)
        self._skus.extend(other._skus)
        self._date_at.extend(NO_DATE if at == NO_DATE else remap[at] for at in other._date_at)
        for position, item in other._rich.items():
            self._rich[offset + position] = item

    def add_columns(
        self,
        lines: Sequence[int],
        skus: Sequence[str],
        ids: Sequence[int | None],
        modified: Sequence[str | None] | None = None,
    ) -> None:
        """Add plain unchanged rows straight from columns (line, SKU, id and, optionally, the
        store's modification date), without making an item per row: how a catalog plan's
        columns (:class:`bulkio.catalog.plan.UnchangedProducts`) and a stock plan's frame
        become the flat plan's unchanged items."""
        count = len(lines)
        if not (len(skus) == len(ids) == count) or (
            modified is not None and len(modified) != count
        ):
            raise ValueError("add_columns: columns of different lengths")
        if not count:
            return
        self._lines.extend(lines)
        self._ids.extend(NO_ID if id_ is None else id_ for id_ in ids)
        self._skus.extend(skus if isinstance(skus, StrColumn | list | tuple) else list(skus))
        if modified is None:
            self._date_at.extend(itertools.repeat(NO_DATE, count))
        else:
            self._date_at.extend(self._date_index(date) for date in modified)

    def clear(self) -> None:
        self._reset()

    def copy(self) -> UnchangedItems:
        """A shallow copy (rich items shared, as ``list.copy`` shares items)."""
        copied = UnchangedItems()
        copied._extend_columns(self)
        return copied

    # -- reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._lines)

    def _item(self, position: int) -> PlanItem:
        rich = self._rich.get(position)
        if rich is not None:
            return rich
        id_ = self._ids[position]
        date = self._date_at[position]
        return PlanItem(
            "unchanged",
            self._lines[position],
            self._skus[position],
            None if id_ == NO_ID else id_,
            None if date == NO_DATE else self._dates[date],
        )

    @overload
    def __getitem__(self, index: int) -> PlanItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[PlanItem]: ...

    def __getitem__(self, index: int | slice) -> PlanItem | list[PlanItem]:
        """An item (made from its row), or a list of items for a slice."""
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        size = len(self._lines)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError("unchanged item index out of range")
        return self._item(position)

    def __iter__(self) -> Iterator[PlanItem]:
        for position in range(len(self._lines)):
            yield self._item(position)

    def rows(self) -> Iterator[tuple[int, str, int | None]]:
        """(line, SKU, id) of each item, in order, without making items (what a saved plan
        keeps of an unchanged row)."""
        rich = self._rich
        for position, (line, sku, id_) in enumerate(
            zip(self._lines, self._skus, self._ids, strict=True)
        ):
            item = rich.get(position) if rich else None
            if item is not None:
                yield item.line, item.sku, item.id
            else:
                yield line, sku, None if id_ == NO_ID else id_

    def skus(self) -> Iterator[str]:
        """Each item's SKU, in order, without making items (the missing-product policy
        reads the feed's SKUs)."""
        for _line, sku, _id in self.rows():
            yield sku

    @property
    def nbytes(self) -> int:
        """The columns' size in bytes (rich items and the date table not counted)."""
        return (
            self._lines.itemsize * len(self._lines)
            + self._ids.itemsize * len(self._ids)
            + self._skus.nbytes
            + self._date_at.itemsize * len(self._date_at)
        )

    # -- order ------------------------------------------------------------------------------

    def sort(self, *, key: Callable[[PlanItem], Any] | None = None, reverse: bool = False) -> None:
        """Sort in place, stably, as ``list.sort`` does; ``key`` None sorts by line (plans
        list their items in feed order; items have no order of their own). By line, no item
        is made."""
        if key is None:
            for position, item in self._rich.items():
                self._lines[position] = item.line  # as it reads now
            by_line = line_order(self._lines, reverse=reverse)
            if by_line is not None:
                self._reorder(by_line)
            return
        keys = [key(item) for item in self]
        order = sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)
        del keys
        if all(position == index for index, position in enumerate(order)):
            return
        self._reorder(order)

    def _reorder(self, order: Sequence[int] | pl.Series) -> None:
        lines, ids, dates = self._lines, self._ids, self._date_at
        self._skus = self._skus.take(order)
        rich = self._rich
        if rich:
            self._rich = {new: rich[old] for new, old in enumerate(order) if old in rich}
        self._lines = array.array("q", (lines[i] for i in order))
        self._ids = array.array("q", (ids[i] for i in order))
        self._date_at = array.array("i", (dates[i] for i in order))

    # -- comparing and showing --------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        """Equal to a sequence of equal items in the same order (a list too, as tests and
        plans compared before this type was the plan's)."""
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        if len(other) != len(self):
            return False
        return all(mine == theirs for mine, theirs in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(repr(item) for item in self[:3])
        more = f", … {len(self) - 3} more" if len(self) > 3 else ""
        return f"UnchangedItems([{shown}{more}])"
