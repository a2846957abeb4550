"""WooCommerce CSV cell encodings (pure functions)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bulkio.catalog import wcformat as wc
from bulkio.catalog.terms import TermIndex, is_placeholder, name_key


def test_lists_split_on_unescaped_commas() -> None:
    assert wc.explode_values("a, b\\, c ,, d") == ["a", "b, c", "d"]
    assert wc.explode_values(None) == []


@given(st.lists(st.text(alphabet="ab ,\\>x", min_size=1).map(str.strip).filter(bool), max_size=5))
def test_implode_then_explode_round_trips(values: list[str]) -> None:
    values = [v for v in values if not v.endswith("\\") and "\\," not in v]
    assert wc.explode_values(wc.implode_values(values)) == [v.strip() for v in values if v.strip()]


def test_category_paths() -> None:
    assert wc.category_paths("Clothing > Shirts, Sale,Clothing>Shirts") == [
        ("Clothing", "Shirts"),
        ("Sale",),
    ]


def test_descriptions_keep_newlines_and_literal_backslash_n() -> None:
    text = "one\ntwo \\n three"
    assert wc.encode_description(text) == "one\\ntwo \\\\n three"
    assert wc.decode_description(wc.encode_description(text)) == text


def test_formula_apostrophe_is_dropped_only_before_triggers() -> None:
    assert wc.unescape_cell("'=SUM(A1)") == "=SUM(A1)"
    assert wc.unescape_cell("'-5% off") == "-5% off"
    assert wc.unescape_cell("'quoted'") == "'quoted'"


def test_term_names_match_like_wordpress() -> None:
    index = TermIndex("categories")
    index.add({"id": 5, "name": "Kitchen &amp; Home", "parent": 0})
    index.add({"id": 6, "name": "Cups", "parent": 5})
    index.add({"id": 7, "name": "Cups", "parent": 0})
    assert name_key("KITCHEN & home") == name_key("Kitchen &amp; Home")
    assert index.resolve(("kitchen & home", "CUPS")) == 6
    assert index.resolve(("Cups",)) == 7
    missing = index.resolve(("Kitchen & Home", "Plates", "Deep"))
    assert is_placeholder(missing)
    assert [(t.label, t.depth) for t in index.pending.values()] == [
        ("Kitchen & Home > Plates", 1),
        ("Kitchen & Home > Plates > Deep", 2),
    ]
    assert index.pending[str(missing)].parent == next(iter(index.pending))
    assert index.path_of(6) == ("Kitchen & Home", "Cups")


def test_tags_are_flat() -> None:
    index = TermIndex("tags")
    index.add({"id": 1, "name": "Summer"})
    assert index.resolve(("summer",)) == 1


def test_sale_dates_read_in_every_form_woocommerce_or_a_person_writes() -> None:
    from bulkio.fields import FIELDS, canonical_sale_date, canonicalise, to_payload

    assert canonical_sale_date("2026-01-05") == "2026-01-05T00:00:00"
    assert canonical_sale_date("2026-01-05 0:00:00") == "2026-01-05T00:00:00"  # WooCommerce
    assert canonical_sale_date(" 2026-1-5T23:59:59 ") == "2026-01-05T23:59:59"
    assert canonical_sale_date("2026-01-05 10:30") == "2026-01-05T10:30:00"
    assert canonical_sale_date("") == ""
    for bad in ("2026-02-30", "05/01/2026", "soon", "2026-01-05 25:00"):
        try:
            canonical_sale_date(bad)
        except ValueError as exc:
            assert repr(bad) in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")
    spec = FIELDS["date_on_sale_to"]
    assert canonicalise(spec, "2026-01-05") == canonicalise(spec, "2026-01-05T00:00:00")
    assert canonicalise(spec, None) == ""
    assert to_payload({"date_on_sale_from": "2026-01-05"}) == {
        "date_on_sale_from": "2026-01-05T00:00:00"
    }
    assert wc.encode_date("2026-01-05T09:05:00") == "2026-01-05 9:05:00"
    assert wc.encode_date("2026-01-05T23:59:59") == "2026-01-05 23:59:59"
    assert wc.encode_date(None) == ""
    assert canonical_sale_date(wc.encode_date("2026-01-05T09:05:00")) == "2026-01-05T09:05:00"
