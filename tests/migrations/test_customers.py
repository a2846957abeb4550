"""Customer imports against the sandbox over HTTP (its customers are modelled per version on
recorded real answers: docs/migrations.md). The engine's one run (`bulkio.run_import`), the
saved-plan apply and the CLI, for resource = "customer"."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bulkio.cli import main
from bulkio.config import ConnectionSettings
from bulkio.doctor import diagnose
from bulkio.engine import apply_plan, run_import
from bulkio.errors import LockedError
from bulkio.migrate import account_emails
from bulkio.migrate.account_emails import account_emails_off, left_off_note, marker_path
from bulkio.migrate.customers import sanitize_text
from bulkio.sandbox import Sandbox
from bulkio.store import StoreClient, StoreError

MAPPING = """
[source]
format = "csv"

[target]
resource = "customer"

[customer]
account_emails = "{emails}"

[fields]
email = "Email"
first_name = "First"
last_name = "Last"
"billing.city" = "City"
"billing.postcode" = "Zip"
"meta:legacy_id" = "Id"
username = "Login"
"""
HEADER = "Email,First,Last,City,Zip,Id,Login\n"


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[StoreClient]:
    key, secret = sandbox.keys["read_write"]
    with StoreClient(ConnectionSettings(url=sandbox.url, key=key, secret=secret)) as store:
        yield store


@pytest.fixture
def files(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def make(rows: str, *, emails: str = "suppress") -> tuple[Path, Path]:
        mapping = tmp_path / "customers.toml"
        mapping.write_text(MAPPING.format(emails=emails), encoding="utf-8")
        feed = tmp_path / "customers.csv"
        feed.write_text(HEADER + rows, encoding="utf-8")
        return mapping, feed

    return make


def users(api: StoreClient) -> dict[str, dict[str, Any]]:
    listed = api.get("customers", {"role": "all", "per_page": 100})
    return {user["email"].lower(): user for user in listed}


def setting(api: StoreClient) -> str:
    return str(api.get("settings/email_customer_new_account/enabled")["value"])


def test_plan_creates_updates_keeps_and_reports_a_non_customer(
    client: StoreClient, files: Callable[..., tuple[Path, Path]]
) -> None:
    for body in (
        {"email": "P.Anna@Example.COM", "first_name": "Anna", "last_name": "Muster"},
        {"email": "same@example.com", "first_name": "Sam", "billing": {"city": "Ulm"}},
    ):
        client.post("customers", body)
    mapping, feed = files(
        "p.anna@example.com,Anna,Neu,Köln,50667,7,ignored\n"  # other case: the same customer
        "same@example.com,Sam,,Ulm,,,\n"
        "ADMIN@example.test,Ada,Admin,,,,\n"  # the key's own user, an administrator
        "new@example.com,Nina, <b>New</b>  ,Bonn,53111,9,nina\n"
    )
    result = run_import(client, mapping, feed, dry_run=True)
    plan = result.plan
    assert plan.resource == "customer" and plan.line_unit == "line"
    assert [(i.line, i.sku) for i in plan.creates] == [(5, "new@example.com")]
    assert plan.creates[0].payload == {
        "email": "new@example.com",
        "first_name": "Nina",
        "last_name": "<b>New</b>",
        "billing": {"city": "Bonn", "postcode": "53111"},
        "meta_data": [{"key": "legacy_id", "value": "9"}],
        "username": "nina",
    }
    (update,) = plan.updates
    assert (update.line, update.sku) == (2, "p.anna@example.com")
    assert {c.field: (c.old, c.new) for c in update.changes} == {
        "last_name": ("Muster", "Neu"),
        "billing.city": ("", "Köln"),
        "billing.postcode": ("", "50667"),
        "meta:legacy_id": (None, "7"),
    }
    # never email (a case-only change is refused by the store), username or password
    assert set(update.payload) == {"id", "last_name", "billing", "meta_data"}
    assert [(i.line, i.sku) for i in plan.unchanged] == [(3, "same@example.com")]
    (admin,) = plan.rejected
    assert (admin.line, admin.code) == (4, "not-a-customer")
    assert "user #1 with role administrator" in admin.message
    assert result.exit_code == 1  # a row was not imported
    assert any("turns the store's" in note and "1 customer " in note for note in result.notes)


def test_apply_then_rerun_writes_nothing(
    client: StoreClient,
    sandbox: Sandbox,
    files: Callable[..., tuple[Path, Path]],
) -> None:
    mapping, feed = files(
        "a@example.com,Ann,  Lee <i>x</i> ,Bonn,53111,1,\n"
        "B@Example.com,Bo,Bar,Köln,50667,2,bo\n"
        "c@example.com,Cy,,,,3,\n"
    )
    first = run_import(client, mapping, feed)
    assert first.counts()["created"] == 3 and first.exit_code == 0
    stored = users(client)
    assert stored["a@example.com"]["last_name"] == "Lee x"  # sanitize_text_field
    assert stored["b@example.com"]["email"] == "B@Example.com"  # kept as sent
    assert stored["b@example.com"]["username"] == "bo"
    assert stored["admin@example.test"]["first_name"] == ""  # user 1 untouched
    sandbox.clear_log()
    second = run_import(client, mapping, feed)
    assert second.counts()["unchanged"] == 3 and not second.plan.has_changes
    assert sandbox.writes() == 0
    assert second.notes == []  # nothing created: nothing to say about e-mails


def test_account_emails_are_off_while_creating_and_back_after(
    client: StoreClient,
    files: Callable[..., tuple[Path, Path]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []
    real_batch = client.batch

    def batch(route: str, **parts: Any) -> Any:
        seen.append(f"{route}:{setting(client)}")
        return real_batch(route, **parts)

    monkeypatch.setattr(client, "batch", batch)
    mapping, feed = files("x@example.com,X,,,,,\n")
    result = run_import(client, mapping, feed)
    assert result.counts()["created"] == 1
    assert seen == ["customers:no"] and setting(client) == "yes"
    assert not marker_path(client.site).exists()

    seen.clear()
    mapping, feed = files("y@example.com,Y,,,,,\n", emails="send")
    result = run_import(client, mapping, feed)
    assert seen == ["customers:yes"] and setting(client) == "yes"
    assert any('account_emails = "send"' in note for note in result.notes)


def test_the_setting_comes_back_when_the_writes_fail(
    client: StoreClient,
    files: Callable[..., tuple[Path, Path]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(route: str, **parts: Any) -> Any:
        assert setting(client) == "no"
        raise KeyboardInterrupt  # Ctrl-C in the middle of the writes

    monkeypatch.setattr(client, "batch", broken)
    mapping, feed = files("z@example.com,Z,,,,,\n")
    with pytest.raises(KeyboardInterrupt):
        run_import(client, mapping, feed)
    assert setting(client) == "yes"
    assert not marker_path(client.site).exists()


def test_a_killed_run_is_restored_by_the_next_and_doctor_says_so(
    client: StoreClient, files: Callable[..., tuple[Path, Path]]
) -> None:
    # What a run killed between turning the e-mail off and back leaves: the marker, and the
    # setting off (written here as account_emails_off writes them).
    marker = marker_path(client.site)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"since": "2026-12-05T03:00:00+00:00", "pid": 1}), "utf-8")
    client.put(account_emails.SETTING_ROUTE, {"value": "no"})
    note = left_off_note(client.site)
    assert note is not None and "did not turn it back" in note
    warned = [r for r in diagnose(client.settings, latency_samples=1) if r.name == "account-emails"]
    assert [r.status for r in warned] == ["warn"]
    mapping, feed = files("k@example.com,K,,,,,\n")
    result = run_import(client, mapping, feed, dry_run=True)
    assert any("e-mail is off" in n for n in result.notes)  # the plan says it as it finds it
    run_import(client, mapping, feed)
    assert setting(client) == "yes" and left_off_note(client.site) is None
    assert not [
        r for r in diagnose(client.settings, latency_samples=1) if r.name == "account-emails"
    ]


def test_two_runs_take_turns_and_doctor_tells_a_run_at_work_from_a_dead_one(
    client: StoreClient,
) -> None:
    with account_emails_off(client) as switched:
        assert switched and setting(client) == "no"
        note = left_off_note(client.site)
        assert note is not None and "right now" in note  # the lock is held: not a dead run
        with pytest.raises(LockedError), account_emails_off(client, wait=0.2):
            pass  # a second import of the same store waits for the first one's creates
        assert setting(client) == "no"  # and did not turn it back on
    assert setting(client) == "yes" and left_off_note(client.site) is None


def test_a_setting_already_off_is_left_off(
    client: StoreClient, files: Callable[..., tuple[Path, Path]]
) -> None:
    client.put("settings/email_customer_new_account/enabled", {"value": "no"})
    mapping, feed = files("off@example.com,O,,,,,\n")
    result = run_import(client, mapping, feed)
    assert result.counts()["created"] == 1 and setting(client) == "no"
    assert any("e-mail is off" in note for note in result.notes)


def test_a_saved_plan_applies_with_the_emails_off_and_is_checked_again(
    client: StoreClient,
    sandbox: Sandbox,
    files: Callable[..., tuple[Path, Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client.post("customers", {"email": "old@example.com", "first_name": "O"})
    mapping, feed = files("old@example.com,Olga,,,,,\nfresh@example.com,F,,,,,\n")
    saved = tmp_path / "plan.json"
    run_import(client, mapping, feed, dry_run=True, plan_out=saved)
    document = json.loads(saved.read_text("utf-8"))
    assert (
        document["resource"] == "customer" and document["options"]["account_emails"] == "suppress"
    )
    seen: list[str] = []
    real_batch = client.batch

    def batch(route: str, **parts: Any) -> Any:
        seen.append(f"{route}:{setting(client)}")
        return real_batch(route, **parts)

    monkeypatch.setattr(client, "batch", batch)
    applied = apply_plan(client, saved)
    assert applied.counts()["created"] == 1 and applied.counts()["updated"] == 1
    assert seen == ["customers:no"] and setting(client) == "yes"
    again = apply_plan(client, saved)  # already applied: nothing refused, nothing written twice
    assert again.counts()["unchanged"] == 2 and again.counts()["refused"] == 0


def test_a_changed_customer_refuses_the_saved_update(
    client: StoreClient, files: Callable[..., tuple[Path, Path]], tmp_path: Path
) -> None:
    made = client.post("customers", {"email": "moved@example.com", "first_name": "M"})
    mapping, feed = files("moved@example.com,Max,,,,,\n")
    saved = tmp_path / "plan.json"
    run_import(client, mapping, feed, dry_run=True, plan_out=saved)
    import time

    time.sleep(1.1)  # date_modified_gmt has whole seconds
    client.put(f"customers/{made['id']}", {"last_name": "Elsewhere"})
    result = apply_plan(client, saved)
    (refused,) = result.applied.problems if result.applied else []
    assert refused.code == "changed_since_plan"


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def store_args(sb: Sandbox) -> list[str]:
    key, secret = sb.keys["read_write"]
    return ["--url", sb.url, "--key", key, "--secret", secret]


def test_the_cli_imports_and_validates_the_shopify_customers_sample(sandbox: Sandbox) -> None:
    root = Path(__file__).resolve().parents[2]
    mapping = str(root / "mappings" / "shopify-customers.toml")
    sample = str(root / "samples" / "shopify-customers.csv")
    checked = run_cli("mapping", "validate", mapping, "--sample", sample, "--rows", "3")
    assert checked.exit_code == 0, checked.output
    assert "valid customer mapping" in checked.stdout and '"shopify_customer_id"' in checked.stdout
    dry = run_cli("import", sample, "-m", mapping, "--dry-run", *store_args(sandbox))
    assert dry.exit_code == 1  # the sample's rows without a usable e-mail
    assert "email_customer_new_account" in dry.output and "missing-key" in dry.output
    assert sandbox.writes() == 0
    done = run_cli("import", sample, "-m", mapping, "--json", *store_args(sandbox))
    body = json.loads(done.stdout)
    created = body["result"]["counts"]["created"]
    assert created > 50
    again = run_cli("import", sample, "-m", mapping, "--json", *store_args(sandbox))
    assert json.loads(again.stdout)["result"]["counts"]["unchanged"] == created


def test_export_customers_and_coupons_commands(
    client: StoreClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    root = Path(__file__).resolve().parents[2]
    client.post("customers", {"email": "Exp@Example.com", "first_name": "Ex"})
    client.post("coupons", {"code": "Flyer-10", "amount": "10", "discount_type": "percent"})
    out = tmp_path / "customers.csv"
    done = run_cli(
        "export",
        "customers",
        "-m",
        str(root / "mappings" / "export-customers.toml"),
        "-o",
        str(out),
        "--mask-emails",
        "mask",
        "--json",
        *store_args(sandbox),
    )
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    assert body["customers"] == 1 and body["kind"] == "customers"
    text = out.read_text("utf-8-sig")
    assert "E***@Example.com" in text and "Exp@Example.com" not in text
    every = run_cli(
        "export",
        "customers",
        "-m",
        str(root / "mappings" / "export-customers.toml"),
        "-o",
        str(tmp_path / "all.csv"),
        "--role",
        "all",
        "-q",
        *store_args(sandbox),
    )
    assert every.exit_code == 0 and every.output == ""
    assert "admin@example.test" in (tmp_path / "all.csv").read_text("utf-8-sig")
    coupons = tmp_path / "coupons.csv"
    done = run_cli(
        "export",
        "coupons",
        "-m",
        str(root / "mappings" / "export-coupons.toml"),
        "-o",
        str(coupons),
        "--code",
        "FLYER-10",
        *store_args(sandbox),
    )
    assert done.exit_code == 0, done.output
    assert "flyer-10" in coupons.read_text("utf-8-sig")
    wrong = run_cli(
        "export",
        "coupons",
        "-m",
        str(root / "mappings" / "export-customers.toml"),
        "-o",
        str(tmp_path / "x.csv"),
        *store_args(sandbox),
    )
    assert wrong.exit_code == 2 and "exports customers, not coupons" in wrong.output


def test_store_errors_reading_the_setting_are_said_not_fatal(
    client: StoreClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(route: str, params: Any = None) -> Any:
        raise StoreError("no settings route here")

    monkeypatch.setattr(client, "get", fail)
    assert account_emails.read_new_account_setting(client) is None


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("  Muster <b>x</b> ", "Muster x"),  # measured on both stores (docs/migrations.md)
        ("A%41B", "AB"),
        ("von  Berg", "von Berg"),
        ("Lotte <3", "Lotte &lt;3"),
        ("Tab\there", "Tab here"),
        ("Zoë", "Zoë"),
    ],
)
def test_names_are_compared_as_sanitize_text_field_stores_them(sent: str, stored: str) -> None:
    assert sanitize_text(sent) == stored
