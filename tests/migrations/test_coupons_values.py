"""Coupon values in the form WooCommerce keeps them (measured on 11.0.1 and 7.9.0, see
docs/coupons-import.md): the comparisons that make a second run write nothing, and the feed
values that are refused because the store would silently change them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bulkio.migrate.coupons_values import (
    ValueProblem,
    check_amount,
    check_code,
    check_emails,
    check_limit,
    check_percent,
    coupon_key,
    coupon_limit,
    coupon_money,
    expiry_local,
    id_set,
    limit_payload,
    same_description,
    site_timezone,
    store_emails,
    store_expiry,
)


@pytest.mark.parametrize(
    ("feed", "stored"),
    [
        ("  Sommer10 ", "sommer10"),  # trimmed and lower-cased (both versions)
        ("A&B", "a&amp;b"),  # the store answers & as &amp;
        ("<b>Bold</b> Code", "bold code"),  # 11.0.1 drops tags
        ("<b>Bold</b> Code", "<b>bold</b> code"),  # 7.9 keeps them
        ("it's", "it\\'s"),  # 7.9 slashes quotes in what it answers
        ("back\\slash", "backslash"),  # both drop backslashes
        ("ÄÖÜ-ß", "äöü-ß"),  # mb_strtolower, not casefold (ß stays)
        ("two  spaces", "two  spaces"),  # inner spaces kept
    ],
)
def test_a_feed_code_and_the_stores_answer_have_one_key(feed: str, stored: str) -> None:
    assert coupon_key(feed) == coupon_key(stored)


def test_codes_differing_only_by_case_or_outer_spaces_are_one_coupon() -> None:
    assert coupon_key("SOMMER15") == coupon_key(" sommer15") == coupon_key("Sommer15\t")
    assert coupon_key("SOMMER15") != coupon_key("SOMMER-15")


def test_codes_the_store_would_rewrite_are_refused() -> None:
    assert check_code("  FLY27-0001 ") == "fly27-0001"
    for code in ("<b>X</b>", "A\\B", "a&lt;b"):
        with pytest.raises(ValueProblem) as problem:
            check_code(code)
        assert problem.value.code == "code-changed-by-store"
    with pytest.raises(ValueProblem, match="empty"):
        check_code("   ")


@pytest.mark.parametrize(
    ("value", "stored"),
    [("10", "10.00"), ("12.5", "12.50"), ("10.005", "10.01"), ("12.345", "12.35"), ("", "0.00")],
)
def test_amounts_compare_as_the_store_answers_them(value: str, stored: str) -> None:
    # wc_format_decimal( $amount, 2 ) on the way out: two places, half up
    assert coupon_money(value) == stored
    assert coupon_money(stored) == stored


def test_bad_amounts_are_refused() -> None:
    with pytest.raises(ValueProblem, match="negative"):
        check_amount("-5")
    with pytest.raises(ValueProblem, match="not a number"):
        check_amount("5,50")  # the rows refuse it first; the store would make it 550.00
    with pytest.raises(ValueProblem) as problem:
        check_percent(check_amount("150"))
    assert problem.value.code == "percent-over-100"


def test_usage_limits_zero_or_empty_mean_no_limit_and_are_cleared_with_zero() -> None:
    assert coupon_limit(None) is None and coupon_limit(0) is None and coupon_limit(3) == 3
    assert check_limit("", what="usage_limit") is None
    assert limit_payload(None) == 0  # null would leave the old limit; "" is refused by PUT
    with pytest.raises(ValueProblem, match="negative"):
        check_limit(-1, what="usage_limit")


BERLIN = site_timezone({"timezone_string": "Europe/Berlin", "gmt_offset": "1"})


def test_a_date_alone_keeps_the_coupon_valid_all_of_that_day() -> None:
    # WooCommerce refuses a coupon once time() > date_expires: 23:59:59 site time is the last
    # second a customer can use "valid until 30.06.2027".
    assert expiry_local("2027-06-30", BERLIN) == "2027-06-30T23:59:59"
    assert expiry_local(date(2027, 6, 30), BERLIN) == "2027-06-30T23:59:59"
    start = expiry_local("2027-06-30", BERLIN, date_only="start-of-day")
    assert start == "2027-06-30T00:00:00"  # WooCommerce's admin screen: "expires at 00:00:00"


def test_times_are_site_time_and_offsets_are_converted_to_it() -> None:
    assert expiry_local("2027-12-31T18:00:00", BERLIN) == "2027-12-31T18:00:00"
    # Summer time in Berlin: +02:00 in June, +01:00 in December
    assert expiry_local("2027-06-30T10:00:00Z", BERLIN) == "2027-06-30T12:00:00"
    assert expiry_local("2027-12-30T10:00:00+00:00", BERLIN) == "2027-12-30T11:00:00"
    moment = datetime(2027, 6, 30, 23, 0, tzinfo=UTC)
    india = site_timezone({"timezone_string": "", "gmt_offset": "5.5"})
    assert expiry_local(moment, india) == "2027-07-01T04:30:00"
    assert expiry_local("", BERLIN) == ""  # sent as "", which clears (null would leave it)
    with pytest.raises(ValueProblem):
        expiry_local("31/06/2027", BERLIN)


def test_the_site_timezone_comes_from_the_index() -> None:
    assert site_timezone({"timezone_string": "", "gmt_offset": "0"}).utcoffset(None) == timedelta(0)
    assert site_timezone({"gmt_offset": -3}) == timezone(timedelta(hours=-3))
    unknown = site_timezone({"timezone_string": "Mars/Base", "gmt_offset": "2"})
    assert unknown == timezone(timedelta(hours=2))


def test_the_stores_expiry_is_read_as_site_time() -> None:
    assert store_expiry({"date_expires": "2027-06-30T23:59:59"}) == "2027-06-30T23:59:59"
    assert store_expiry({"date_expires": None}) == ""


def test_email_restrictions_are_kept_as_the_store_keeps_them() -> None:
    assert check_emails([" A@B.com ", "a@b.com", "*@Example.org"]) == ("a@b.com", "*@example.org")
    with pytest.raises(ValueProblem) as problem:
        check_emails(["anna(at)example.com"])
    assert problem.value.code == "invalid-email"
    assert "anna(at)example.com" in str(problem.value)
    # the store keeps duplicates it is sent; compared as a set
    assert store_emails({"email_restrictions": ["a@b.com", "a@b.com", "c@d.de"]}) == (
        "a@b.com",
        "c@d.de",
    )


def test_id_lists_compare_as_sets() -> None:
    assert id_set([30, 10, 20, 10]) == (10, 20, 30)  # the store drops duplicates, keeps order
    assert id_set([]) == ()


def test_descriptions_compare_as_wordpress_keeps_them() -> None:
    # wp_filter_post_kses: disallowed tags dropped (their text kept), backslashes removed
    sent = "Flyer &amp; more <script>x</script> <b>b</b> a\\b"
    assert same_description(sent, "Flyer &amp; more x <b>b</b> ab")
    assert same_description("Flyer & more", "Flyer &amp; more")
    assert not same_description("Flyer 2027", "Flyer 2026")
