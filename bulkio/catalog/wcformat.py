"""The WooCommerce product CSV layout: column names and cell encodings.

Checked against WooCommerce's own ``WC_Product_CSV_Exporter`` / ``WC_Product_CSV_Importer``:

* lists (categories, tags, images, attribute values) are joined with ``", "``; a comma inside a
  value is written ``\\,``;
* category paths use ``>`` between levels (``Clothing > Shirts``);
* ``Published`` is ``1`` (publish), ``0`` (private), ``-1`` (draft), ``2`` (pending);
* ``In stock?`` is ``1`` / ``0`` / ``backorder``; ``Backorders allowed?`` is ``1`` / ``0`` /
  ``notify``; other booleans are ``1`` / ``0``;
* ``Stock`` is the quantity when the item manages stock, empty otherwise;
* ``Parent`` is the parent's SKU, or ``id:<n>`` when it has none;
* descriptions carry newlines as the two characters ``\\n``;
* text starting with ``= + - @`` is written with a leading apostrophe, which readers drop.
"""

from __future__ import annotations

import re

# The units WooCommerce offers live with the mapping vocabulary ({unit} headers, unit = "…").
from bulkio.mapping.units import DIMENSION_UNITS as DIMENSION_UNITS
from bulkio.mapping.units import UNIT_ALIASES as UNIT_ALIASES
from bulkio.mapping.units import WEIGHT_UNITS as WEIGHT_UNITS
from bulkio.mapping.units import unit_name as unit_name

ID = "ID"
TYPE = "Type"
SKU = "SKU"
NAME = "Name"
PUBLISHED = "Published"
FEATURED = "Is featured?"
VISIBILITY = "Visibility in catalog"
SHORT_DESCRIPTION = "Short description"
DESCRIPTION = "Description"
TAX_STATUS = "Tax status"
TAX_CLASS = "Tax class"
IN_STOCK = "In stock?"
STOCK = "Stock"
BACKORDERS = "Backorders allowed?"
WEIGHT = "Weight (kg)"
LENGTH = "Length (cm)"
WIDTH = "Width (cm)"
HEIGHT = "Height (cm)"
SALE_PRICE = "Sale price"
REGULAR_PRICE = "Regular price"
CATEGORIES = "Categories"
TAGS = "Tags"
IMAGES = "Images"
PARENT = "Parent"
POSITION = "Position"
GTIN = "GTIN, UPC, EAN, or ISBN"
LOW_STOCK = "Low stock amount"
SOLD_INDIVIDUALLY = "Sold individually?"
REVIEWS_ALLOWED = "Allow customer reviews?"
PURCHASE_NOTE = "Purchase note"
EXTERNAL_URL = "External URL"
BUTTON_TEXT = "Button text"
SALE_FROM = "Date sale price starts"
SALE_TO = "Date sale price ends"
SALE_DATE_COLUMNS = {"date_on_sale_from": SALE_FROM, "date_on_sale_to": SALE_TO}
GROUPED = "Grouped products"
SHIPPING_CLASS = "Shipping class"
DOWNLOAD_LIMIT = "Download limit"
DOWNLOAD_COLUMN = re.compile(r"^Download (?P<n>\d+) (?P<part>ID|name|URL)$", re.IGNORECASE)
DOWNLOAD_EXPIRY = "Download expiry days"
UPSELLS = "Upsells"
CROSS_SELLS = "Cross-sells"
LINK_COLUMNS = {"grouped_products": GROUPED, "upsell_ids": UPSELLS, "cross_sell_ids": CROSS_SELLS}
"""Product lists written as SKUs (``id:<n>`` for a product without one), ``, `` between them."""

UNIT_COLUMN = re.compile(r"^(?P<what>Weight|Length|Width|Height) \((?P<unit>[^()]+)\)$", re.I)
"""``Weight (lbs)``, ``Length (in)``: WooCommerce's exporter names these columns with the
store's units (``woocommerce_weight_unit``, ``woocommerce_dimension_unit``)."""

META_PREFIX = "Meta: "
ATTRIBUTE_COLUMN = re.compile(
    r"^Attribute (?P<n>\d+) (?P<part>name|value\(s\)|visible|global|default)$", re.IGNORECASE
)

PUBLISHED_TO_STATUS = {"1": "publish", "0": "private", "-1": "draft", "2": "pending"}
STATUS_TO_PUBLISHED = {value: key for key, value in PUBLISHED_TO_STATUS.items()}
IN_STOCK_TO_STATUS = {"1": "instock", "0": "outofstock", "backorder": "onbackorder"}
STATUS_TO_IN_STOCK = {value: key for key, value in IN_STOCK_TO_STATUS.items()}
BACKORDERS_TO_VALUE = {"1": "yes", "0": "no", "notify": "notify"}
VALUE_TO_BACKORDERS = {value: key for key, value in BACKORDERS_TO_VALUE.items()}

_TRIGGERS = ("'=", "'+", "'-", "'@")


def encode_date(value: object) -> str:
    """A REST date-time (``2026-01-05T00:00:00``, site time) as WooCommerce's exporter writes
    dates: ``Y-m-d G:i:s`` (``2026-01-05 0:00:00``, the hour without a leading zero)."""
    text = "" if value is None else str(value)
    if len(text) < 19 or text[10] != "T":
        return text
    return f"{text[:10]} {int(text[11:13])}:{text[14:19]}"


def unescape_cell(text: str) -> str:
    """Drop the apostrophe WooCommerce's exporter puts before ``= + - @`` (``unescape_data``)."""
    return text[1:] if text[:2] in _TRIGGERS else text


def explode_values(text: str | None) -> list[str]:
    """``"a, b\\, c"`` → ``["a", "b, c"]``: split on commas not escaped, trim, drop empties."""
    if text is None:
        return []
    parts = re.split(r"(?<!\\),", text)
    values = [part.replace("\\,", ",").strip() for part in parts]
    return [value for value in values if value]


def implode_values(values: list[str]) -> str:
    """The exporter's ``implode_values``: escape commas, join with ``", "``."""
    return ", ".join(value.replace(",", "\\,") for value in values)


def category_paths(text: str | None) -> list[tuple[str, ...]]:
    """``"Clothing > Shirts, Sale"`` → ``[("Clothing", "Shirts"), ("Sale",)]``."""
    paths: list[tuple[str, ...]] = []
    for value in explode_values(text):
        path = tuple(part.strip() for part in value.split(">") if part.strip())
        if path and path not in paths:
            paths.append(path)
    return paths


def decode_description(text: str) -> str:
    """The exporter writes newlines as ``\\n`` (and a literal ``\\n`` as ``\\\\n``)."""
    placeholder = "\x00"
    return text.replace("\\\\n", placeholder).replace("\\n", "\n").replace(placeholder, "\\n")


def encode_description(text: str) -> str:
    return text.replace("\\n", "\\\\n").replace("\r\n", "\n").replace("\n", "\\n")


def parse_bool(text: str | None) -> bool | None:
    """WooCommerce's ``wc_string_to_bool``: 1/yes/true/on are true; empty means not given."""
    if text is None or text.strip() == "":
        return None
    return text.strip().lower() in ("1", "yes", "true", "on")


def parse_parent(text: str | None) -> str:
    """``Parent``: a SKU, or ``id:<n>`` (kept as written; the plan resolves it)."""
    return unescape_cell((text or "").strip())
