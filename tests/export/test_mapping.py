from pathlib import Path

import pytest

from bulkio.errors import MappingError
from bulkio.export import load_export_mapping

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "mappings").glob("export-*.toml"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_mappings_load() -> None:
    assert [p.name for p in SHIPPED] == [
        "export-accounting.toml",
        "export-coupons.toml",
        "export-customers.toml",
        "export-orders-xml.toml",
        "export-products-simple.toml",
        "export-warehouse.toml",
    ]
    accounting = load_export_mapping(ROOT / "mappings/export-accounting.toml")
    assert accounting.output.decimal_separator == ","
    assert accounting.output.delimiter == ";"
    assert accounting.output.encoding == "utf-8-sig"
    assert "tax_lines" in accounting.store_fields()
    warehouse = load_export_mapping(ROOT / "mappings/export-warehouse.toml")
    assert warehouse.output.layout == "line_item"
    assert "billing" not in warehouse.store_fields()  # no personal data it does not print


def test_store_fields_are_only_what_columns_need(tmp_path: Path) -> None:
    mapping = load_export_mapping(
        write(
            tmp_path,
            '[[columns]]\nheader = "N"\nfield = "number"\n'
            '[[columns]]\nheader = "E"\nfield = "billing.email"\n'
            '[[columns]]\nheader = "X"\nfield = "meta:_erp_id"\n',
        )
    )
    assert mapping.store_fields() == [
        "billing",
        "date_created_gmt",
        "date_modified_gmt",
        "id",
        "meta_data",
        "number",
    ]


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (
            '[output]\nlayot = "order"\n[[columns]]\nheader="a"\nfield="id"\n',
            "output.layot",
            "did you mean 'layout'",
        ),
        (
            '[[columns]]\nheader = "E"\nfield = "biling.email"\n',
            "columns[1].field",
            "did you mean 'billing.email'",
        ),
        (
            '[[columns]]\nheader = "N"\ncompute = "total -"\n',
            "columns[1].compute",
            "expected a number",
        ),
        (
            '[[columns]]\nheader = "N"\ncompute = "total - nope"\n',
            "columns[1].compute",
            "unknown order field 'nope'",
        ),
        ('[[columns]]\nheader = "N"\nfield = "id"\nvalue = "x"\n', "columns[1]", "exactly one of"),
        ('[[columns]]\nheader = "N"\n', "columns[1]", "exactly one of"),
        ('[[columns]]\nfield = "id"\n', "columns[1].header", "needs a header"),
        (
            '[[columns]]\nheader = "A"\nfield = "id"\n'
            '[[columns]]\nheader = "A"\nfield = "number"\n',
            "columns[2].header",
            "used twice",
        ),
        (
            '[output]\nfees = "rows"\n[[columns]]\nheader="a"\nfield="id"\n',
            "output.fees",
            'needs layout = "line_item"',
        ),
        (
            '[output]\ndecimal_separator = ","\ndelimiter = ","\n'
            '[[columns]]\nheader="a"\nfield="id"\n',
            "output.delimiter",
            "also the decimal separator",
        ),
        (
            '[output]\nencoding = "latin-9"\n[[columns]]\nheader="a"\nfield="id"\n',
            "output.encoding",
            "not one of",
        ),
        (
            '[output]\ntimezone = "Mars/Base"\n[[columns]]\nheader="a"\nfield="id"\n',
            "output.timezone",
            "IANA",
        ),
        (
            '[output]\ndecimals = 9\n[[columns]]\nheader="a"\nfield="id"\n',
            "output.decimals",
            "outside",
        ),
        (
            '[output.xml]\nroot = "1bad"\n[[columns]]\nheader="a"\nfield="id"\n',
            "output.xml.root",
            "XML element",
        ),
        (
            '[[columns]]\nheader = "a"\nfield = "id"\nxml = "@1x"\n',
            "columns[1].xml",
            "valid XML name",
        ),
        (
            '[[columns]]\nheader = "a"\nfield = "line_items.total"\ntype = "money"\n',
            "columns[1].type",
            "joins",
        ),
        (
            '[[columns]]\nheader = "a"\nfield = "line.sku"\n',
            "columns[1]",
            'need layout = "line_item"',
        ),
        (
            '[[columns]]\nheader = "a"\ntemplate = "{billing.first_name"\n',
            "columns[1].template",
            "unbalanced",
        ),
        (
            '[[columns]]\nheader = "a"\ntemplate = "{bill.x}"\n',
            "columns[1].template",
            "unknown order field",
        ),
        (
            '[[columns]]\nheader = "a"\nfield = "date_created"\nformat = "%Q"\n',
            "columns[1].format",
            "%Q",
        ),
        (
            '[[columns]]\nheader = "a"\nfield = "id"\nformat = "%Y"\n',
            "columns[1].format",
            "date and datetime",
        ),
        (
            '[output]\ndecimals = "2"\n[[columns]]\nheader="a"\nfield="id"\n',
            "output.decimals",
            "whole number",
        ),
        ('resource = "refunds"\n[[columns]]\nheader="a"\nfield="id"\n', "resource", "cannot"),
        ("[output]\n", "columns", "no columns"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(MappingError) as info:
        load_export_mapping(path)
    assert info.value.key == key
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="file not found"):
        load_export_mapping(tmp_path / "missing.toml")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_export_mapping(write(tmp_path, "[[columns]\n"))
