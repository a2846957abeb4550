"""The WooCommerce fields bulkio can own, and how each is compared and written.

This registry is the contract between the mapping side (which turns source cells into
*canonical* values) and the plan side (which reads the store's JSON into the same canonical
values and compares). Canonical values are plain Python scalars chosen so that equality means
"the store would not change":

* ``text``  – ``str`` ("" for empty)
* ``money`` / ``decimal`` – ``str`` from :func:`canonical_decimal` ("12.5" and "12.50" both become
  "12.50" for money); "" for empty
* ``int``   – ``int`` or ``None`` (WooCommerce's ``stock_quantity`` is null when unset)
* ``bool``  – ``bool``
* ``enum``  – ``str``, one of ``FieldSpec.choices``
* ``terms`` – ``tuple[int, ...]`` of term ids, sorted (term lists are compared as sets)
* ``meta``  – ``str`` (meta values are compared as text)

Field names are WooCommerce's own (``regular_price``), with three prefixed families:
``meta:<key>`` (an entry of ``meta_data``), ``dimensions.<length|width|height>`` and, in later
issues, ``attribute:<name>``.
"""

from __future__ import annotations

import functools
import html
import html.entities
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Kind = Literal["text", "money", "decimal", "int", "bool", "enum", "terms", "meta"]
Resource = Literal["product", "variation", "stock"]

CanonicalValue = str | int | bool | tuple[int, ...] | None


@dataclass(frozen=True)
class FieldSpec:
    """One field the store knows: its kind, allowed values and where it applies."""

    name: str
    kind: Kind
    choices: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = ("product", "variation")
    clearable: bool = True
    """Whether ``empty = "clear"`` makes sense (an empty text, price, list or meta value)."""

    @property
    def is_meta(self) -> bool:
        return self.kind == "meta"


_PV: tuple[Resource, ...] = ("product", "variation")
_ALL: tuple[Resource, ...] = ("product", "variation", "stock")
_P: tuple[Resource, ...] = ("product",)

PRODUCT_STATUSES = ("draft", "pending", "private", "publish")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")

FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        FieldSpec("sku", "text", resources=_ALL, clearable=False),
        FieldSpec("name", "text", resources=_P, clearable=False),
        FieldSpec("type", "enum", ("simple", "variable", "grouped", "external"), _P, False),
        FieldSpec("status", "enum", PRODUCT_STATUSES, _PV, False),
        FieldSpec("regular_price", "money"),
        FieldSpec("sale_price", "money"),
        FieldSpec("description", "text"),
        FieldSpec("short_description", "text", resources=_P),
        FieldSpec("stock_quantity", "int", resources=_ALL, clearable=False),
        FieldSpec("manage_stock", "bool", resources=_ALL, clearable=False),
        FieldSpec("stock_status", "enum", STOCK_STATUSES, _ALL, False),
        FieldSpec("backorders", "enum", ("no", "notify", "yes"), _ALL, False),
        FieldSpec("weight", "decimal"),
        FieldSpec("dimensions.length", "decimal"),
        FieldSpec("dimensions.width", "decimal"),
        FieldSpec("dimensions.height", "decimal"),
        FieldSpec(
            "catalog_visibility", "enum", ("visible", "catalog", "search", "hidden"), _P, False
        ),
        FieldSpec("featured", "bool", resources=_P, clearable=False),
        FieldSpec("tax_status", "enum", ("taxable", "shipping", "none"), _PV, False),
        FieldSpec("tax_class", "text"),
        FieldSpec("categories", "terms", resources=_P),
        FieldSpec("tags", "terms", resources=_P),
        FieldSpec("menu_order", "int", resources=_PV, clearable=False),
        FieldSpec("slug", "text", resources=_P, clearable=False),
        FieldSpec("global_unique_id", "text"),
        FieldSpec("low_stock_amount", "int", resources=_PV),
        FieldSpec("sold_individually", "bool", resources=_P, clearable=False),
        FieldSpec("reviews_allowed", "bool", resources=_P, clearable=False),
        FieldSpec("purchase_note", "text", resources=_P),
        FieldSpec("external_url", "text", resources=_P),
        FieldSpec("button_text", "text", resources=_P),
        FieldSpec("date_on_sale_from", "text"),
        FieldSpec("date_on_sale_to", "text"),
        FieldSpec("shipping_class", "text"),
        FieldSpec("virtual", "bool", resources=_PV, clearable=False),
        FieldSpec("downloadable", "bool", resources=_PV, clearable=False),
        FieldSpec("download_limit", "int", resources=_PV, clearable=False),
        FieldSpec("download_expiry", "int", resources=_PV, clearable=False),
    )
}

SALE_DATE_FIELDS = ("date_on_sale_from", "date_on_sale_to")
"""Sale window bounds, in the site's time: canonical text ``YYYY-MM-DDTHH:MM:SS`` (what the REST
API answers), so ``2026-01-05``, ``2026-01-05 0:00:00`` and the API's own form compare equal."""

STOCK_FIELDS = ("sku", "stock_quantity", "stock_status", "backorders", "manage_stock")
"""The only fields a ``resource = "stock"`` mapping may own: a stock feed never touches more."""


def field_spec(name: str) -> FieldSpec | None:
    """The spec for a field name, including ``meta:<key>`` names; None when unknown."""
    if name.startswith("meta:") and len(name) > len("meta:"):
        return FieldSpec(name, "meta")
    return FIELDS.get(name)


@functools.lru_cache(maxsize=65536)
def canonical_decimal(value: str | Decimal, *, min_places: int = 0) -> str:
    """Canonical text of a decimal: no exponent, no trailing zeros beyond ``min_places``.

    ``canonical_decimal("12.5", min_places=2) == "12.50" == canonical_decimal("12.500", 2)``.
    Raises ``ValueError`` for text that is not a plain decimal number. Cached: a plan asks it
    of every price, weight and size of the feed and of the store's answer, and they repeat
    (equal Decimals give the same text, so sharing a cache entry is safe)."""
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return ""
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    else:
        number = value
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    exponent = number.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    places = max(min_places, -exponent)
    return f"{number:.{places}f}"


def canonical_sale_date(value: str) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` for a date, a date and time (``T`` or space, hour with or without
    its leading zero, seconds optional) or "" for empty. Raises ``ValueError`` otherwise."""
    text = value.strip()
    if text == "":
        return ""
    match = _SALE_DATE.match(text)
    if match is None:
        raise ValueError(f"not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS): {value!r}")
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise ValueError(f"not a date: {value!r} ({exc})") from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


_SALE_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$"
)


TEXT_FIELDS = ("name", "description", "short_description")
"""Fields WooCommerce's REST API passes through ``wp_filter_post_kses`` before saving (products
and variations alike): compared as :func:`text_key` predicts the store keeps them."""

# -- what WordPress keeps of a text (wp_kses with the "post" rules) ---------------------------
#
# Measured on WooCommerce 7.9 and 11.0.1 (tests/realstore/test_catalog_sample.py): a name sent
# as "Shirt & Co" is kept as "Shirt &amp; Co", "a < b" as "a &lt; b", "&foo;" as "&amp;foo;",
# "<script>x</script>y" as "xy", '<a href="x" onclick="y">' as '<a href="x">'; valid
# entities ("&amp;", "&copy;", "&#169;", "&#xA9;"), quotes, allowed tags and UTF-8 are kept.

_ENTITY_NAMES = frozenset(html.entities.name2codepoint) | {"apos"}
_ALLOWED_TAGS = frozenset(
    [
        "address",
        "a",
        "abbr",
        "acronym",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "bdo",
        "big",
        "blockquote",
        "br",
        "button",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "del",
        "dd",
        "dfn",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "fieldset",
        "figure",
        "figcaption",
        "font",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "main",
        "map",
        "mark",
        "menu",
        "nav",
        "object",
        "p",
        "pre",
        "q",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "span",
        "section",
        "small",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "ol",
        "var",
        "video",
    ]
)
_REMOVED_TAGS = frozenset(
    [
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "embed",
        "applet",
        "input",
        "select",
        "option",
        "optgroup",
        "meta",
        "link",
        "base",
        "html",
        "head",
        "body",
        "svg",
        "math",
        "noscript",
        "template",
        "slot",
        "canvas",
        "dialog",
    ]
)
"""Tags WordPress never lets through: removed, their content kept."""
_GLOBAL_ATTRIBUTES = frozenset(["class", "dir", "id", "lang", "title", "role", "xml:lang"])
_TAG_ATTRIBUTES: dict[str, frozenset[str]] = {
    tag: frozenset(names.split())
    for tag, names in {
        "a": "href rel rev name target download hreflang referrerpolicy",
        "img": "alt align border height hspace loading longdesc vspace src usemap width",
        "p": "align",
        "div": "align",
        "span": "align",
        "li": "align value",
        "ol": "start type reversed",
        "ul": "type",
        "blockquote": "cite",
        "q": "cite",
        "table": "align bgcolor border cellpadding cellspacing rules summary width",
        "td": "abbr align axis bgcolor char charoff colspan headers height nowrap rowspan "
        "scope valign width",
        "th": "abbr align axis bgcolor char charoff colspan headers height nowrap rowspan "
        "scope valign width",
        "tr": "align bgcolor char charoff valign",
        "h1": "align",
        "h2": "align",
        "h3": "align",
        "h4": "align",
        "h5": "align",
        "h6": "align",
        "hr": "align noshade size width",
        "font": "color face size",
    }.items()
}
_GLOBAL_ONLY_TAGS = frozenset(
    [
        "b",
        "strong",
        "em",
        "i",
        "u",
        "s",
        "strike",
        "small",
        "big",
        "sub",
        "sup",
        "code",
        "kbd",
        "samp",
        "var",
        "tt",
        "dfn",
        "br",
        "dd",
        "dt",
        "dl",
        "address",
        "article",
        "aside",
        "footer",
        "header",
        "hgroup",
        "main",
        "nav",
        "section",
        "figure",
        "figcaption",
        "mark",
        "abbr",
        "acronym",
        "cite",
        "summary",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
    ]
)
"""Tags WordPress allows with the global attributes only: any other attribute is dropped."""
_URL_ATTRIBUTES = frozenset(["href", "src", "cite", "longdesc", "usemap", "action"])
_PROTOCOLS = frozenset(
    [
        "http",
        "https",
        "ftp",
        "ftps",
        "mailto",
        "news",
        "irc",
        "irc6",
        "ircs",
        "gopher",
        "nntp",
        "feed",
        "telnet",
        "mms",
        "rtsp",
        "sms",
        "svn",
        "tel",
        "fax",
        "xmpp",
        "webcal",
        "urn",
    ]
)
_ENTITY = re.compile(r"&(?:([A-Za-z][A-Za-z0-9]*)|#(\d+)|#[xX]([0-9A-Fa-f]+));")
_LESS_THAN = re.compile(r"<[^>]*?((?=<)|>|$)")
_TOKEN = re.compile(r"(<!--.*?(?:-->|$))|(</[^a-zA-Z][^>]*>)|(<![^>]*>)|(<[^>]*(?:>|$)|>)", re.S)
_TAG = re.compile(r"^<\s*(/\s*)?([a-zA-Z0-9-]+)([^>]*)>?$", re.S)


def _valid_code_point(number: int) -> bool:
    return (
        number in (0x9, 0xA, 0xD)
        or 0x20 <= number <= 0xD7FF
        or 0xE000 <= number <= 0xFFFD
        or 0x10000 <= number <= 0x10FFFF
    )


def _normalise_entities(text: str) -> str:
    """``wp_kses_normalize_entities``: a ``&`` that does not start a valid entity becomes
    ``&amp;``; decimal references get at least three digits, hex ones lose leading zeros."""
    out: list[str] = []
    pos = 0
    for found in re.finditer(r"&", text):
        start = found.start()
        if start < pos:
            continue
        out.append(text[pos:start])
        entity = _ENTITY.match(text, start)
        pos = start + 1
        if entity is None:
            out.append("&amp;")
            continue
        named, decimal, hexa = entity.groups()
        if named is not None:
            out.append(entity.group(0) if named in _ENTITY_NAMES else "&amp;")
            pos = entity.end() if named in _ENTITY_NAMES else start + 1
            continue
        if decimal is not None:
            if _valid_code_point(int(decimal)):
                out.append("&#" + (decimal.lstrip("0") or "").rjust(3, "0") + ";")
                pos = entity.end()
            else:
                out.append("&amp;")
            continue
        if _valid_code_point(int(hexa, 16)):
            out.append("&#x" + hexa.lstrip("0") + ";")
            pos = entity.end()
        else:
            out.append("&amp;")
    out.append(text[pos:])
    return "".join(out)


def _escape_open(found: re.Match[str]) -> str:
    """``wp_pre_kses_less_than``: a ``<`` run without a ``>`` is escaped (entities kept)."""
    piece = found.group(0)
    if ">" in piece:
        return piece
    piece = piece.replace("<", "&lt;").replace(">", "&gt;")
    return piece.replace('"', "&quot;").replace("'", "&#039;")


_HAIR_SKIP = re.compile(r"""^("[^"]*("|$)|'[^']*('|$)|\S)*\s*""")
_HAIR_VALUES = (
    (re.compile(r'^"([^"]*)"(\s+|/?$)'), '"'),
    (re.compile(r"^'([^']*)'(\s+|/?$)"), "'"),
    (re.compile(r"""^([^\s"']+)(\s+|/?$)"""), ""),
)
_ARIA = frozenset(
    [
        "aria-controls",
        "aria-current",
        "aria-describedby",
        "aria-details",
        "aria-expanded",
        "aria-hidden",
        "aria-label",
        "aria-labelledby",
    ]
)


def _attributes(text: str) -> list[tuple[str, str | None, str]] | None:
    """``wp_kses_hair``: (name, value or None when it has none, quote) in order, first of
    each name only; garbage between attributes is skipped as WordPress skips it."""
    found: dict[str, tuple[str, str | None, str]] = {}
    mode, name = 0, ""
    while text:
        if mode == 0:
            match = re.match(r"^([_a-zA-Z][-_a-zA-Z0-9:.]*)", text)
            if match is None:
                text = _HAIR_SKIP.sub("", text, count=1)
                continue
            name, text, mode = match.group(1), text[match.end() :], 1
            continue
        if mode == 1:
            equals = re.match(r"^\s*=\s*", text)
            if equals is not None:
                text, mode = text[equals.end() :], 2
                continue
            space = re.match(r"^\s+", text)
            if space is None:
                text, mode = _HAIR_SKIP.sub("", text, count=1), 0
                continue
            found.setdefault(name, (name, None, ""))
            text, mode = text[space.end() :], 0
            continue
        for pattern, quote in _HAIR_VALUES:
            value = pattern.match(text)
            if value is not None:
                found.setdefault(name, (name, value.group(1), quote))
                text, mode = text[value.end() :], 0
                break
        else:
            text, mode = _HAIR_SKIP.sub("", text, count=1), 0
    if mode == 1:
        found.setdefault(name, (name, None, ""))
    return list(found.values())


def _kept_tag(piece: str) -> str | None:
    """What ``wp_kses_split2`` / ``wp_kses_attr`` make of one tag (None: beyond prediction)."""
    if piece.startswith(">"):
        return "&gt;"
    parts = _TAG.match(piece)
    if parts is None:
        return ""
    slash, element, attributes = parts.groups()
    name = element.lower()
    if name in _REMOVED_TAGS:
        return ""
    if name not in _ALLOWED_TAGS:
        return None
    if slash:
        return f"</{element}>"
    closing = " /" if re.search(r"\s*/\s*$", attributes) else ""
    parsed = _attributes(attributes)
    if parsed is None:
        return None
    kept: list[str] = []
    for attr, value, quote in parsed:
        low = attr.lower()
        if low.startswith("on"):
            continue  # event handlers never pass
        if low == "style" or (low.startswith("aria-") and low not in _ARIA):
            return None
        allowed = (
            low in _GLOBAL_ATTRIBUTES
            or low in _ARIA
            or re.match(r"^data(?:-[a-z0-9_]+)+$", low) is not None
            or low in _TAG_ATTRIBUTES.get(name, ())
        )
        if not allowed:
            if low.startswith("data-") or name in _GLOBAL_ONLY_TAGS:
                continue  # dropped
            return None
        if value is None:
            kept.append(attr)
            continue
        if low in _URL_ATTRIBUTES:
            scheme = re.match(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):", value)
            if scheme and scheme.group(1).lower() not in _PROTOCOLS:
                return None
        if quote == "'":
            # WordPress 7.1 rewrites alt='q' as alt="q", 6.1 keeps it: not predictable.
            return None
        if name == "a" and low == "target":
            # Older WordPress (6.1) adds rel="noopener" to a link with a target, 7.1 does not.
            return None
        kept.append(f'{attr}="{value}"')
    text = "".join(" " + one for one in kept).replace("<", "").replace(">", "")
    return f"<{element}{text}{closing}>"


@functools.lru_cache(maxsize=32768)
def stored_text(text: str) -> str | None:
    """What WordPress keeps of a name or description sent through WooCommerce's REST API
    (``wp_filter_post_kses``), or None when its markup is beyond bulkio's prediction (an HTML
    comment, a ``style`` attribute, a tag or attribute whose fate bulkio does not know).

    Cached: a plan asks it of the store's text and of the feed's, which are the same text for
    every unchanged product, and of the feed's again for the note on unpredictable markup
    (a third of a product plan's time on a feed with HTML descriptions, bench/RESULTS.md)."""
    text = _normalise_entities(text.replace("\x00", ""))
    text = _LESS_THAN.sub(_escape_open, text)
    out: list[str] = []
    pos = 0
    for token in _TOKEN.finditer(text):
        out.append(text[pos : token.start()])
        pos = token.end()
        if token.group(4) is None:
            return None  # comments and odd markup declarations
        kept = _kept_tag(token.group(4))
        if kept is None:
            return None
        out.append(kept)
    out.append(text[pos:])
    return "".join(out)


def text_key(text: str) -> str:
    """A name or description as compared: what the store will keep (:func:`stored_text`), or,
    when bulkio cannot predict that, the text without its markup (tags and comments dropped,
    entities as WordPress writes them), so that a re-run of the same feed still finds it
    unchanged. Both sides of a comparison go through this (it gives a stored value back
    unchanged)."""
    predicted = stored_text(text)
    if predicted is not None:
        return predicted
    return loose_text(text)


def same_value(spec: FieldSpec, a: Any, b: Any) -> bool:
    """Whether two values of a field are the same to the store, in either direction (slugs:
    ``a`` is the store's, ``b`` the feed's).

    Names and descriptions are compared as the store keeps them when bulkio can predict that
    for both (:func:`stored_text`), and without their markup when it cannot predict one of
    them: the store's answer to a feed text bulkio cannot predict is itself predictable (it is
    what WordPress kept), so comparing the two per-value keys of :func:`text_key` would find
    them different on every run. Everything else compares canonically (:func:`canonicalise`).
    """
    if spec.name == "slug" and isinstance(a, str) and isinstance(b, str) and a != b:
        # WordPress makes post slugs unique (wp_unique_post_slug): a slug another product
        # holds is stored as "<slug>-<n>". The store's side (``a``) answering the feed's slug
        # with such a suffix is the store's last word, not a change to send again on every run.
        return re.fullmatch(re.escape(b) + r"-[0-9]+", a) is not None
    if spec.kind == "text" and spec.name in TEXT_FIELDS and a is not None and b is not None:
        first, second = stored_text(str(a)), stored_text(str(b))
        if first is None or second is None:
            first, second = loose_text(str(a)), loose_text(str(b))
        if spec.name == "name":
            return first.strip() == second.strip()
        return first == second
    try:
        return canonicalise(spec, a) == canonicalise(spec, b)
    except (ValueError, TypeError, KeyError):
        return bool(a == b)


def loose_text(text: str) -> str:
    """A text without its markup: comments and tags dropped, the rest as WordPress keeps it."""
    bare = re.sub(r"<!--.*?(?:-->|$)", "", text, flags=re.S)
    bare = re.sub(r"<[^>]*>", "", bare)
    kept = stored_text(html.unescape(bare).replace("<", "&lt;").replace(">", "&gt;"))
    return bare if kept is None else kept


def canonical_from_store(spec: FieldSpec, resource: dict[str, Any]) -> CanonicalValue:
    """Read a field out of a product/variation JSON object as the store returned it."""
    name = spec.name
    if spec.kind == "meta":
        key = name[len("meta:") :]
        for entry in resource.get("meta_data") or ():
            if entry.get("key") == key:
                value = entry.get("value")
                return "" if value is None else str(value)
        return ""
    if name.startswith("dimensions."):
        raw: Any = (resource.get("dimensions") or {}).get(name.split(".", 1)[1], "")
    else:
        raw = resource.get(name)
    return canonicalise(spec, raw)


def canonicalise(spec: FieldSpec, raw: Any) -> CanonicalValue:
    """Bring a value in WooCommerce's JSON shape (or already canonical) to canonical form."""
    kind = spec.kind
    if kind == "text" and spec.name in SALE_DATE_FIELDS and raw not in (None, ""):
        try:
            return canonical_sale_date(str(raw))
        except ValueError:
            return str(raw)
    if kind == "text" and spec.name in TEXT_FIELDS:
        if raw is None:
            return ""
        # WordPress trims titles on save ("  Eimer " is kept as "Eimer"), not descriptions.
        return text_key(str(raw)).strip() if spec.name == "name" else text_key(str(raw))
    if kind in ("text", "enum", "meta"):
        return "" if raw is None else str(raw)
    if kind == "money":
        return "" if raw in (None, "") else canonical_decimal(str(raw), min_places=2)
    if kind == "decimal":
        return "" if raw in (None, "") else canonical_decimal(str(raw))
    if kind == "int":
        return None if raw in (None, "") else int(raw)
    if kind == "bool":
        return bool(raw)
    if kind == "terms":
        ids: list[int] = []
        for term in raw or ():
            ids.append(int(term["id"]) if isinstance(term, dict) else int(term))
        return tuple(sorted(set(ids)))
    raise AssertionError(f"unknown kind {kind}")


def to_payload(values: dict[str, CanonicalValue]) -> dict[str, Any]:
    """Turn canonical values keyed by field name into a WooCommerce write payload.

    Only the given fields appear: an owned-but-unchanged field is simply not passed in.
    """
    payload: dict[str, Any] = {}
    meta: list[dict[str, Any]] = []
    dimensions: dict[str, str] = {}
    for name, value in values.items():
        spec = field_spec(name)
        if spec is None:
            raise KeyError(f"unknown field {name!r}")
        if spec.kind == "meta":
            meta.append({"key": name[len("meta:") :], "value": value})
        elif name.startswith("dimensions."):
            dimensions[name.split(".", 1)[1]] = str(value)
        elif spec.kind == "terms":
            assert isinstance(value, tuple)
            payload[name] = [{"id": term_id} for term_id in value]
        elif name in SALE_DATE_FIELDS and isinstance(value, str):
            payload[name] = canonicalise(spec, value)  # the API takes only full date-times
        else:
            payload[name] = value
    if meta:
        payload["meta_data"] = meta
    if dimensions:
        payload["dimensions"] = dimensions
    return payload


def store_fields_param(names: list[str]) -> str:
    """The ``_fields`` query value that returns just what is needed to compare ``names``."""
    wanted = {"id", "sku", "date_modified_gmt"}
    for name in names:
        if name.startswith("meta:"):
            wanted.add("meta_data")
        elif name.startswith("dimensions."):
            wanted.add("dimensions")
        else:
            wanted.add(name)
    return ",".join(sorted(wanted))
