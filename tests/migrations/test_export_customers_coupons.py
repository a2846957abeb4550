"""Customers and coupons exported through export mappings (``resource = "customers"`` /
``"coupons"``), from the sandbox over HTTP: the shipped example mappings, e-mail masking, the
role filter, list fields joined, and mapping errors that name the key."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from bulkio.config import ConnectionSettings
from bulkio.errors import MappingError, UsageError
from bulkio.export import load_export_mapping
from bulkio.export.mapping import parse_export_mapping
from bulkio.export.record_rows import CouponQuery, CustomerQuery, export_records
from bulkio.export.rows import mask_email
from bulkio.sandbox import Sandbox
from bulkio.store import StoreClient

ROOT = Path(__file__).resolve().parents[2]


def client(sb: Sandbox) -> StoreClient:
    key, secret = sb.keys["read_write"]
    return StoreClient(ConnectionSettings(url=sb.url, key=key, secret=secret), max_concurrency=2)


def seed(sb: Sandbox) -> None:
    with client(sb) as api:
        people = [
            {
                "email": f"Kunde{n}@Example.com",
                "first_name": f"Vor{n}",
                "last_name": "Müller",
                "billing": {"city": "Köln", "country": "DE", "phone": f"+49 221 {n}"},
                "shipping": {"city": "Bonn", "country": "DE"},
            }
            for n in range(1, 131)  # more than one page of 100
        ]
        for chunk in (people[:100], people[100:]):  # a batch takes 100 items
            created = api.batch("customers", create=chunk)
            assert created.ok, created.errors
        coupons = api.batch(
            "coupons",
            create=[
                {
                    "code": "Sommer10",
                    "discount_type": "percent",
                    "amount": "10",
                    "date_expires": "2030-06-30",
                    "usage_limit": 100,
                    "product_ids": [11, 12],
                    "email_restrictions": ["VIP@Example.com", "*@example.org"],
                },
                {"code": "flyer-5", "amount": "5,50"},
            ],
        )
        assert coupons.ok, coupons.errors


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_customers_export_with_the_shipped_mapping(sandbox: Sandbox, tmp_path: Path) -> None:
    seed(sandbox)
    mapping = load_export_mapping(ROOT / "mappings/export-customers.toml")
    with client(sandbox) as api:
        result = export_records(api, mapping, tmp_path / "customers.csv")
    rows = read_csv(tmp_path / "customers.csv")
    assert result.records == result.rows == len(rows) == 130  # the administrator is no customer
    first = rows[0]
    assert first["Email"] == "Kunde1@Example.com"  # as the store keeps it: case and all
    assert (first["First Name"], first["Last Name"], first["City"]) == ("Vor1", "Müller", "Köln")
    assert (first["Shipping City"], first["Country Code"]) == ("Bonn", "DE")
    # the writers' formula guard: a cell starting with + cannot run in a spreadsheet
    assert first["Phone"] == "'+49 221 1" and first["Paying Customer"] == "no"
    assert [row["Email"] for row in rows] == [f"Kunde{n}@Example.com" for n in range(1, 131)]
    assert result.requests >= 2  # two pages


def test_customer_emails_masked_everywhere(sandbox: Sandbox, tmp_path: Path) -> None:
    seed(sandbox)
    mapping = parse_export_mapping(
        {
            "resource": "customers",
            "columns": [
                {"header": "Email", "field": "email"},
                {"header": "Contact", "template": "{first_name} <{email}>"},
            ],
        }
    )
    with client(sandbox) as api:
        export_records(
            api, mapping, tmp_path / "hashed.csv", mask="hash", query=CustomerQuery(role="all")
        )
        export_records(api, mapping, tmp_path / "masked.csv", mask="mask")
    hashed = read_csv(tmp_path / "hashed.csv")
    assert len(hashed) == 131  # role=all: the administrator too
    assert hashed[0]["Email"] == mask_email("admin@example.test", "hash")
    assert hashed[1]["Email"] == mask_email("kunde1@example.com", "hash")  # case does not matter
    assert "@" not in (tmp_path / "hashed.csv").read_text(encoding="utf-8-sig")
    masked = read_csv(tmp_path / "masked.csv")
    assert masked[0] == {"Email": "K***@Example.com", "Contact": "Vor1 <K***@Example.com>"}


def test_one_customer_by_email_without_case(sandbox: Sandbox, tmp_path: Path) -> None:
    seed(sandbox)
    mapping = load_export_mapping(ROOT / "mappings/export-customers.toml")
    with client(sandbox) as api:
        result = export_records(
            api, mapping, tmp_path / "one.csv", query=CustomerQuery(email="KUNDE7@example.COM")
        )
    assert result.records == 1
    assert read_csv(tmp_path / "one.csv")[0]["Email"] == "Kunde7@Example.com"


def test_coupons_export_with_the_shipped_mapping(sandbox: Sandbox, tmp_path: Path) -> None:
    seed(sandbox)
    mapping = load_export_mapping(ROOT / "mappings/export-coupons.toml")
    with client(sandbox) as api:
        result = export_records(api, mapping, tmp_path / "coupons.csv", mask="mask")
    rows = {row["Code"]: row for row in read_csv(tmp_path / "coupons.csv")}
    assert result.records == 2 and sorted(rows) == ["flyer-5", "sommer10"]
    summer = rows["sommer10"]
    assert (summer["Type"], summer["Amount"]) == ("percent", "10.00")
    assert summer["Expires"] == "2030-06-30"
    assert (summer["Usage limit"], summer["Product ids"]) == ("100", "11 | 12")
    assert summer["Allowed emails"] == "v***@example.com | *@example.org"  # lower-cased by WC
    assert rows["flyer-5"]["Amount"] == "550.00"  # what WooCommerce made of "5,50"
    assert rows["flyer-5"]["Expires"] == "" and rows["flyer-5"]["Status"] == "publish"


def test_coupons_as_xml_and_one_code(sandbox: Sandbox, tmp_path: Path) -> None:
    seed(sandbox)
    mapping = load_export_mapping(ROOT / "mappings/export-coupons.toml")
    with client(sandbox) as api:
        export_records(api, mapping, tmp_path / "one.xml", query=CouponQuery(code=" SOMMER10 "))
    root = etree.parse(str(tmp_path / "one.xml")).getroot()
    assert root.tag == "coupons" and [child.tag for child in root] == ["coupon"]


def test_mapping_errors_name_the_key(tmp_path: Path) -> None:
    def parse(data: dict[str, Any]) -> None:
        parse_export_mapping(data, "m.toml")

    with pytest.raises(MappingError) as typo:
        parse({"resource": "customers", "columns": [{"header": "E", "field": "emial"}]})
    assert "columns[1].field" in str(typo.value) and "'email'" in str(typo.value)
    with pytest.raises(MappingError) as order_only:
        parse(
            {
                "resource": "coupons",
                "output": {"layout": "line_item"},
                "columns": [{"header": "C", "field": "code"}],
            }
        )
    assert "output.layout" in str(order_only.value)
    with pytest.raises(MappingError) as wrong:
        parse({"resource": "users", "columns": [{"header": "C", "field": "code"}]})
    assert '"customers"' in str(wrong.value) and '"coupons"' in str(wrong.value)
    with pytest.raises(MappingError) as shipping_email:
        parse({"resource": "customers", "columns": [{"header": "S", "field": "shipping.email"}]})
    assert "unknown customer field" in str(shipping_email.value)


def test_a_query_of_the_other_kind_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    mapping = load_export_mapping(ROOT / "mappings/export-customers.toml")
    with client(sandbox) as api, pytest.raises(UsageError):
        export_records(api, mapping, tmp_path / "x.csv", query=CouponQuery())
    orders = load_export_mapping(ROOT / "mappings/export-accounting.toml")
    with client(sandbox) as api, pytest.raises(UsageError):
        export_records(api, orders, tmp_path / "y.csv")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "y.csv").exists()
