"""Propose a store field for each column of a sniffed feed, by its name and by its values.

A name alone is never enough: a column named like a price whose values are not numbers is
left unmapped with a note, and so is a stock column holding "lieferbar". Each decision carries
a ``why`` that ends up as a comment in the drafted mapping.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bulkio.draft.capabilities import supports
from bulkio.draft.sniff import (
    Column,
    CsvSniff,
    NumberStyle,
    XmlSniff,
    number_text,
    sniff_date_format,
)
from bulkio.draft.vocabulary import (
    ANCESTOR_BLOCK,
    ATTRIBUTE_WORDS,
    AVAILABILITY,
    BLOCK_WORDS,
    DISCONTINUED,
    FALSE_WORDS,
    GROUP_WORDS,
    SHOP_WORDS,
    SYNONYMS,
    TRUE_WORDS,
    last_step,
    normalise,
)
from bulkio.errors import UsageError
from bulkio.terminal import printable

STOCK_FIELDS = ("stock_quantity", "backorders", "stock_status", "manage_stock")
MONEY = ("regular_price", "sale_price")
DECIMALS = ("weight", "dimensions.length", "dimensions.width", "dimensions.height")
INTS = ("stock_quantity", "menu_order")
_UNIT_SUFFIX = re.compile(
    r"^(?P<base>.*?)\s*[\(\[]\s*(?P<unit>kg|g|lbs?|oz|cm|mm|m|in|inch|yd)\s*[\)\]]\s*$", re.I
)
_CURRENCY_VALUE = re.compile(
    r"^\s*(?:(?P<pre>[A-Z]{3})\s+)?[-+]?[\d.,' \u00a0]+?(?:\s*(?P<post>[A-Z]{3}))?\s*$"
)
_URL = re.compile(r"^https?://\S+$", re.I)
_GOOGLE_ATTRIBUTE_NAMES = {
    "color": "Color",
    "size": "Size",
    "material": "Material",
    "pattern": "Pattern",
    "gender": "Gender",
    "agegroup": "Age group",
}


@dataclass
class FieldGuess:
    field: str
    column: str | None
    options: dict[str, Any]
    why: str


@dataclass
class AttributeGuess:
    name: str
    column: str
    why: str
    variation: bool = False
    is_global: bool = True
    """A global attribute (pa_ taxonomy, shared by products, filterable in the shop)."""


@dataclass
class FilterGuess:
    column: str
    values: list[str]
    why: str


@dataclass
class Draft:
    """A drafted mapping: what :mod:`bulkio.draft.write` turns into commented TOML."""

    feed: str
    format: str
    source: dict[str, Any]
    source_why: dict[str, str]
    target: dict[str, Any]
    target_why: dict[str, str]
    fields: list[FieldGuess] = field(default_factory=list)
    attributes: list[AttributeGuess] = field(default_factory=list)
    filters: list[FilterGuess] = field(default_factory=list)
    unmapped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    layout: str | None = None
    """``"woocommerce"`` when the file is WooCommerce's own product CSV."""
    text: str | None = None
    """The complete mapping text, for layouts that copy a shipped mapping."""
    rows: int = 0


# -- value tests ------------------------------------------------------------------------------


def _number_pattern(style: NumberStyle, *, integer: bool = False) -> re.Pattern[str]:
    dec = re.escape(style.decimal)
    if style.thousands:
        th = re.escape(style.thousands)
        whole = rf"(?:\d{{1,3}}(?:{th}\d{{3}})+|\d+)"
    else:
        whole = r"\d+"
    frac = rf"(?:{dec}0+)?" if integer else rf"(?:{dec}\d+)?"
    return re.compile(rf"^[-+]?{whole}{frac}$")


def _all_match(values: list[str], pattern: re.Pattern[str], *, strict: bool = True) -> str | None:
    """None when the values match, else the first one that does not.

    Not ``strict``: a few bad values (at most one in five) are the rows the import will
    reject, not a sign of the wrong column.
    """
    bad = [
        part
        for value in values
        for part in value.split("\x1f")
        if part.strip() and not pattern.match(part.strip())
    ]
    if not bad or (not strict and len(bad) * 5 <= len(values)):
        return None
    return bad[0]


def _failing(values: list[str], pattern: re.Pattern[str]) -> list[str]:
    return [v for v in values if v.strip() and not pattern.match(v.strip())]


def _bool_words(values: list[str]) -> tuple[str, str] | None:
    """(true word, false word) as the file writes them, when every value is one of two."""
    distinct = sorted({v.strip() for v in values})
    lowered = {v.lower() for v in distinct}
    if not distinct or len(lowered) > 2:
        return None
    true = [v for v in distinct if v.lower() in TRUE_WORDS]
    false = [v for v in distinct if v.lower() in FALSE_WORDS]
    if len(true) + len(false) != len(distinct) or len(true) > 1 or len(false) > 1:
        return None
    return (true[0] if true else ""), (false[0] if false else "")


def _quoted(text: str, width: int = 40) -> str:
    text = printable(text.replace("\x1f", " | "))
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _split_of(values: list[str]) -> str | None:
    for separator in ("|", ";", ","):
        if sum(separator in v for v in values) >= max(1, len(values) // 10):
            return separator
    return None


# -- the guesser ------------------------------------------------------------------------------


class Guesser:
    def __init__(
        self,
        sniff: CsvSniff | XmlSniff,
        *,
        resource: str | None,
        sku_column: str | None = None,
    ) -> None:
        self.sniff = sniff
        self.xml = isinstance(sniff, XmlSniff)
        self.style = NumberStyle() if isinstance(sniff, XmlSniff) else sniff.numbers
        self.columns = sniff.columns
        self.by_name = {c.name: c for c in self.columns}
        self.resource = resource
        self.sku_column = sku_column
        self.used: set[str] = set()
        self.fields: dict[str, FieldGuess] = {}
        self.attributes: list[AttributeGuess] = []
        self.filters: list[FilterGuess] = []
        self.vetoed: dict[str, str] = {}
        self.notes: list[str] = []
        self.group_by: tuple[str, str] | None = None
        self.google = self.xml and "g" in getattr(sniff, "namespaces", {})

    # names

    def key(self, column: Column) -> str:
        name = last_step(column.name) if self.xml else column.name
        match = _UNIT_SUFFIX.match(name)
        if match:
            name = match.group("base")
        return normalise(name)

    def unit_of(self, column: Column) -> str | None:
        match = _UNIT_SUFFIX.match(last_step(column.name) if self.xml else column.name)
        if match:
            return match.group("unit").lower()
        units = column.attributes.get("unit")
        if units and len(units) == 1:
            return next(iter(units)).lower()
        return None

    def candidates(self) -> list[Column]:
        result = []
        for column in self.columns:
            if not column.filled:
                continue
            if self.xml:
                steps = [normalise(last_step(s)) for s in column.name.split("/")[:-1]]
                if any(step in ANCESTOR_BLOCK for step in steps):
                    continue
                parent_attr = re.match(r"^(.*)/@[^/]+$", column.name)
                if parent_attr and parent_attr.group(1) in self.by_name:
                    owner = self.by_name[parent_attr.group(1)]
                    if owner.filled:  # the element has text: its attribute qualifies it
                        continue
            result.append(column)
        return result

    # the whole guess

    def run(self) -> None:
        columns = self.candidates()
        self._guess_group(columns)
        self._guess_by_name(columns)
        if "sku" not in self.fields:
            self._guess_sku_by_values(columns)
        self._guess_attributes(columns)
        self._guess_filters(columns)
        self._settle_stock()

    def _guess_group(self, columns: list[Column]) -> None:
        for column in columns:
            if self.key(column) not in GROUP_WORDS:
                continue
            counts = Counter(column.values)
            if not counts or counts.most_common(1)[0][1] < 2:
                self.vetoed[column.name] = "named like a parent/group column, but no value repeats"
                continue
            if not supports("group_by"):
                self.vetoed[column.name] = (
                    "groups rows into variable products, which needs [target] group_by "
                    "(not in this bulkio version)"
                )
                continue
            value, times = counts.most_common(1)[0]
            self.group_by = (
                column.name,
                f"{column.name!r} names a group ({_quoted(value)} on {times} rows): rows "
                "sharing a value become the variations of one variable product",
            )
            self.used.add(column.name)
            return

    def _guess_by_name(self, columns: list[Column]) -> None:
        pairs: list[tuple[int, int, int, int, str, Column]] = []
        for order, column in enumerate(columns):
            if column.name in self.used:
                continue
            key = self.key(column)
            depth = column.name.count("/") if self.xml else 0
            for name, words in SYNONYMS.items():
                if self.sku_column is not None and name == "sku":
                    continue
                for rank, word in enumerate(words):
                    if key == word:
                        pairs.append((0, depth, rank, order, name, column))
                    elif (
                        len(word) >= 4
                        and word in key
                        and not any(block in key for block in BLOCK_WORDS if block != word)
                    ):
                        pairs.append((1, depth, rank, order, name, column))
            if key in ("id", "gid", "itemid", "productid") and self.xml:
                pairs.append((0, depth, 90, order, "sku", column))
        if self.sku_column is not None:
            named = self.by_name.get(self.sku_column)
            if named is None:
                raise UsageError(
                    f"--sku {self.sku_column!r}: the file has no such column",
                    hint="its columns are: " + ", ".join(repr(c.name) for c in self.columns),
                )
            self.fields["sku"] = FieldGuess("sku", named.name, {}, "named with --sku")
            self.used.add(named.name)
        pairs.sort(key=lambda p: p[:4])
        for exact, _depth, _rank, _order, name, column in pairs:
            if name in self.fields or column.name in self.used:
                continue
            how = "is" if exact == 0 else "contains"
            guess = self._check(name, column, f"the name {how} a word for {name}")
            if guess is not None:
                self.fields[name] = guess
                self.used.add(column.name)

    def _guess_sku_by_values(self, columns: list[Column]) -> None:
        for column in columns:
            if column.name in self.used:
                continue
            values = column.values
            if (
                len(values) >= max(1, column.rows * 9 // 10)
                and len(set(values)) == len(values)
                and all(" " not in v and len(v) <= 40 for v in values)
                and any(ch.isdigit() for ch in values[0])
            ):
                self.fields["sku"] = FieldGuess(
                    "sku", column.name, {}, "its values are unique codes (the first such column)"
                )
                self.used.add(column.name)
                return

    def _guess_attributes(self, columns: list[Column]) -> None:
        for column in columns:
            if column.name in self.used:
                continue
            key = self.key(column)
            for english, words in ATTRIBUTE_WORDS.items():
                if key not in words:
                    continue
                if not supports("attributes"):
                    self.vetoed[column.name] = (
                        f"an attribute ({english}), which needs [[attributes]] (not in this "
                        "bulkio version)"
                    )
                    break
                if self.xml:
                    name = _GOOGLE_ATTRIBUTE_NAMES.get(key, last_step(column.name).capitalize())
                else:
                    name = column.name
                variation = self.group_by is not None
                why = f"the name is a word for the attribute {english}"
                if variation:
                    why += "; its values tell the variations of a group apart"
                self.attributes.append(AttributeGuess(name, column.name, why, variation))
                self.used.add(column.name)
                break

    def _guess_filters(self, columns: list[Column]) -> None:
        for column in columns:
            if column.name in self.used:
                continue
            words = _bool_words(column.values) if self.key(column) in SHOP_WORDS else None
            if words is not None and words[1]:
                self.filters.append(
                    FilterGuess(
                        column.name,
                        [words[1]],
                        f"{column.name!r} says whether an article belongs in the shop: rows "
                        f"with {words[1]!r} are skipped",
                    )
                )
                self.used.add(column.name)
                continue
            stops = sorted({v for v in column.values if normalise(v) in DISCONTINUED})
            if stops and len(stops) < len(set(column.values)):
                self.filters.append(
                    FilterGuess(
                        column.name,
                        stops,
                        f"{column.name!r} says {', '.join(_quoted(s) for s in stops)} "
                        "(discontinued) on some rows: they are skipped",
                    )
                )
                self.used.add(column.name)

    def _settle_stock(self) -> None:
        fields = self.fields
        if "stock_quantity" in fields and "stock_status" in fields:
            dropped = fields.pop("stock_status")
            self.used.discard(dropped.column or "")
            self.vetoed[dropped.column or ""] = (
                "a stock status; WooCommerce computes it from the quantity, which the mapping owns"
            )
        resource = self.resource
        owned = set(fields) - {"sku"}
        if resource is None:
            stockish = "stock_quantity" in owned and owned <= set(STOCK_FIELDS)
            resource = (
                "stock" if stockish and not self.attributes and not self.group_by else ("product")
            )
        self.resource = resource
        if resource == "stock":
            for name in list(fields):
                if name not in ("sku", *STOCK_FIELDS):
                    guess = fields.pop(name)
                    self.used.discard(guess.column or "")
                    self.vetoed[guess.column or ""] = (
                        f"{name} (not a stock field: --resource stock)"
                    )
            for attribute in self.attributes:
                self.used.discard(attribute.column)
                self.vetoed[attribute.column] = "an attribute (not a stock field)"
            self.attributes = []
            if self.group_by:
                self.used.discard(self.group_by[0])
                self.group_by = None
        elif "stock_quantity" in fields and "manage_stock" not in fields:
            fields["manage_stock"] = FieldGuess(
                "manage_stock",
                None,
                {"value": True},
                "the file has stock quantities, so WooCommerce manages the stock",
            )
        elif "stock_status" in fields and "manage_stock" not in fields:
            fields["manage_stock"] = FieldGuess(
                "manage_stock",
                None,
                {"value": False},
                "the file says in or out of stock without quantities: the status is set, "
                "stock is not counted",
            )

    # value checks per field

    def _check(self, name: str, column: Column, why: str) -> FieldGuess | None:
        values = column.values
        options: dict[str, Any] = {}
        path = column.name
        if name == "sku":
            long = [v for v in values if len(v) > 100 or len(v.split()) > 3]
            if long:
                return self._veto(column, f"named like a SKU, but holds text ({_quoted(long[0])})")
            if column.repeats:
                return self._veto(column, "named like a SKU, but a record has several")
        elif name in MONEY:
            options["type"] = "money"
            currency, money_values = self._currency(column)
            if currency:
                if column.attributes.get("currency") and self.xml:
                    path = f"{column.name}[@currency='{currency}']"
                    why += f"; every price says currency {currency!r} in an attribute"
                elif supports("currency"):
                    options["currency"] = currency
                    why += f"; prices are written with their currency ({currency})"
                else:
                    return self._veto(
                        column,
                        f"prices with a currency ({_quoted(values[0])}), which needs "
                        "currency = … (not in this bulkio version)",
                    )
            bad = _all_match(money_values, _number_pattern(self.style), strict=False)
            if bad is not None:
                return self._veto(column, f"named like a price, but {_quoted(bad)} is not a number")
            if name == "sale_price":
                options["empty"] = "clear"
                why += "; an empty cell ends the sale"
        elif name in INTS:
            options["type"] = "int"
            bad = _all_match(values, _number_pattern(self.style, integer=True), strict=False)
            if bad is not None:
                return self._veto(
                    column, f"named like {name}, but {_quoted(bad)} is not a whole number"
                )
        elif name in DECIMALS:
            options["type"] = "decimal"
            bad = _all_match(values, _number_pattern(self.style), strict=False)
            if bad is not None:
                return self._veto(column, f"named like {name}, but {_quoted(bad)} is not a number")
            unit = self.unit_of(column)
            if unit is None and name == "weight" and self._looks_like_grams(values):
                unit = "g"
                why += "; whole numbers around "
                why += f"{statistics.median(self._numbers(values)):g}: grams"
            if unit is not None:
                if supports("unit"):
                    options["unit"] = unit
                    why += f"; in {unit}, converted to the store's unit"
                elif unit not in ("kg", "cm"):
                    return self._veto(
                        column, f"{name} in {unit}, which needs unit = … (not in this version)"
                    )
        elif name == "status":
            words = _bool_words(values)
            statuses = {"publish", "draft", "pending", "private"}
            if {v.lower() for v in values} <= statuses:
                pass
            elif words is not None:
                true, false = words
                mapped = {}
                if true:
                    mapped[true] = "publish"
                if false:
                    mapped[false] = "draft"
                options["map"] = mapped
                why += f"; {' / '.join(repr(w) for w in (true, false) if w)} → publish / draft"
            else:
                return self._veto(
                    column,
                    f"named like a status, but {_quoted(values[0])} is neither a yes/no word "
                    "nor a WooCommerce status",
                )
        elif name == "stock_status":
            mapped = {}
            for value in sorted(set(values)):
                target = AVAILABILITY.get(normalise(value))
                if value.lower() in ("instock", "outofstock", "onbackorder"):
                    continue
                if target is None:
                    return self._veto(
                        column, f"named like availability, but {_quoted(value)} is not a known word"
                    )
                mapped[value] = target
            if mapped:
                options["map"] = mapped
                why += "; " + ", ".join(f"{k!r} → {v}" for k, v in mapped.items())
        elif name == "backorders":
            lowered = {v.lower() for v in values}
            if not lowered <= {"yes", "no", "notify"}:
                words = _bool_words(values)
                if words is None:
                    return self._veto(
                        column, f"named like backorders, but {_quoted(values[0])} is not yes/no"
                    )
                options["map"] = {w: t for w, t in zip(words, ("yes", "no"), strict=True) if w}
        elif name == "featured":
            words = _bool_words(values)
            if words is None:
                return self._veto(column, f"{_quoted(values[0])} is not a yes/no word")
            options["type"] = "bool"
            true, false = words
            if true and true.lower() not in ("1", "true", "yes", "y", "on", "x"):
                options["true"] = [true]
            if false and false.lower() not in ("0", "false", "no", "n", "off"):
                options["false"] = [false]
        elif name in ("categories", "tags"):
            flat = [p for v in values for p in v.split("\x1f")]
            if all(p.strip().isdigit() for p in flat if p.strip()):
                return self._veto(
                    column,
                    f"{name} as numbers ({_quoted(values[0])}): term ids? bulkio matches "
                    "terms by name; map them by hand if they are names",
                )
            if not supports("term_names"):
                return self._veto(column, f"{name} by name (not in this bulkio version)")
            split = _split_of(flat)
            if split and not (name == "categories" and split == "," and self._paths(flat)):
                options["split"] = split
            if name == "categories" and self._paths(flat):
                options["hierarchy"] = ">" if any(">" in p for p in flat) else "/"
                why += f"; paths like {_quoted(flat[0])}"
        elif name == "images":
            flat = [p.strip() for v in values for p in v.split("\x1f") if p.strip()]
            urls = [p for v in flat for p in re.split(r"\s*[,|]\s*", v) if p]
            if not all(_URL.match(u) for u in urls):
                return self._veto(column, f"named like images, but {_quoted(flat[0])} is no URL")
            if not supports("images"):
                return self._veto(column, "images (not in this bulkio version)")
            split = _split_of(flat)
            if split:
                options["split"] = split
            others = self._more_image_columns(column)
            if others and supports("image_columns"):
                options = {"columns": [column.name, *others]}
                self.used.update(others)
                why += "; featured image first, then " + ", ".join(repr(o) for o in others)
        elif name.startswith("date_on_sale"):
            form = sniff_date_format(values)
            if form is None:
                return self._veto(
                    column, f"named like a sale date, but {_quoted(values[0])} is no date"
                )
            options.update({"type": "date", "format": form, "empty": "clear"})
            why += f"; dates written {form}"
        elif name == "brands" and not supports("brands"):
            return FieldGuess(
                "meta:brand", path, options, why + " (kept as meta: this version has no brands)"
            )
        elif name == "brands":
            why += " (WooCommerce's Brands, 9.6 and later: an older store refuses the run)"
        elif name == "name" or name.endswith("description"):
            path = self._alternatives(column)
            if path != column.name:
                why += f"; records carry it as one of {path}"
        pattern = {
            "money": _number_pattern(self.style),
            "decimal": _number_pattern(self.style),
            "int": _number_pattern(self.style, integer=True),
        }.get(options.get("type", ""))
        if pattern is not None:
            checked = self._currency(column)[1] if options.get("type") == "money" else values
            bad_rows = _failing(checked, pattern)
            if bad_rows:
                why += (
                    f" ({len(bad_rows)} value(s) like {_quoted(bad_rows[0])} are not read as "
                    "numbers: those rows will be rejected)"
                )
        return FieldGuess(name, path, options, why)

    def _alternatives(self, column: Column) -> str:
        """``(g:title | title)[1]`` when records carry the same field under two names (some
        items write Google's g:title, others RSS's title); else the column itself."""
        if not self.xml or "/" in column.name:
            return column.name
        local = normalise(last_step(column.name))
        same = [
            c
            for c in self.columns
            if c.filled
            and "/" not in c.name
            and not c.name.startswith("@")
            and normalise(last_step(c.name)) == local
        ]
        if len(same) < 2:
            return column.name
        same.sort(key=lambda c: (not c.name.startswith("g:"), c.name))
        self.used.update(c.name for c in same)
        return "(" + " | ".join(c.name for c in same) + ")[1]"

    def _veto(self, column: Column, reason: str) -> FieldGuess | None:
        self.vetoed.setdefault(column.name, reason)
        return None

    def _paths(self, values: list[str]) -> bool:
        return sum(" > " in v or " / " in v or ">" in v for v in values) >= max(1, len(values) // 4)

    def _numbers(self, values: list[str]) -> list[float]:
        result = []
        for value in values:
            text = value.replace(self.style.thousands, "") if self.style.thousands else value
            text = text.replace(self.style.decimal, ".")
            try:
                result.append(float(text))
            except ValueError:
                continue
        return result

    def _looks_like_grams(self, values: list[str]) -> bool:
        numbers = self._numbers(values)
        return (
            bool(numbers) and all(n == int(n) for n in numbers) and statistics.median(numbers) >= 50
        )

    def _currency(self, column: Column) -> tuple[str | None, list[str]]:
        attribute = column.attributes.get("currency")
        if attribute and len(attribute) == 1:
            return next(iter(attribute)), column.values
        codes: set[str] = set()
        plain: list[str] = []
        for value in column.values:
            match = _CURRENCY_VALUE.match(value)
            code = match and (match.group("pre") or match.group("post"))
            if code:
                codes.add(code)
            plain.append(number_text(value))
        if not codes:
            return None, column.values
        counts = Counter(
            (m.group("pre") or m.group("post"))
            for v in column.values
            if (m := _CURRENCY_VALUE.match(v)) and (m.group("pre") or m.group("post"))
        )
        return counts.most_common(1)[0][0], plain

    def _more_image_columns(self, column: Column) -> list[str]:
        key = self.key(column)
        if key not in ("image", "imagelink", "bild", "imageurl", "picture", "photo"):
            return []
        return [
            c.name
            for c in self.columns
            if c.name != column.name
            and c.filled
            and c.name not in self.used
            and any(w in self.key(c) for w in ("additionalimage", "weitere", "gallery", "galerie"))
        ]

    # results

    def unmapped(self) -> list[tuple[str, str]]:
        result = []
        for column in self.columns:
            if column.name in self.used:
                continue
            if self.xml and re.match(r"^(.*)/@[^/]+$", column.name):
                owner = self.by_name.get(column.name.rsplit("/@", 1)[0])
                if owner is not None and owner.name in self.used:
                    continue  # e.g. g:price/@currency, read with its element
            reason = self.vetoed.get(column.name)
            container = any(c.name.startswith(column.name + "/") for c in self.columns)
            if reason is None and not column.filled and self.xml and container:
                continue  # a container element: its children and attributes are listed
            if reason is None:
                reason = describe_values(column, self.style)
            result.append((column.name, reason))
        return result


def describe_values(column: Column, style: NumberStyle) -> str:
    """A short note on what an unmapped column holds."""
    if not column.filled:
        return "empty in the sample"
    values = column.values
    date = sniff_date_format(values)
    if date:
        return f"dates ({date}), e.g. {_quoted(values[0])}"
    if all(_URL.match(v.split("\x1f")[0]) for v in values):
        return f"links, e.g. {_quoted(values[0])}"
    if _all_match(values, _number_pattern(style)) is None:
        return f"numbers, e.g. {_quoted(values[0])}"
    distinct = sorted(set(values))
    if len(distinct) <= 5 and len(values) > len(distinct):
        return "values " + ", ".join(_quoted(v, 20) for v in distinct)
    return f"text, e.g. {_quoted(values[0])}"
