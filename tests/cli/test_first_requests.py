"""What a command sends before its first page (issue 15: the fixed cost of every command).

Over HTTPS (Basic auth, as against a real shop) an order export's first request is its first
page: no discovery of the API root before it (the page's own answer shows where the API is),
then the rest of the pages. Over plain HTTP (OAuth) the index is read first, two of its fields
only: the signature needs the ``home`` it reports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bulkio.sandbox import Sandbox
from tests.cli.helpers import ROOT, run

MAPPING = str(ROOT / "mappings" / "export-accounting.toml")


def export(store: Sandbox, target: Path, *extra: str) -> None:
    key, secret = store.keys["read"]
    result = run("export", "orders", "-m", MAPPING, "-o", str(target), "-q",
                 "--url", store.url, "--key", key, "--secret", secret, *extra)  # fmt: skip
    assert result.exit_code == 0, result.output


def test_an_https_export_starts_with_its_first_page(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    store = sandbox_factory(tls=True, seed_orders=250, seed_products=3, seed=5)
    assert store.ca_cert_path
    export(store, tmp_path / "orders.csv", "--ca-bundle", store.ca_cert_path)
    routes = [(entry.route, entry.query.get("page")) for entry in store.request_log]
    assert routes[0] == ("/wc/v3/orders", "1"), routes
    assert sorted(routes) == [("/wc/v3/orders", str(page)) for page in (1, 2, 3)]
    assert all(entry.auth == "basic_auth" for entry in store.request_log)


def test_an_http_export_reads_two_fields_of_the_index_first(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    store = sandbox_factory(seed_orders=150, seed_products=3, seed=5)
    export(store, tmp_path / "orders.csv")
    first, *pages = store.request_log
    assert (first.route, first.query.get("_fields")) == ("/", "home,namespaces")
    assert sorted(entry.query.get("page") for entry in pages) == ["1", "2"]
