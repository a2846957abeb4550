"""Mapping + rows → canonical records and rejected rows (transforms, casts, row checks)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from bulkio.fields import canonicalise, field_spec, to_payload
from bulkio.records import ERROR_CODES, RecordSet

Run = Callable[..., RecordSet]

HEAD = '[source]\ndelimiter = ";"\ndecimal = ","\nthousands = "."\n[fields]\nsku = "SKU"\n'


def _values(records: RecordSet, field: str) -> list[object]:
    return records.frame[field].to_list()


def _codes(records: RecordSet) -> list[tuple[int, str, str]]:
    return [(e.line, e.field, e.code) for e in records.rejected]


def test_frame_layout_and_dtypes(run: Run) -> None:
    records = run(
        HEAD + 'name = "N"\nregular_price = "P"\nstock_quantity = "Q"\n'
        'featured = "F"\ncategories = { column = "C", split = "|", type = "int" }\n'
        '"meta:ean" = "E"\n',
        "SKU;N;P;Q;F;C;E\nA;Hut;1.234,5;3;yes;9|2|9;00123\n",
    )
    frame = records.frame
    assert frame.columns == [
        "_line",
        "sku",
        "name",
        "regular_price",
        "stock_quantity",
        "featured",
        "categories",
        "meta:ean",
    ]
    assert frame.schema["_line"] == pl.Int64
    assert frame.schema["stock_quantity"] == pl.Int64
    assert frame.schema["featured"] == pl.Boolean
    assert frame.schema["categories"] == pl.List(pl.Int64)
    [(line, values)] = list(records.iter_rows())
    assert line == 2
    assert values == {
        "sku": "A",
        "name": "Hut",
        "regular_price": "1234.50",
        "stock_quantity": 3,
        "featured": True,
        "categories": (2, 9),
        "meta:ean": "00123",
    }
    # canonical: the plan side reads the same values out of store JSON identically
    for name, value in values.items():
        spec = field_spec(name)
        assert spec is not None
        assert canonicalise(spec, value) == value
    assert to_payload(values)["categories"] == [{"id": 2}, {"id": 9}]


def test_empty_leave_and_clear(run: Run) -> None:
    records = run(
        HEAD + 'name = "N"\nsale_price = { column = "S", empty = "clear" }\n'
        'description = { column = "D", empty = "clear" }\n'
        'tags = { column = "T", split = ",", empty = "clear", type = "int" }\n'
        'stock_quantity = "Q"\n',
        "SKU;N;S;D;T;Q\nA; ;;  ; , ;\n",
    )
    [(_, values)] = list(records.iter_rows())
    # name (leave) and stock (leave) are absent = keep the store value; clears are explicit
    assert values == {"sku": "A", "sale_price": "", "description": "", "tags": ()}


def test_trim_can_be_turned_off(run: Run) -> None:
    records = run(HEAD + 'name = { column = "N", trim = false }\n', "SKU;N\n A ;  x  \n")
    assert _values(records, "sku") == ["A"]
    assert _values(records, "name") == ["  x  "]


@pytest.mark.parametrize(
    ("cell", "expected", "code"),
    [
        ("12,5", "12.50", None),
        ("1.299,00", "1299.00", None),
        ("0", "0.00", None),
        ("12.50", None, "invalid-number"),  # dot in a decimal-comma file without grouping 3
        ("abc", None, "invalid-number"),
        ("-1,00", None, "negative-number"),
        ("1,23456", None, "too-precise"),
        ("1,2345", "1.2345", None),
    ],
)
def test_money_cells(run: Run, cell: str, expected: str | None, code: str | None) -> None:
    records = run(HEAD + 'regular_price = "P"\n', f"SKU;P\nA;{cell}\n")
    if code is None:
        assert _values(records, "regular_price") == [expected]
        assert not records.rejected
    else:
        assert records.frame.is_empty()
        [error] = records.rejected
        assert (error.code, error.field, error.column, error.value) == (
            code,
            "regular_price",
            "P",
            cell,
        )
        assert error.sku == "A" and error.line == 2


@pytest.mark.parametrize(
    ("cell", "expected", "code"),
    [
        ("7", 7, None),
        ("1.000", 1000, None),
        ("3,00", 3, None),
        ("3,5", None, "not-an-integer"),
        ("-2", None, "negative-number"),
        ("x", None, "invalid-number"),
        ("99999999999999999999", None, "too-large"),  # issue 14 #8: not "not a number"
    ],
)
def test_int_cells(run: Run, cell: str, expected: int | None, code: str | None) -> None:
    records = run(HEAD + 'stock_quantity = "Q"\nmenu_order = "Q"\n', f"SKU;Q\nA;{cell}\n")
    if code is None:
        assert _values(records, "stock_quantity") == [expected]
    else:
        assert ("stock_quantity", code) in [(e.field, e.code) for e in records.rejected]


def test_menu_order_may_be_negative(run: Run) -> None:
    assert _values(run(HEAD + 'menu_order = "M"\n', "SKU;M\nA;-3\n"), "menu_order") == [-3]


def test_decimal_fields(run: Run) -> None:
    records = run(
        HEAD + 'weight = "W"\n"dimensions.width" = "B"\n', "SKU;W;B\nA;1,50;010\nB;-1;1\n"
    )
    assert next(records.iter_rows())[1] == {
        "sku": "A",
        "weight": "1.5",
        "dimensions.width": "10",
    }
    assert _codes(records) == [(3, "weight", "negative-number")]


def test_bool_words_default_and_custom(run: Run) -> None:
    records = run(
        HEAD + 'featured = "F"\nmanage_stock = { column = "M", true = ["J"], false = ["N"] }\n',
        "SKU;F;M\nA;Yes;j\nB;0;N\nC;maybe;J\nD;1;ja\n",
    )
    assert _values(records, "featured") == [True, False]
    assert _values(records, "manage_stock") == [True, False]
    assert _codes(records) == [(4, "featured", "invalid-bool"), (5, "manage_stock", "invalid-bool")]
    assert "ja" in records.rejected[1].message and "(j)" in records.rejected[1].message


def test_dates(run: Run) -> None:
    records = run(
        HEAD + '"meta:release" = { column = "R", type = "date", format = "%d.%m.%Y" }\n'
        '"meta:seen" = { column = "T", type = "date", format = "%d.%m.%Y %H:%M" }\n',
        "SKU;R;T\nA;24.12.2026;01.02.2026 13:05\nB;31.02.2026;\n",
    )
    assert next(records.iter_rows())[1] == {
        "sku": "A",
        "meta:release": "2026-12-24",
        "meta:seen": "2026-02-01T13:05:00",
    }
    [error] = records.rejected
    assert (error.code, error.value) == ("invalid-date", "31.02.2026")
    assert "%d.%m.%Y" in error.message


def test_enum_values_are_checked_and_case_folded(run: Run) -> None:
    records = run(HEAD + 'stock_status = "S"\n', "SKU;S\nA;instock\nB;OutOfStock\nC;gone\n")
    assert _values(records, "stock_status") == ["instock", "outofstock"]
    [error] = records.rejected
    assert error.code == "invalid-choice" and "onbackorder" in error.message


def test_map_default_passthrough_and_empty_key(run: Run) -> None:
    records = run(
        HEAD + 'status = { column = "A", map = { "1" = "publish", "0" = "draft" } }\n'
        'stock_status = { column = "L", map = { "ja" = "instock", "" = "outofstock" }, '
        'default = "onbackorder" }\n',
        "SKU;A;L\nA;1;ja\nB;0;\nC;private;bald\nD;2;ja\n",
    )
    assert _values(records, "status") == ["publish", "draft", "private"]  # unmapped passes through
    assert _values(records, "stock_status") == ["instock", "outofstock", "onbackorder"]
    assert _codes(records) == [(5, "status", "invalid-choice")]


def test_map_to_bool_and_int(run: Run) -> None:
    records = run(
        HEAD + 'featured = { column = "F", map = { "TOP" = true } }\n'
        'stock_quantity = { column = "Q", map = { "viele" = 100 } }\n',
        "SKU;F;Q\nA;TOP;viele\nB;no;5\n",
    )
    assert _values(records, "featured") == [True, False]
    assert _values(records, "stock_quantity") == [100, 5]


def test_terms_split_map_and_check(run: Run) -> None:
    records = run(
        HEAD + 'categories = { column = "C", split = "|", map = { "Garten" = 15 } }\n'
        'tags = { column = "T", split = ",", type = "int" }\n',
        "SKU;C;T\nA;Garten | 3 | 3;\nB;0;1\nC;x|4;\nD;007;5, 4\n",
    )
    assert [v for _, v in records.iter_rows()] == [
        {"sku": "A", "categories": (3, 15)},
        {"sku": "D", "categories": (7,), "tags": (4, 5)},
    ]
    assert _codes(records) == [
        (3, "categories", "invalid-term-id"),
        (4, "categories", "invalid-term-id"),
    ]


def test_template(run: Run) -> None:
    records = run(
        HEAD + 'name = { template = "{Brand} {Model} {{new}}" }\n'
        '"meta:code" = { template = "{Brand}-{Model}" }\n',
        "SKU;Brand;Model\nA; Acme ;X1\nB;;\n",
    )
    first, second = (v for _, v in records.iter_rows())
    assert first == {"sku": "A", "name": "Acme X1 {new}", "meta:code": "Acme-X1"}
    assert second == {"sku": "B"}  # every placeholder empty → the cell is empty (leave)


def test_money_into_meta_and_constants(run: Run) -> None:
    records = run(
        HEAD + '"meta:cost" = { column = "K", type = "money" }\nmanage_stock = { value = true }\n'
        'categories = { value = [5, 2] }\ntax_class = { value = "reduced-rate" }\n',
        "SKU;K\nA;3,5\n",
    )
    [(_, values)] = list(records.iter_rows())
    assert values == {
        "sku": "A",
        "meta:cost": "3.50",
        "manage_stock": True,
        "categories": (2, 5),
        "tax_class": "reduced-rate",
    }


def test_missing_and_duplicate_skus(run: Run) -> None:
    records = run(HEAD + 'name = "N"\n', "SKU;N\nA;one\n;none\nB;two\na;again\nA;thrice\n")
    assert _values(records, "sku") == ["A", "B"]
    assert _codes(records) == [
        (3, "sku", "missing-sku"),
        (5, "sku", "duplicate-sku"),
        (6, "sku", "duplicate-sku"),
    ]
    duplicate = records.rejected[1]
    assert duplicate.sku == "a" and "line 2" in duplicate.message
    assert records.rejected_lines == [3, 5, 6]


def test_sale_above_regular_only_when_both_given(run: Run) -> None:
    records = run(
        HEAD + 'regular_price = "R"\nsale_price = "S"\n',
        "SKU;R;S\nA;10;9,99\nB;10;10\nC;10;10,01\nD;;50\nE;5;\n",
    )
    assert _values(records, "sku") == ["A", "B", "D", "E"]
    [error] = records.rejected
    assert (error.line, error.code, error.field, error.value) == (
        4,
        "sale-above-regular",
        "sale_price",
        "10,01",
    )
    assert "10.01" in error.message and "10.00" in error.message


def test_every_problem_of_a_row_is_listed(run: Run) -> None:
    records = run(
        HEAD + 'regular_price = "R"\nstock_quantity = "Q"\nstatus = "S"\n',
        "SKU;R;Q;S\nA;x;1,5;on\n",
    )
    assert [e.code for e in records.rejected] == [
        "invalid-number",
        "not-an-integer",
        "invalid-choice",
    ]
    assert records.frame.is_empty()
    assert all(e.code in ERROR_CODES for e in records.rejected)


def test_filters_skip_and_keep(run: Run) -> None:
    mapping = HEAD + (
        'name = "N"\n'
        '[[filters]]\ncolumn = "State"\nequals = "old"\n'
        '[[filters]]\ncolumn = "State"\nin = ["gone", "dead"]\n'
        '[[filters]]\ncolumn = "SKU"\nregex = "^SUP-"\naction = "keep"\n'
        '[[filters]]\ncolumn = "N"\nempty = true\n'
    )
    records = run(
        mapping,
        "SKU;N;State\nSUP-1;a;new\nSUP-2;b;old\nSUP-3;c;gone\nX-4;d;new\nSUP-5;;new\n;e;old\n",
    )
    assert _values(records, "sku") == ["SUP-1"]
    assert records.skipped == 5 and records.total == 6
    assert records.rejected == []  # the SKU-less row was skipped, not rejected


def test_row_error_shape(run: Run) -> None:
    records = run(HEAD + 'regular_price = "Preis"\n', "SKU;Preis\nA;abc\n")
    [error] = records.rejected
    assert error.to_dict() == {
        "file": records.source,
        "line": 2,
        "sku": "A",
        "column": "Preis",
        "value": "abc",
        "code": "invalid-number",
        "message": error.message,
        "field": "regular_price",
        "unit": "line",
        "source_line": None,  # XML records only (issue 14 #10)
    }
    assert str(error).startswith(f"{records.source}:2: SKU 'A' column 'Preis': ")
    assert str(error).endswith("[invalid-number]")


def test_max_rows_limits_reading(run: Run, write: Callable[..., object]) -> None:
    from bulkio.mapping import load_mapping
    from bulkio.records import build_records

    mapping = load_mapping(write("m.toml", HEAD))
    source = write("f.csv", "SKU\n" + "".join(f"S{i}\n" for i in range(10)))
    assert build_records(mapping, source, max_rows=4).frame.height == 4  # type: ignore[arg-type]


def test_warnings_for_columns_empty_in_every_row(run: Run) -> None:
    records = run(
        HEAD + 'name = "N"\nsale_price = { column = "S", empty = "clear" }\n',
        "SKU;N;S\nA;x;\nB;y; \n",
    )
    assert records.warnings == [
        "column 'S' (fields.sale_price) is empty in the 2 rows read "
        '(with empty = "clear", these rows clear sale_price)'
    ]


def test_warning_for_xml_path_that_matches_nothing(run: Run) -> None:
    records = run(
        '[source]\nformat = "xml"\nrecord = "/r/p"\n[fields]\nsku = "@id"\nname = "titel"\n',
        '<r><p id="1"><title>x</title></p></r>',
        "feed.xml",
    )
    assert records.warnings == [
        "path 'titel' (fields.name) matched nothing in the 1 record read; "
        "check the path and its namespace prefixes"
    ]
