"""The usual way: a plain API script that creates one product per request, one at a time.

    .venv/bin/python bench/naive_import.py https://URL KEY SECRET FEED.csv [CA_BUNDLE]

This is what the common client libraries make easy (``for row in rows: wc.post("products",
row)``): a plain ``httpx.Client`` with HTTP Basic auth over HTTPS, keep-alive, no batching,
no concurrency, no lookup of existing SKUs.
``bench/throughput.py`` times it against bulkio on the same feed and store model.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import httpx


def import_one_by_one(
    url: str, key: str, secret: str, feed: Path, verify: str | bool = True
) -> dict[str, float]:
    """POST every row of ``feed`` (sku, name, price, stock) to /products; count the outcomes."""
    created = failed = 0
    started = time.perf_counter()
    with (
        feed.open(encoding="utf-8", newline="") as handle,
        httpx.Client(
            base_url=url.rstrip("/") + "/wp-json/wc/v3/",
            auth=(key, secret),
            timeout=60,
            verify=verify,
        ) as client,
    ):
        for row in csv.DictReader(handle):
            response = client.post(
                "products",
                json={
                    "name": row["name"],
                    "sku": row["sku"],
                    "regular_price": row["price"],
                    "manage_stock": True,
                    "stock_quantity": int(row["stock"]),
                },
            )
            if response.status_code == 201:
                created += 1
            else:
                failed += 1
    return {"seconds": time.perf_counter() - started, "created": created, "failed": failed}


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    ca = sys.argv[5] if len(sys.argv) == 6 else True
    print(import_one_by_one(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]), ca))
