"""Every command speaks the same way (issue 16): ``--json`` with a versioned, documented schema
and ``--quiet`` for cron on every command a user can run.

The walk goes through click's command tree, so a command added later without the two options
fails here. Principled exceptions, none of them a command:

* groups (``catalog``, ``export``, ``mapping``) only print their help;
* shell completion is click's ``_BULKIO_COMPLETE`` environment variable, not a command, and
  ``--version`` / ``--help`` are options of the top level.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulkio.cli import sandbox as sandbox_cli
from bulkio.cli.jsonout import SCHEMAS
from bulkio.sandbox import Sandbox
from tests.cli.helpers import ROOT, document, leaf_commands, option_names, run, store, write_feeds

EXCEPTIONS: dict[str, str] = {}
"""Leaf commands allowed to lack --json or --quiet, with the reason (none today)."""


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("BULKIO_PROGRESS", raising=False)


def test_the_walk_sees_every_command() -> None:
    names = {name for name, _ in leaf_commands()}
    assert names >= {
        "apply",
        "catalog apply",
        "catalog import",
        "demo",
        "doctor",
        "export orders",
        "export products",
        "import",
        "init",
        "mapping list",
        "mapping validate",
        "sandbox",
    }


@pytest.mark.parametrize(("name", "command"), list(leaf_commands()), ids=lambda v: str(v))
def test_every_command_has_json_and_quiet(name: str, command: object) -> None:
    if name in EXCEPTIONS:
        pytest.skip(EXCEPTIONS[name])
    options = option_names(command)  # type: ignore[arg-type]
    assert "--json" in options, f"bulkio {name} has no --json"
    assert "--quiet" in options and "-q" in options, f"bulkio {name} has no --quiet / -q"


def test_every_schema_is_documented_with_its_fields() -> None:
    """docs/cli.md names each schema with its version and has a section for it."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, version in SCHEMAS.items():
        heading = re.search(rf"^### `bulkio\.{re.escape(name)}/{version}`", text, re.M)
        assert heading, f"docs/cli.md has no section for bulkio.{name}/{version}"


def test_import_and_apply_json_and_quiet(sandbox: Sandbox, tmp_path: Path) -> None:
    feeds = write_feeds(tmp_path)
    flat, mapping = str(feeds["flat"]), str(feeds["flat_mapping"])
    plan = tmp_path / "plan.json"
    dry = run("import", flat, "-m", mapping, "--dry-run", "--plan-out", str(plan), "--json",
              *store(sandbox))  # fmt: skip
    assert dry.exit_code == 0, dry.output
    body = document(dry, "import")
    assert body["ok"] is True and body["exit_code"] == 0 and body["dry_run"] is True
    assert body["plan"]["counts"]["create"] == 3 and dry.stderr == ""

    applied = run("apply", str(plan), "--json", *store(sandbox))
    assert applied.exit_code == 0, applied.output
    assert document(applied, "apply")["result"]["counts"]["created"] == 3

    again = run("import", flat, "-m", mapping, "--quiet", *store(sandbox))
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")

    stock = run("import", str(feeds["stock"]), "-m", str(feeds["stock_mapping"]), "--json",
                *store(sandbox))  # fmt: skip
    assert stock.exit_code == 0, stock.output
    assert document(stock, "import")["plan"]["resource"] == "stock"
    quiet = run("import", str(feeds["stock"]), "-m", str(feeds["stock_mapping"]), "-q",
                *store(sandbox))  # fmt: skip
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_an_error_under_json_is_a_document(sandbox: Sandbox, tmp_path: Path) -> None:
    feeds = write_feeds(tmp_path)
    broken = tmp_path / "broken.toml"
    broken.write_text("[fields]\nsku = 1\n", encoding="utf-8")
    for command, args in (
        ("import", ["import", str(feeds["flat"]), "-m", str(broken)]),
        ("catalog.import", ["catalog", "import", str(feeds["flat"]), "-m", str(broken)]),
        ("apply", ["apply", str(feeds["flat"])]),
    ):
        result = run(*args, "--json", *store(sandbox))
        assert result.exit_code == 2, result.output
        body = document(result, command)
        assert body["ok"] is False and body["error"]["exit_code"] == 2


def test_catalog_import_and_apply_json_and_quiet(sandbox: Sandbox, tmp_path: Path) -> None:
    sample = str(ROOT / "samples" / "catalog-woocommerce.csv")
    plan = tmp_path / "catalog-plan.json"
    dry = run("catalog", "import", sample, "--dry-run", "--plan-out", str(plan), "--json",
              *store(sandbox))  # fmt: skip
    assert dry.exit_code == 0, dry.output
    body = document(dry, "catalog.import")
    assert (body["plan"]["product_create"], body["plan"]["variation_create"]) == (2, 4)

    applied = run("catalog", "apply", str(plan), "--json", *store(sandbox))
    assert applied.exit_code == 0, applied.output
    assert document(applied, "catalog.apply")["result"]["variation_created"] == 4

    again = run("catalog", "import", sample, "-q", *store(sandbox))
    assert (again.exit_code, again.stdout) == (0, "")
    # the sample lacks some of WooCommerce's columns: said on stderr, never on stdout
    assert "warning" in again.stderr


def test_export_products_json_and_quiet(sandbox: Sandbox, tmp_path: Path) -> None:
    sample = str(ROOT / "samples" / "catalog-woocommerce.csv")
    assert run("catalog", "import", sample, "-q", *store(sandbox)).exit_code == 0
    out = tmp_path / "products.csv"
    result = run("export", "products", "-o", str(out), "--json", *store(sandbox))
    assert result.exit_code == 0, result.output
    body = document(result, "export")
    assert (body["kind"], body["products"], body["variations"]) == ("products", 2, 4)
    assert body["rows"] == 6 and body["output"] == str(out) and result.stderr == ""
    mapped = tmp_path / "prices.xlsx"
    simple = str(ROOT / "mappings" / "export-products-simple.toml")
    result = run("export", "products", "-m", simple, "-o", str(mapped), "--json",
                 *store(sandbox))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert document(result, "export")["format"] == "xlsx" and mapped.exists()
    quiet = run("export", "products", "-o", str(out), "--overwrite", "-q", *store(sandbox))
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    exists = run("export", "products", "-o", str(out), "--json", *store(sandbox))
    assert exists.exit_code == 2 and document(exists, "export")["ok"] is False


def test_sandbox_json_and_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def stop(sb: object) -> None:
        seen.append("served")
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox_cli, "run_until_interrupted", stop)
    result = run("sandbox", "--port", "0", "--seed-products", "3", "--json")
    assert result.exit_code == 0, result.output
    body = document(result, "sandbox")
    assert body["url"].startswith("http://127.0.0.1:") and body["products"] >= 3
    assert set(body["keys"]) >= {"read", "write", "read_write"}
    key = body["keys"]["read_write"]
    assert key["key"].startswith("ck_") and key["secret"].startswith("cs_")  # not redacted
    quiet = run("sandbox", "--port", "0", "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    bad = run("sandbox", "--port", "0", "--fault", "nonsense", "--json")
    assert bad.exit_code == 2 and document(bad, "sandbox")["ok"] is False
    assert seen == ["served", "served"]


def test_mapping_text_is_shown_escaped(tmp_path: Path) -> None:
    """A mapping passed along (a supplier's, a colleague's) is text like a feed: a header
    holding ESC or a bidi override never reaches the terminal raw."""
    export = tmp_path / "export.toml"
    export.write_text(
        '[output]\nlayout = "order"\n[[columns]]\nheader = "Nr\\u001b[2J"\nfield = "number"\n'
        '[[columns]]\nheader = "Total"\ntemplate = "{total}\\u202e"\n',
        encoding="utf-8",
    )
    result = run("mapping", "validate", str(export))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "Nr\\x1b[2J" in result.output and "\\u202e" in result.output


@pytest.mark.parametrize("resource", ["customers", "coupons"])
def test_export_customers_and_coupons_json_and_quiet(
    sandbox: Sandbox, tmp_path: Path, resource: str
) -> None:
    mapping = str(ROOT / "mappings" / f"export-{resource}.toml")
    out = tmp_path / f"{resource}.csv"
    result = run("export", resource, "-m", mapping, "-o", str(out), "--json", *store(sandbox))
    assert result.exit_code == 0, result.output
    body = document(result, "export")
    assert body["kind"] == resource and body["output"] == str(out) and result.stderr == ""
    quiet = run("export", resource, "-m", mapping, "-o", str(out), "--overwrite", "-q",
                *store(sandbox))  # fmt: skip
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    text = run("export", resource, "-m", mapping, "-o", str(out), "--overwrite", *store(sandbox))
    assert text.stdout.startswith(f"exported 0 {resource[:-1]}(s) as 0 row(s) to ")
