"""`bulkio import` / `bulkio apply` / `bulkio demo` as a user runs them: exit codes and output."""

from __future__ import annotations

import csv
import json
import re
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.sandbox import Sandbox
from tests.importing.conftest import Feed, age_products, feed_rows, store_state

MakeFeed = Callable[..., Feed]


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BULKIO_URL", "BULKIO_KEY", "BULKIO_SECRET", "BULKIO_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("BULKIO_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def store_args(sb: Sandbox, *, secret: str | None = None) -> list[str]:
    key, right_secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret or right_secret]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_import_then_rerun_exit_zero_and_report_requests(
    sandbox: Sandbox, make_feed: MakeFeed
) -> None:
    feed = make_feed(feed_rows(3))
    first = run("import", str(feed.csv), "-m", str(feed.mapping), *store_args(sandbox))
    assert first.exit_code == 0, first.output
    assert "+ SKU T-0001  (line 2) create product" in first.stdout
    assert (
        "done: created 3, updated 0, unchanged 0, rejected 0, failed 0, refused 0" in first.stdout
    )
    assert "1 writes" in first.stdout

    sandbox.clear_log()
    second = run("import", str(feed.csv), "-m", str(feed.mapping), *store_args(sandbox))
    assert second.exit_code == 0
    assert "unchanged 3" in second.stdout and "0 writes" in second.stdout
    assert sandbox.writes() == 0


def test_quiet_clean_run_prints_nothing(sandbox: Sandbox, make_feed: MakeFeed) -> None:
    feed = make_feed(feed_rows(2))
    result = run("import", str(feed.csv), "-m", str(feed.mapping), "--quiet", *store_args(sandbox))
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""
    assert len(store_state(sandbox)) == 2


def test_rejected_rows_exit_1_with_a_formula_safe_report(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    rows = feed_rows(3)
    rows[1]["price"] = "abc"
    rows[2]["sku"] = "=HYPERLINK(1)"
    rows[2]["stock"] = "-4"
    feed = make_feed(rows)
    report = tmp_path / "rejected.csv"
    result = run(
        "import",
        str(feed.csv),
        "-m",
        str(feed.mapping),
        "--report",
        str(report),
        "--quiet",
        *store_args(sandbox),
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "2 row(s) not applied" in result.stderr and "T-0002" in result.stderr
    with open(report, encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    by_line = {row["line"]: row for row in lines}
    assert by_line["3"]["sku"] == "T-0002" and by_line["3"]["column"] == "price"
    assert by_line["3"]["value"] == "abc" and by_line["3"]["kind"] == "rejected"
    assert by_line["4"]["sku"] == "'=HYPERLINK(1)"
    assert by_line["4"]["value"] == "'-4"
    assert sorted(store_state(sandbox)) == ["T-0001"]


def test_json_output_is_one_document(sandbox: Sandbox, make_feed: MakeFeed) -> None:
    feed = make_feed(feed_rows(2))
    result = run(
        "import",
        str(feed.csv),
        "-m",
        str(feed.mapping),
        "--json",
        "--dry-run",
        *store_args(sandbox),
    )
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["dry_run"] is True
    assert document["plan"]["counts"]["create"] == 2
    assert [c["sku"] for c in document["plan"]["creates"]] == ["T-0001", "T-0002"]
    assert document["problems"] == []
    assert sandbox.writes() == 0


def test_usage_and_input_errors_exit_2_and_send_nothing(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    feed = make_feed(feed_rows(1))
    missing_mapping = run(
        "import", str(feed.csv), "-m", str(tmp_path / "nope.toml"), *store_args(sandbox)
    )
    assert missing_mapping.exit_code == 2 and "nope.toml" in missing_mapping.stderr
    missing_feed = run(
        "import", str(tmp_path / "gone.csv"), "-m", str(feed.mapping), *store_args(sandbox)
    )
    assert missing_feed.exit_code == 2 and "gone.csv" in missing_feed.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(feed.mapping.read_text() + "\n[surprise]\nx = 1\n")
    bad_mapping = run("import", str(feed.csv), "-m", str(bad), *store_args(sandbox))
    assert bad_mapping.exit_code == 2 and "surprise" in bad_mapping.stderr
    no_mapping = run("import", str(feed.csv), *store_args(sandbox))
    assert no_mapping.exit_code == 2
    assert sandbox.request_log == []


def test_store_unreachable_or_key_refused_exit_4(sandbox: Sandbox, make_feed: MakeFeed) -> None:
    feed = make_feed(feed_rows(1))
    wrong = run(
        "import",
        str(feed.csv),
        "-m",
        str(feed.mapping),
        *store_args(sandbox, secret="cs_" + "0" * 40),
    )
    assert wrong.exit_code == 4
    assert "0" * 40 not in wrong.output
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    key, secret = sandbox.keys["read_write"]
    down = run(
        "import",
        str(feed.csv),
        "-m",
        str(feed.mapping),
        "--url",
        f"http://127.0.0.1:{closed_port}",
        "--key",
        key,
        "--secret",
        secret,
        "--timeout",
        "2",
    )
    assert down.exit_code == 4 and secret not in down.output


def test_plan_out_then_apply_and_refusal_of_a_changed_record(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    feed = make_feed(feed_rows(2))
    assert (
        run("import", str(feed.csv), "-m", str(feed.mapping), *store_args(sandbox)).exit_code == 0
    )
    age_products(sandbox)
    feed.write(feed_rows(3, price="15.00"))
    plan_path = tmp_path / "plan.json"
    sandbox.clear_log()
    dry = run(
        "import",
        str(feed.csv),
        "-m",
        str(feed.mapping),
        "--dry-run",
        "--plan-out",
        str(plan_path),
        *store_args(sandbox),
    )
    assert dry.exit_code == 0 and "bulkio apply" in dry.stdout
    assert 'regular_price: "10.00" → "15.00"' in dry.stdout
    assert sandbox.writes() == 0
    saved = json.loads(plan_path.read_text())
    assert saved["format"] == "bulkio-plan/1" and saved["store_url"] == sandbox.url
    assert sandbox.keys["read_write"][1] not in plan_path.read_text()

    # someone edits T-0001 by hand between plan and apply
    product = sandbox.product_by_sku("T-0001")
    assert product is not None
    sandbox.db.db.execute(
        "UPDATE posts SET date_modified_gmt = '2021-06-01T00:00:00' WHERE id = ?", (product["id"],)
    )
    applied = run("apply", str(plan_path), *store_args(sandbox))
    assert applied.exit_code == 1, applied.output
    assert "refused" in applied.stdout and "T-0001" in applied.stdout
    assert "created 1, updated 1" in applied.stdout
    state = store_state(sandbox)
    assert state["T-0001"]["regular_price"] == "10.00"
    assert state["T-0002"]["regular_price"] == "15.00" and "T-0003" in state

    sandbox.clear_log()
    again = run("apply", str(plan_path), *store_args(sandbox))
    assert sandbox.writes() == 0
    assert "created 0, updated 0, unchanged 2" in again.stdout and "refused 1" in again.stdout


def test_apply_refuses_a_plan_for_another_store(
    sandbox_factory: Callable[..., Sandbox], make_feed: MakeFeed, tmp_path: Path
) -> None:
    one, other = sandbox_factory(), sandbox_factory()
    feed = make_feed(feed_rows(1))
    plan_path = tmp_path / "plan.json"
    run(
        "import",
        str(feed.csv),
        "-m",
        str(feed.mapping),
        "--dry-run",
        "--plan-out",
        str(plan_path),
        *store_args(one),
    )
    result = run("apply", str(plan_path), *store_args(other))
    assert result.exit_code == 2 and one.url in result.stderr
    assert other.writes() == 0


def test_apply_rejects_a_file_that_is_not_a_plan(sandbox: Sandbox, tmp_path: Path) -> None:
    not_plan = tmp_path / "x.json"
    not_plan.write_text('{"hello": 1}')
    result = run("apply", str(not_plan), *store_args(sandbox))
    assert result.exit_code == 2 and "x.json" in result.stderr


def test_demo_runs_end_to_end_without_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo keeps its export files in a fresh temp dir; keep the suite's out of /tmp.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("bulkio-demo-export-*"))) == 1
    out = result.stdout
    assert "the store logged 0 write requests" in out
    first, second = re.findall(r"plan: (\d+) to create, (\d+) to update, (\d+) unchanged", out)
    assert int(first[0]) > 0 and int(first[1]) > 0  # the sample feed creates and updates
    assert second[:2] == ("0", "0") and int(second[2]) == sum(map(int, first))
    assert "rejected" in out and "The practice store is gone" in out


def test_a_value_the_store_derives_is_left_to_the_store(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    # WooCommerce derives stock_status from the quantity when it manages stock, so a feed that
    # owns both would "change" the product on every run. The mapping's load says why; the
    # product planner leaves stock_status to the store where the quantity is managed, so the
    # run writes what sticks and a re-run has nothing to do. (With manage_stock a constant
    # true the mapping is refused at load; here it comes from the data, so loading only warns.)
    feed = make_feed(feed_rows(2))
    feed.mapping.write_text(
        feed.mapping.read_text().replace(
            "manage_stock = { value = true }",
            'manage_stock = { column = "stock", map = { "untracked" = false }, default = true }',
        )
        + 'stock_status = { value = "instock" }\n',
        encoding="utf-8",
    )
    rows = feed_rows(2)
    rows[0]["stock"] = "0"
    feed.write(rows)
    result = run("import", str(feed.csv), "-m", str(feed.mapping), *store_args(sandbox))
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stdout and "[fields.manage_stock] is true" in result.stdout
    assert sandbox.product_by_sku("T-0001")["stock_status"] == "outofstock"
    again = run("import", str(feed.csv), "-m", str(feed.mapping), *store_args(sandbox))
    assert again.exit_code == 0, again.output
    assert "0 to create, 0 to update, 2 unchanged" in again.stdout


def test_apply_takes_the_same_lock_as_import(
    sandbox: Sandbox, make_feed: MakeFeed, tmp_path: Path
) -> None:
    from bulkio.runlock import RunLock
    from bulkio.runs import series_dir

    feed = make_feed(feed_rows(2))
    plan_path = tmp_path / "plan.json"
    runs = tmp_path / "runs"
    planned = run(
        "import",
        str(feed.csv),
        "-m",
        str(feed.mapping),
        "--dry-run",
        "--plan-out",
        str(plan_path),
        "--runs-dir",
        str(runs),
        *store_args(sandbox),
    )
    assert planned.exit_code == 0, planned.output
    lock_dir = series_dir(sandbox.url, feed.mapping, runs)
    lock_dir.mkdir(parents=True, exist_ok=True)
    with RunLock(lock_dir / "lock", run_id="nightly import"):
        blocked = run("apply", str(plan_path), "--runs-dir", str(runs), *store_args(sandbox))
    assert blocked.exit_code == 5 and "another run" in blocked.stderr
    assert sandbox.writes() == 0
    free = run("apply", str(plan_path), "--runs-dir", str(runs), *store_args(sandbox))
    assert free.exit_code == 0 and "created 2" in free.stdout
