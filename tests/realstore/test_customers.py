"""Customer imports on real WooCommerce 11.0.1 and 7.9.0 (issue 17, docs/migrations.md).

The shipped Shopify customers mapping on a unique slice of the Shopify sample (every e-mail
given this run's id, so runs and other tests never meet): created with the new-account e-mail
turned off and back on (the mail trap sees no mail to any of them), a re-run writes nothing,
the export finds them as imported, an administrator's address in the feed is reported and the
user left untouched, and ``account_emails = "send"`` does mail (the trap is not blind).
Everything the test created is deleted at the end (customers of role customer, never user 1).
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bulkio.config import ConnectionSettings
from bulkio.engine import run_import
from bulkio.export import load_export_mapping
from bulkio.export.record_rows import export_records
from bulkio.migrate.customers import sanitize_text
from bulkio.store import StoreClient
from tests.realstore.mailtrap import MailTrap, mail_trap
from tests.realstore.refstore import REPO, RealStore

SAMPLE = REPO / "samples" / "shopify-customers.csv"
MAPPING = REPO / "mappings" / "shopify-customers.toml"
SLICE = 120
"""Rows of the sample per run (the whole sample: ``BULKIO_CUSTOMERS_SLICE``-free manual runs)."""


def unique_slice(run: str, rows: int, *, admin_email: str | None = None) -> str:
    """The sample's first ``rows`` customers with ``run`` in every e-mail (case kept) and
    customer id; rows without a usable e-mail stay as they are (rejected)."""
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        picked = [row for _, row in zip(range(rows), reader, strict=False)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    for row in picked:
        if row["Email"]:
            local, _, domain = row["Email"].partition("@")
            row["Email"] = f"{local}.{run}@{domain}"
        row["Customer ID"] = f"{row['Customer ID']}{run}"
        writer.writerow(row)
    if admin_email:
        writer.writerow(
            {**picked[1], "Email": admin_email.upper(), "First Name": "Not", "Last Name": "Me"}
        )
    return out.getvalue()


def client_for(store: RealStore) -> StoreClient:
    env = store.bulkio_env()
    return StoreClient(
        ConnectionSettings(
            url=env["BULKIO_URL"],
            key=env["BULKIO_KEY"],
            secret=env["BULKIO_SECRET"],
            verify=env["BULKIO_CA_BUNDLE"],
        )
    )


def ours(store: RealStore, run: str) -> dict[str, dict[str, Any]]:
    """This run's customers as stored, by lower-cased e-mail (searched by the run id)."""
    found: dict[str, dict[str, Any]] = {}
    for user in store.iter_all("customers", search=run, role="all"):
        found[str(user["email"]).lower()] = user
    return found


def setting(store: RealStore, *, settle: float = 90.0) -> str:
    """The new-account e-mail setting once no import is switching it: another test's customers
    import on the same store (tests run side by side) may hold it off for a while."""
    deadline = time.monotonic() + settle
    while True:
        value = str(store.get("settings/email_customer_new_account/enabled")["value"])
        if value == "yes" or time.monotonic() > deadline:
            return value
        time.sleep(2)


@pytest.fixture
def run_id() -> str:
    return "m1" + uuid.uuid4().hex[:8]


@pytest.fixture
def cleanup(store: RealStore) -> Iterator[list[str]]:
    """Run ids whose customers are deleted after the test (role customer only; never user 1)."""
    runs: list[str] = []
    yield runs
    for run in runs:
        ids = [
            int(user["id"])
            for user in ours(store, run).values()
            if user["role"] == "customer" and int(user["id"]) != 1
        ]
        for start in range(0, len(ids), 100):
            store.http.post(
                "customers/batch", json={"delete": ids[start : start + 100]}, params={"force": True}
            )


def test_shopify_customers_import_rerun_export(
    store: RealStore, run_id: str, cleanup: list[str], tmp_path: Path
) -> None:
    cleanup.append(run_id)
    admin = store.get("customers/1")
    admin_email, admin_modified = str(admin["email"]), admin["date_modified_gmt"]
    feed = tmp_path / "customers.csv"
    feed.write_text(unique_slice(run_id, SLICE, admin_email=admin_email), encoding="utf-8")
    # One customer already in the store, typed in other case and with an old city.
    emails = [row["Email"] for row in csv.DictReader(io.StringIO(feed.read_text("utf-8")))]
    emails.pop()  # the administrator's
    usable = [e for e in emails if e and e.isascii()]  # WordPress's is_email: ASCII only
    empty, non_ascii = emails.count(""), sum(1 for e in emails if e and not e.isascii())
    first_email = emails[0]
    store.post(
        "customers",
        {"email": first_email.upper(), "first_name": "Old", "billing": {"city": "Altstadt"}},
    )
    assert setting(store) == "yes"
    with mail_trap(store) as trap, client_for(store) as client:
        started = time.monotonic()
        first = run_import(client, MAPPING, feed)
        seconds = time.monotonic() - started
        counts = first.counts()
        print(
            f"\n{store.name}: {counts} in {seconds:.1f} s, {first.stats.get('requests')} "
            f"requests ({first.stats.get('by_route')})"
        )
        for rejected in first.rejected:
            print(f"  rejected line {rejected.line}: {rejected.code}: {rejected.message}")
        assert counts["created"] == len(usable) - 1  # one was in the store already
        assert counts["updated"] == 1 and counts["failed"] == 0 and counts["refused"] == 0
        codes = sorted(r.code for r in first.rejected)
        assert codes == sorted(
            ["not-a-customer", *(["missing-key"] * empty), *(["invalid-email"] * non_ascii)]
        )
        trap.wait_quiet()
        assert trap.to(run_id) == [], "an imported customer was mailed"
        assert setting(store) == "yes"
        # user 1 (the administrator) untouched
        assert store.get("customers/1")["date_modified_gmt"] == admin_modified

        stored = ours(store, run_id)
        assert len(stored) == len(usable)  # the created ones and the one that was there
        updated = stored[first_email.lower()]
        assert updated["email"] == first_email.upper()  # never a case-only e-mail change
        assert updated["first_name"] == "Anna" and updated["billing"]["city"] == "Hamburg"

    with client_for(store) as client:  # a client of its own: its stats are the re-run's
        started = time.monotonic()
        second = run_import(client, MAPPING, feed)
        print(
            f"{store.name}: re-run {second.counts()} in {time.monotonic() - started:.1f} s, "
            f"{second.stats.get('requests')} requests, {second.stats.get('writes')} writes"
        )
        assert not second.plan.has_changes, [(i.sku, i.changes) for i in second.plan.updates[:3]]
        assert second.stats.get("writes") == 0
        assert second.counts()["unchanged"] == len(usable)

    # Export every customer and compare this run's with the file (as the store keeps them).
    exported = tmp_path / "export.csv"
    with client_for(store) as client:
        export_records(
            client, load_export_mapping(REPO / "mappings" / "export-customers.toml"), exported
        )
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        rows = {
            r["Email"].lower(): r for r in csv.DictReader(handle) if run_id in r["Email"].lower()
        }
    with feed.open(encoding="utf-8", newline="") as handle:
        wanted = {r["Email"].lower(): r for r in csv.DictReader(handle) if r["Email"] in usable}
    assert set(rows) == set(wanted)
    assert rows[first_email.lower()]["Email"] == first_email.upper()
    for email, row in rows.items():
        source = wanted[email]
        assert row["First Name"] == sanitize_text(source["First Name"]), email
        assert row["Last Name"] == sanitize_text(source["Last Name"]), email
        pairs = {
            "Company": "Default Address Company",
            "Address1": "Default Address Address1",
            "Address2": "Default Address Address2",
            "City": "Default Address City",
            "Province Code": "Default Address Province Code",
            "Country Code": "Default Address Country Code",
            "Zip": "Default Address Zip",
            "Phone": "Default Address Phone",
        }
        for column, source_column in pairs.items():
            # the export keeps a cell from running as a formula ('+49 …)
            assert row[column].removeprefix("'") == source[source_column].strip(), (email, column)


def test_send_lets_woocommerce_mail_the_new_customer(
    store: RealStore, run_id: str, cleanup: list[str], tmp_path: Path
) -> None:
    cleanup.append(run_id)
    mapping = tmp_path / "send.toml"
    mapping.write_text(
        MAPPING.read_text("utf-8").replace(
            'account_emails = "suppress"', 'account_emails = "send"'
        ),
        encoding="utf-8",
    )
    feed = tmp_path / "one.csv"
    feed.write_text(unique_slice(run_id, 2), encoding="utf-8")
    trap: MailTrap
    with mail_trap(store) as trap, client_for(store) as client:
        result = run_import(client, mapping, feed)
        assert result.counts()["created"] == 2
        trap.wait_quiet()
        subjects = trap.subjects(run_id)
    assert len(subjects) == 2 and all("account has been created" in s for s in subjects)
    assert setting(store) == "yes"
