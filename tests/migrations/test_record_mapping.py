"""Record mappings (customer, coupon, order): the loader's messages and the rows it reads.

Pure functions over files in a temp dir: every bad key names the file and the key path; every
bad cell names file, line (or XML record), column, value and what to do, and its row is not
imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bulkio.apply import apply_plan
from bulkio.errors import MappingError
from bulkio.mapping import Mapping, load_mapping
from bulkio.migrate.customers import KIND as CUSTOMERS
from bulkio.migrate.mapping import RecordMapping
from bulkio.migrate.rows import read_rows
from bulkio.plan.model import Plan, PlanItem

ROOT = Path(__file__).resolve().parents[2]

BASE = """
[source]
format = "csv"
{source}

[target]
resource = "customer"

{extra}

[fields]
email = "Email"
{fields}
"""


def write(tmp_path: Path, *, fields: str = "", source: str = "", extra: str = "") -> Path:
    path = tmp_path / "customers.toml"
    path.write_text(BASE.format(fields=fields, source=source, extra=extra), encoding="utf-8")
    return path


def load(path: Path) -> RecordMapping:
    mapping = load_mapping(path)
    assert isinstance(mapping, RecordMapping)
    return mapping


def refused(path: Path) -> MappingError:
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert caught.value.path == str(path)
    return caught.value


def test_a_customer_mapping_loads_with_paths_types_and_options(tmp_path: Path) -> None:
    mapping = load(
        write(
            tmp_path,
            fields='first_name = "First"\n"billing.city" = { column = "City", empty = "clear" }\n'
            '"meta:since" = { column = "Since", type = "date", format = "%d.%m.%Y" }\n'
            'username = "Login"',
            source='delimiter = ";"\ndecimal = ","',
            extra='[customer]\naccount_emails = "send"',
        )
    )
    assert mapping.resource == "customer" and mapping.kind is CUSTOMERS
    assert mapping.owned_fields == ["email", "first_name", "billing.city", "meta:since", "username"]
    assert mapping.source.delimiter == ";" and mapping.source.decimal == ","
    assert mapping.fields["billing.city"].empty == "clear"
    assert mapping.fields["meta:since"].formats == ("%d.%m.%Y",)
    assert mapping.fields["username"].on == "create"  # never sent on update
    assert mapping.options == {"account_emails": "send"}
    assert mapping.source_columns == ["Email", "First", "City", "Since", "Login"]


def test_the_shipped_shopify_customers_mapping_is_a_record_mapping() -> None:
    mapping = load_mapping(ROOT / "mappings" / "shopify-customers.toml")
    assert isinstance(mapping, RecordMapping) and not isinstance(mapping, Mapping)
    assert mapping.options["account_emails"] == "suppress"
    assert mapping.fields["meta:shopify_customer_id"].column == "Customer ID"


@pytest.mark.parametrize(
    ("fields", "extra", "key", "words"),
    [
        ('frist_name = "First"', "", "fields.frist_name", "did you mean 'first_name'"),
        ('"billing.town" = "City"', "", 'fields."billing.town"', "not a customer field"),
        ('password = "Pw"', "", "fields.password", "not a customer field"),
        (
            'first_name = { column = "F", colour = "x" }',
            "",
            "fields.first_name.colour",
            "unknown key",
        ),
        (
            'first_name = { column = "F", type = "int" }',
            "",
            "fields.first_name.type",
            "'int' is not",
        ),
        ('first_name = { column = "F", value = "x" }', "", "fields.first_name", "exactly one"),
        ('first_name = { column = "F", split = "|" }', "", "fields.first_name.split", "list"),
        ("first_name = 3", "", "fields.first_name", "column name or a table"),
        ('first_name = { template = "{First" }', "", "fields.first_name.template", "unbalanced"),
        ("", '[customer]\naccount_emails = "maybe"', "customer.account_emails", "not one of"),
        ("", '[customer]\nwelcome = "no"', "customer.welcome", "unknown key"),
        ("", "[coupon]\nx = 1", "coupon", "unknown key"),
    ],
)
def test_bad_keys_are_named_with_their_path(
    tmp_path: Path, fields: str, extra: str, key: str, words: str
) -> None:
    error = refused(write(tmp_path, fields=fields, extra=extra))
    assert error.key == key
    assert words in str(error)
    assert str(tmp_path / "customers.toml") in str(error)


def test_a_mapping_without_the_match_key_and_a_wrong_match(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[target]\nresource = "customer"\n[fields]\nfirst_name = "F"\n', "utf-8")
    error = refused(path)
    assert error.key == "fields.email" and "matched by email" in str(error)
    path.write_text(
        '[target]\nresource = "customer"\nmatch = "id"\n[fields]\nemail = "E"\n', "utf-8"
    )
    assert refused(path).key == "target.match"
    path.write_text(
        '[target]\nresource = "customer"\ngroup_by = "E"\n[fields]\nemail = "E"\n', "utf-8"
    )
    assert refused(path).key == "target.group_by"


def feed(tmp_path: Path, text: str, name: str = "feed.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_carry_file_lines_and_cast_values(tmp_path: Path) -> None:
    mapping = load(
        write(
            tmp_path,
            fields='first_name = "First"\n'
            '"meta:since" = { column = "Since", type = "date", format = ["%d.%m.%Y", "iso"] }\n'
            '"meta:spent" = { column = "Spent", type = "money" }\n'
            '"meta:orders" = { column = "Orders", type = "int" }\n'
            '"meta:vip" = { column = "VIP", map = { yes = "gold", no = "" }, default = "?" }',
        )
    )
    path = feed(
        tmp_path,
        "Email,First,Since,Spent,Orders,VIP\n"
        "a@example.com,Ann,01.02.2020,1234.50,3,yes\n"
        '"b@example.com","Bo\nB",2021-03-04,12,0,no\n'  # a quoted line break: rows keep file lines
        "c@example.com,,,,,maybe\n",
    )
    rows = read_rows(mapping, path)
    assert [row.line for row in rows.rows] == [2, 3, 5]
    first, second, third = (row.values for row in rows.rows)
    assert first["meta:since"] == "2020-02-01" and first["meta:orders"] == 3
    assert first["meta:spent"] == "1234.5"
    assert second["meta:since"] == "2021-03-04" and second["meta:spent"] == "12"
    assert "meta:vip" not in second  # mapped to "" → empty → left alone
    assert first["meta:vip"] == "gold" and third["meta:vip"] == "?"  # not in the map: default
    assert "first_name" not in third and "meta:spent" not in third  # empty cells: leave
    assert rows.rejected == []


def test_bad_cells_reject_their_rows_naming_line_column_value_and_what_to_do(
    tmp_path: Path,
) -> None:
    mapping = load(
        write(
            tmp_path,
            fields='"meta:since" = { column = "Since", type = "date" }\n'
            '"meta:orders" = { column = "Orders", type = "int" }',
        )
    )
    path = feed(
        tmp_path,
        "Email,Since,Orders\n"
        "a@example.com,2020-02-30,1\n"
        "b@example.com,2020-02-01,2.5\n"
        "c@example.com,2020-02-01,2\n",
    )
    rows = read_rows(mapping, path)
    assert [row.line for row in rows.rows] == [4]
    date, number = rows.rejected
    assert (date.line, date.column, date.value, date.code) == (
        2,
        "Since",
        "2020-02-30",
        "invalid-date",
    )
    assert "fix the cell" in date.message and "'%Y-%m-%d'" in date.message
    assert (number.line, number.column, number.value, number.code) == (
        3,
        "Orders",
        "2.5",
        "not-an-integer",
    )
    assert str(date).startswith(f"{path}:2:") and "[invalid-date]" in str(date)


def test_a_column_the_file_lacks_is_a_mapping_error_naming_the_key(tmp_path: Path) -> None:
    mapping = load(write(tmp_path, fields='first_name = "Frist"'))
    path = feed(tmp_path, "Email,First\na@example.com,Ann\n")
    with pytest.raises(MappingError) as caught:
        read_rows(mapping, path)
    assert caught.value.key == "fields.first_name.column"
    assert "'Frist' is not in" in str(caught.value) and "did you mean 'First'" in str(caught.value)


def test_missing_and_repeated_keys_and_invalid_emails_are_rejected(tmp_path: Path) -> None:
    mapping = load(write(tmp_path, fields='first_name = "First"'))
    path = feed(
        tmp_path,
        "Email,First\n"
        "Ann@Example.com,Ann\n"
        ",Nobody\n"
        "ann@example.COM,Ann again\n"
        "not an address,X\n"
        "Zoë@example.com,Zoë\n",
    )
    rows = read_rows(mapping, path)
    CUSTOMERS.prepare_rows(mapping, rows)
    assert [(row.line, row.key) for row in rows.rows] == [(2, "ann@example.com")]
    codes = {error.line: error.code for error in rows.rejected}
    assert codes == {3: "missing-key", 4: "duplicate-key", 5: "invalid-email", 6: "invalid-email"}
    duplicate = next(e for e in rows.rejected if e.code == "duplicate-key")
    assert "already on line 2" in duplicate.message
    assert f"{path}:4: e-mail 'ann@example.com' column 'Email'" in str(duplicate)
    assert "key_label" not in duplicate.to_dict()


def test_filters_and_xml_record_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[source]\nformat = "xml"\nrecord = "/people/person"\n'
        '[target]\nresource = "customer"\n'
        '[fields]\nemail = "mail"\nlast_name = "name/last"\n'
        '[[filters]]\ncolumn = "state"\nequals = "deleted"\n',
        encoding="utf-8",
    )
    mapping = load(path)
    xml = feed(
        tmp_path,
        "<people>\n<person><mail>a@example.com</mail><name><last>A</last></name></person>\n"
        "<person><mail>b@example.com</mail><state>deleted</state></person>\n"
        "<person><mail>c@example.com</mail><name><last>C</last></name></person>\n</people>\n",
        "people.xml",
    )
    rows = read_rows(mapping, xml)
    assert rows.unit == "record" and rows.skipped == 1 and rows.total == 3
    assert [(row.line, row.values["last_name"]) for row in rows.rows] == [(1, "A"), (3, "C")]


class _Recorder:
    """A store client that answers every batch item with one error and records each call."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.calls: list[str] = []

    def batch(self, route: str, *, create: Any = (), update: Any = ()) -> Any:
        from bulkio.store.client import BatchResult, ItemResult
        from bulkio.store.errors import woo_error

        self.calls.append(f"batch {route}")
        error = woo_error(self.code, "taken", 400)
        return BatchResult(create=[ItemResult(i, False, {}, error) for i, _ in enumerate(create)])

    def __getattr__(self, name: str) -> Any:  # any read (get_page, iter_pages, get…)
        def read(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(f"{name} {args[0] if args else ''}")
            raise AssertionError(f"unexpected read {name}")

        return read


@pytest.mark.parametrize(
    ("resource", "route"), [("customer", "customers"), ("coupon", "coupons"), ("order", "orders")]
)
def test_record_plans_go_to_their_batch_route_without_product_reads(
    resource: str, route: str
) -> None:
    plan = Plan(resource=resource)
    plan.creates.append(PlanItem("create", 2, "k@example.com", payload={"email": "k@example.com"}))
    store = _Recorder("product_invalid_sku")  # a code that makes product plans read products
    result = apply_plan(store, plan, concurrency=1)
    assert store.calls == [f"batch {route}"]
    (outcome,) = result.outcomes
    assert (outcome.outcome, outcome.code) == ("failed", "product_invalid_sku")
