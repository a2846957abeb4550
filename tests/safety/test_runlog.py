"""The run log: schema, thread safety, and redaction of secrets and customer data."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest

from bulkio.runlog import REDACTED, Redactor, RunLog, read_log

KEY = "ck_" + "0123456789abcdef" * 2 + "01234567"
SECRET = "cs_" + "fedcba9876543210" * 2 + "76543210"


def test_events_and_summary_have_the_documented_keys(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "log.jsonl"
    with RunLog(path, run_id="R1") as log:
        log.event(
            "apply",
            "update",
            line=17,
            sku="A-100",
            id=412,
            status=200,
            attempts=2,
            duration=0.41234,
            fields=["regular_price"],
        )
        log.event(
            "apply",
            "failed",
            line=18,
            sku="A-101",
            status=400,
            code="woocommerce_rest_invalid",
            level="error",
        )
        log.summary(outcome="partial", exit_code=1, counts={"updated": 1, "failed": 1})
    records = read_log(path)
    assert [r["event"] for r in records] == ["update", "failed", "summary"]
    first = records[0]
    assert set(first) == {
        "ts",
        "run",
        "level",
        "phase",
        "event",
        "line",
        "sku",
        "id",
        "status",
        "attempts",
        "duration",
        "fields",
    }
    assert first["ts"].endswith("Z") and first["run"] == "R1"
    assert first["duration"] == 0.4123
    assert records[1]["code"] == "woocommerce_rest_invalid"
    summary = records[-1]
    assert summary["phase"] == "summary" and summary["outcome"] == "partial"
    assert summary["exit_code"] == 1 and summary["counts"] == {"updated": 1, "failed": 1}
    assert summary["level"] == "error"
    assert isinstance(summary["duration"], float)


def test_log_file_is_appended_so_one_file_can_hold_many_runs(tmp_path: Path) -> None:
    path = tmp_path / "bulkio.jsonl"
    for run in ("R1", "R2"):
        with RunLog(path, run_id=run) as log:
            log.summary(outcome="ok", exit_code=0)
    assert [r["run"] for r in read_log(path)] == ["R1", "R2"]


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    log = RunLog(path, run_id="R")

    def work(thread: int) -> None:
        for i in range(300):
            log.event("apply", "update", sku=f"T{thread}-{i}", message="x" * 500)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 8 * 300
    skus = {json.loads(line)["sku"] for line in lines}  # every line is whole JSON
    assert len(skus) == 8 * 300


def test_writes_after_close_are_dropped_not_crashing(tmp_path: Path) -> None:
    log = RunLog(tmp_path / "log.jsonl")
    log.close()
    log.event("apply", "late")
    assert read_log(tmp_path / "log.jsonl") == []


def test_torn_last_line_of_a_killed_run_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"event": "a"}\n{"event": "b", "sk')
    assert read_log(path) == [{"event": "a"}]


def test_stream_and_discard_targets() -> None:
    stream = io.StringIO()
    RunLog(stream, run_id="S").event("plan", "create", sku="X")
    assert json.loads(stream.getvalue())["sku"] == "X"
    RunLog(None).event("plan", "create", sku="X")  # discarded, no error


@pytest.mark.parametrize(
    "text",
    [
        f"GET /wp-json/wc/v3/products?consumer_key={KEY}&consumer_secret={SECRET}",
        f"oauth_consumer_key={KEY}&oauth_signature=abcDEF123%2B%3D&oauth_nonce=xyz123",
        f"Authorization: Basic {'Y2tfMDEyMzQ1Njc4OWFiY2RlZjpjc19mZWRjYmE5ODc2NTQzMjEw'}",
        "authorization=Bearer abcdefghijklmnop",
        f"https://{KEY}:{SECRET}@shop.example.com/wp-json/",
        f'{{"consumer_secret": "{SECRET}"}}',
        f"key {KEY} and secret {SECRET}",
    ],
)
def test_generic_patterns_remove_credentials(text: str) -> None:
    clean = Redactor().text(text)
    assert KEY not in clean and SECRET not in clean
    assert "Y2tf" not in clean
    assert "abcDEF123" not in clean
    assert "abcdefghijklmnop" not in clean
    assert REDACTED in clean


def test_registered_secrets_are_removed_whatever_their_shape() -> None:
    redactor = Redactor(["plain-password-xyz", None, "ab"])
    assert redactor.text("the secret is plain-password-xyz!") == "the secret is [redacted]!"
    assert (
        redactor.text("ab stays: too short to be a secret") == "ab stays: too short to be a secret"
    )


def test_customer_data_is_removed_from_structures_and_text() -> None:
    redactor = Redactor()
    value = redactor.value(
        {
            "sku": "A-1",
            "billing": {"email": "jane@example.com", "phone": "+44 20 1234"},
            "nested": [{"first_name": "Jane", "note": "call jane.doe@example.org"}],
        }
    )
    dumped = json.dumps(value)
    assert "jane@example.com" not in dumped and "jane.doe@example.org" not in dumped
    assert "Jane" not in dumped and "+44" not in dumped
    assert value["sku"] == "A-1"
    assert value["billing"] == REDACTED


def test_ordinary_values_pass_untouched() -> None:
    redactor = Redactor([SECRET])
    for text in ("A-100", "ck_shirt", "Price 12.50 → 9.99", "product_invalid_sku", "cs_blue-L"):
        assert redactor.text(text) == text


def test_run_log_never_writes_a_secret(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    with RunLog(path, run_id="R", redactor=Redactor([KEY, SECRET])) as log:
        log.event(
            "fetch",
            "error",
            status=401,
            code="woocommerce_rest_authentication_error",
            message=f"401 for GET ...?consumer_key={KEY}&consumer_secret={SECRET}",
        )
        log.event("apply", "failed", sku=SECRET, message=f"Authorization: Basic {SECRET}")
        log.summary(outcome="error", exit_code=4, message=f"auth refused for {KEY}")
    data = path.read_text()
    assert KEY not in data and SECRET not in data
    assert KEY[3:] not in data and SECRET[3:] not in data
    assert len(read_log(path)) == 3


def test_a_failing_log_target_warns_once_and_never_raises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class FullDisk(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

    log = RunLog(FullDisk(), run_id="R")
    for _ in range(3):
        log.event("apply", "updated", sku="A")
    assert log.write_failed
    assert capsys.readouterr().err.count("No space left on device") == 1
