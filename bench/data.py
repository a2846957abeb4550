"""Synthetic feeds and store states for the benchmarks (deterministic; written to temp dirs).

The feeds have the shape of the shipped sample mappings (``mappings/supplier-csv.toml``: a
German ERP export in cp1252 with semicolons, decimal commas and quoted multi-line cells;
``mappings/supplier-xml.toml``: a Google-Shopping-style XML feed with a namespace, attributes
and CDATA), so the benchmarks run the same code paths as a real import with those mappings.
Nothing here is committed as data: every file is generated per run.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
CSV_MAPPING = ROOT / "mappings" / "supplier-csv.toml"
XML_MAPPING = ROOT / "mappings" / "supplier-xml.toml"

CSV_HEADER = (
    "Artikelnr;Bezeichnung;Kurzbeschreibung;Preis;Aktionspreis;Bestand;Gewicht;Aktiv;EAN;"
    "Hersteller;Lieferstatus"
)
BRANDS = ("Brämer Werkzeuge", "Grünwerk", "Hölzl & Söhne", "Kraftmann")
XML_BRANDS = tuple(brand.replace("&", "&amp;") for brand in BRANDS)


def write_supplier_csv(path: Path, rows: int) -> Path:
    """``rows`` data lines like the supplier sample (cp1252, ``;``, decimal commas).

    Every 100th row has a quoted two-line description with a semicolon in it, every 500th is
    discontinued (skipped by the mapping's filter), every 1,000th has a bad price (rejected).
    """
    lines = [CSV_HEADER]
    for i in range(rows):
        if i % 100 == 0:
            summary = f'"Kompaktes Gerät Nr. {i}; inkl. Koffer\nzweite Zeile"'
        else:
            summary = f"Für Beton und Mauerwerk, Größe {i % 40}"
        euros = f"{1 + i % 1999:,}".replace(",", ".")  # thousands dots: 1.234,56
        price = "zwölf" if i % 1000 == 999 else f"{euros},{i % 100:02d}"
        sale = f"{i % 1999:,}".replace(",", ".") + ",00" if i % 4 == 0 else ""
        status = "ausgelaufen" if i % 500 == 250 else "lieferbar"
        lines.append(
            f"SUP-{i:07d};Artikel {i} Größe {i % 13};{summary};{price};{sale};{i % 60};"
            f"{i % 9},{i % 100:02d};{i % 7 and 1};040{i:011d};{BRANDS[i % 4]};{status}"
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def write_supplier_xml(path: Path, records: int) -> Path:
    """``records`` ``<item>`` elements like ``samples/supplier-feed.xml`` (UTF-8).

    Every 1,000th record has a bad price (rejected by the mapping).
    """
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(
            '<catalog xmlns:g="http://base.google.com/ns/1.0" generated="2026-11-25T02:00:00Z">\n'
        )
        out.write('  <supplier id="BRM">Brämer Handelsgesellschaft</supplier>\n  <items>\n')
        chunk: list[str] = []
        for i in range(records):
            price = "n/a" if i % 1000 == 999 else f"{1 + i % 499}.{i % 100:02d}"
            sale = f"{i % 499}.95" if i % 5 == 0 else ""
            chunk.append(
                f'    <item id="SUP-{i:07d}" active="{"no" if i % 9 == 0 else "yes"}">'
                f"<title>Gartenschere {i} Größe {i % 13}</title>"
                f"<summary>Schneidet Äste bis {i % 30} mm</summary>"
                f"<description><![CDATA[<p>Geschmiedete Klingen, <strong>Nr. {i}</strong>.</p>]]>"
                f'</description><g:price currency="EUR">{price}</g:price>'
                f'<g:sale_price currency="EUR">{sale}</g:sale_price>'
                f'<stock warehouse="main">{i % 70}</stock>'
                f'<logistics><weight unit="kg">{i % 5}.{i % 100:02d}</weight>'
                f'<size length="{i % 90 + 1}" width="{i % 30 + 1}" height="{i % 7 + 1}"/>'
                f'</logistics><tags><tag id="31"/><tag id="{30 + i % 5}"/></tags>'
                f"<brand>{XML_BRANDS[i % 4]}</brand></item>\n"
            )
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        out.write("  </items>\n</catalog>\n")
    return path


def store_state_for(
    records_frame: pl.DataFrame, *, changed_every: int = 20, missing_every: int = 100
) -> pl.DataFrame:
    """A fetched store state (as ``fetch_store_state`` returns it) for a feed's records.

    The store holds every feed SKU except every ``missing_every``-th (→ creates); every
    ``changed_every``-th product has another regular price and stock (→ updates); the rest equal
    the feed (→ unchanged). Built in polars from the records frame, so a 1,000,000-row state
    costs seconds, and the dtypes are the canonical ones of both sides.
    """
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    state = (
        records_frame.with_columns(index.alias("__i"))
        .filter(pl.col("__i") % missing_every != missing_every - 1)
        .with_columns(
            (pl.col("__i") + 10).alias("id"),
            pl.col("status").fill_null("publish").alias("status")
            if "status" in records_frame.columns
            else pl.lit("publish").alias("status"),
            pl.lit("2026-11-01T08:00:00").alias("date_modified_gmt"),
        )
    )
    changed = pl.col("__i") % changed_every == 0
    if "regular_price" in state.columns:
        state = state.with_columns(
            pl.when(changed)
            .then(pl.lit("999.99"))
            .otherwise(pl.col("regular_price"))
            .alias("regular_price")
        )
    if "stock_quantity" in state.columns:
        state = state.with_columns(
            pl.when(changed)
            .then(pl.lit(12345, dtype=pl.Int64))
            .otherwise(pl.col("stock_quantity"))
            .alias("stock_quantity")
        )
    fields = [c for c in records_frame.columns if c not in ("_line", "sku", "status")]
    return state.select("id", "sku", "status", "date_modified_gmt", *fields)


def write_simple_feed(path: Path, rows: list[dict[str, str]]) -> Path:
    """A plain UTF-8 CSV with the header of the first row (``SIMPLE_MAPPING`` reads it)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


SIMPLE_MAPPING = """\
# The benchmark mapping for request counts and throughput: a plain product feed.
[source]
format = "csv"
[target]
resource = "product"
[fields]
sku = "sku"
name = "name"
regular_price = { column = "price", type = "money" }
stock_quantity = { column = "stock", type = "int" }
manage_stock = { value = true }
"""


def new_products(count: int, prefix: str = "BENCH") -> list[dict[str, str]]:
    """Feed rows for ``count`` new simple products (name, sku, price, stock)."""
    return [
        {
            "sku": f"{prefix}-{n:06d}",
            "name": f"Bench product {n}",
            "price": f"{10 + n % 90}.{n % 100:02d}",
            "stock": str(n % 40),
        }
        for n in range(count)
    ]
