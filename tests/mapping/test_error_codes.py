"""Every row error code is reachable, and the reference page documents exactly these codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from bulkio.records import ERROR_CODES, RecordSet

ROOT = Path(__file__).resolve().parents[2]

MAPPING = """
[source]
delimiter = ";"
decimal = ","
[fields]
sku = "SKU"
regular_price = { column = "R", currency = "EUR" }
sale_price = "S"
stock_quantity = "Q"
featured = "F"
status = "St"
categories = { column = "C", split = "|", type = "int" }
"meta:since" = { column = "D", type = "date" }
"""

ROWS = """SKU;R;S;Q;F;St;C;D
OK;10;5;1;yes;publish;3;2026-01-31
;1;;;;;;
OK;1;;;;;;
A;abc;;;;;;
B;-1;;;;;;
C;1,00001;;;;;;
D;;;1,5;;;;
E;;;;vielleicht;;;
F;;;;;;;2026-02-30
G;;;;;live;;
H;;;;;;x;
I;10;12;;;;;
J;;;9999999999999999999;;;;
K%41;;;;;;;
M;5 USD;;;;;;
LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL;1;;;;;;
"""


def test_every_code_is_reachable(run: Callable[..., RecordSet]) -> None:
    records = run(MAPPING, ROWS)
    produced = {error.code for error in records.rejected}
    produced |= {
        error.code
        for error in run(
            '[source]\nformat = "xml"\nrecord = "/r/p"\n[fields]\nsku = "@id"\nname = "n"\n',
            '<r><p id="1"><n>a</n><n>b</n></p></r>',
            "feed.xml",
        ).rejected
    }
    assert produced == set(ERROR_CODES)
    assert records.frame["sku"].to_list() == ["OK"]


def test_reference_page_documents_every_code() -> None:
    page = (ROOT / "docs" / "mapping-reference.md").read_text(encoding="utf-8")
    section = page.split("## Row errors", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE))
    assert documented == set(ERROR_CODES)
