"""Coupon values as WooCommerce keeps them, so a plan compares like with like.

Pure functions, no store access. Each one turns a feed value (already cast by the record
rows: text, canonical decimal text, ``date`` / ``datetime``, list of texts) into the form the
store answers with, and reads the store's answer into the same form. Measured on WooCommerce
11.0.1 and 7.9.0 (docs/migrations.md, docs/coupons-import.md):

* codes: ``wc_format_coupon_code`` — entities decoded, tags and backslashes dropped, trimmed,
  lower-cased; ``&`` is answered as ``&amp;`` (7.9 keeps tags and slashes quotes in what it
  answers, so both sides go through :func:`coupon_key`);
* amounts: ``wc_format_decimal`` then answered with two decimals, rounded half up
  (``10.005`` → ``10.01``); an empty minimum / maximum is ``0.00``;
* ``date_expires``: a date-time without zone is the site's time, answered the same way;
  WooCommerce refuses a coupon once ``time() > date_expires`` (``validate_coupon_expiry_date``),
  so a date alone means the end of that day here (a flyer's "valid until 30.06." stays valid
  all of the 30th), not WooCommerce's own 00:00:00;
* usage limits: ``absint``; 0 is "no limit" and answered ``null``;
* e-mail restrictions: lower-cased, ``sanitize_email``'d, invalid ones dropped (so bulkio
  refuses them instead), duplicates kept; product and category ids: duplicates dropped,
  never checked by the store (so bulkio resolves and checks them).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bulkio.fields import loose_text, stored_text

DISCOUNT_TYPES = ("percent", "fixed_cart", "fixed_product")
"""WooCommerce core's discount types (plugins may add more; the store refuses unknown ones)."""

_PHP_TRIM = " \t\n\r\0\x0b"
_TAG = re.compile(r"<[^>]*>")
_REFUSED_IN_CODE = re.compile(r"[<>\\]")


class ValueProblem(ValueError):
    """A feed value the store would change or drop; ``code`` is the row error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- codes --------------------------------------------------------------------------------------


def coupon_key(code: Any) -> str:
    """The code as WooCommerce matches it: the same for a feed code and the store's answer.

    ``"  Sommer&amp;Sonne "``, ``"sommer&sonne"`` and 7.9's ``"sommer&amp;sonne"`` are one key;
    so are two feed codes that differ only by case (a duplicate in the feed).
    """
    text = html.unescape(str(code or "")).replace("\\", "")
    text = _TAG.sub("", text)
    return text.strip(_PHP_TRIM).lower()


def check_code(code: str) -> str:
    """The code to send (:func:`coupon_key`), or ValueProblem when WooCommerce would keep
    something other than what customers read on the flyer."""
    key = coupon_key(code)
    if not key:
        raise ValueProblem("empty-code", "the coupon code is empty")
    if _REFUSED_IN_CODE.search(html.unescape(code)):
        raise ValueProblem(
            "code-changed-by-store",
            f"coupon code {code!r} holds <, > or a backslash, which WooCommerce drops or keeps "
            "differently per version (customers could not enter it as printed)",
        )
    return key


# -- amounts ------------------------------------------------------------------------------------

_CENT = Decimal("0.01")


def coupon_money(value: Any) -> str:
    """An amount as the store answers it: two decimals, rounded half up; "" / None → "0.00".

    ``value`` is canonical decimal text (the rows module already refused "5,50" in a file
    whose decimal separator is "." — the store would have made it 550.00)."""
    text = "" if value is None else str(value).strip()
    if text == "":
        return "0.00"
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueProblem("invalid-number", f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueProblem("invalid-number", f"not a number: {value!r}")
    return str(number.quantize(_CENT, rounding=ROUND_HALF_UP))


def check_amount(value: Any, *, what: str = "amount") -> str:
    """A coupon amount from the feed: :func:`coupon_money`, never negative."""
    money = coupon_money(value)
    if money.startswith("-"):
        raise ValueProblem("negative-number", f"{what} must not be negative: {value!r}")
    return money


def check_percent(amount: str) -> None:
    if Decimal(amount) > 100:
        raise ValueProblem(
            "percent-over-100", f"a percentage discount of {amount} is more than 100 %"
        )


# -- limits -------------------------------------------------------------------------------------


def coupon_limit(value: Any) -> int | None:
    """A usage limit as answered: a positive whole number, or None for "no limit" (0 / empty)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    number = int(value)
    return number if number > 0 else None


def check_limit(value: Any, *, what: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueProblem("not-an-integer", f"{what} must be a whole number: {value!r}") from None
    if number < 0:
        raise ValueProblem("negative-number", f"{what} must not be negative: {value!r}")
    return coupon_limit(number)


def limit_payload(value: int | None) -> int:
    """What clears a limit: 0 (``null`` would leave it; ``""`` is refused by ``PUT``)."""
    return 0 if value is None else value


# -- expiry -------------------------------------------------------------------------------------

DATE_ONLY = ("end-of-day", "start-of-day")
STORE_DATE = "%Y-%m-%dT%H:%M:%S"


def site_timezone(index: dict[str, Any]) -> tzinfo:
    """The store's timezone from its ``/wp-json/`` index: ``timezone_string`` (a region, with
    its summer time) or else the fixed ``gmt_offset`` in hours (``"5.5"``, ``-3``)."""
    name = str(index.get("timezone_string") or "").strip()
    if name:
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            pass  # an unknown region: fall back to the offset WordPress reports with it
    try:
        hours = float(index.get("gmt_offset") or 0)
    except (TypeError, ValueError):
        hours = 0.0
    return timezone(timedelta(hours=hours))


def expiry_local(value: Any, site: tzinfo, *, date_only: str = "end-of-day") -> str:
    """``date_expires`` to send and to compare: the site's local time, ``YYYY-MM-DDTHH:MM:SS``.

    * a date alone: 23:59:59 that day (``date_only = "end-of-day"``, the default) or
      00:00:00 (``"start-of-day"``, WooCommerce's own admin screen);
    * a date-time without zone: the site's time, as written;
    * a date-time with a zone (``…+02:00``, ``…Z``): converted to the site's timezone;
    * None / "": "" (no expiry; sent as ``""``, which clears — ``null`` would leave it).
    """
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        moment = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(site).replace(tzinfo=None)
        return moment.replace(microsecond=0).strftime(STORE_DATE)
    if isinstance(value, date):
        at = time(23, 59, 59) if date_only == "end-of-day" else time(0, 0, 0)
        return datetime.combine(value, at).strftime(STORE_DATE)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueProblem("invalid-date", f"not a date: {value!r}") from None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return expiry_local(parsed.date(), site, date_only=date_only)
    return expiry_local(parsed, site, date_only=date_only)


def store_expiry(coupon: dict[str, Any]) -> str:
    """The store's ``date_expires`` (site time) as compared: "" when the coupon never expires."""
    value = coupon.get("date_expires")
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).strftime(STORE_DATE)
    except ValueError:
        return str(value)


# -- lists --------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$",
)


def check_emails(values: Iterable[Any]) -> tuple[str, ...]:
    """E-mail restrictions as the store keeps them: lower-cased, trimmed, each once (in feed
    order). ``*@example.org`` (a whole domain) is allowed, as in WooCommerce. An address the
    store would silently drop is a ValueProblem naming it."""
    kept: dict[str, None] = {}
    for raw in values:
        text = str(raw).strip(_PHP_TRIM).lower()
        if not text:
            continue
        if not _EMAIL.match(text) or ".." in text or text.startswith("."):
            raise ValueProblem(
                "invalid-email",
                f"{str(raw).strip()!r} is not an e-mail address WooCommerce keeps "
                "(it would drop it silently: the coupon would be open to everybody else)",
            )
        kept.setdefault(text, None)
    return tuple(kept)


def store_emails(coupon: dict[str, Any], name: str = "email_restrictions") -> tuple[str, ...]:
    """The store's e-mail restrictions, compared as a set (sorted, each once)."""
    return tuple(sorted({str(e).strip().lower() for e in coupon.get(name) or () if e}))


def id_set(values: Iterable[Any]) -> tuple[int, ...]:
    """Product or category ids compared as a set (the store drops duplicates, keeps order)."""
    out: set[int] = set()
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number > 0:
            out.add(number)
    return tuple(sorted(out))


# -- description --------------------------------------------------------------------------------


def _stripslashes(text: str) -> str:
    """PHP's ``stripslashes``: ``\\x`` → ``x``, ``\\\\`` → ``\\``."""
    return re.sub(r"\\(.?)", lambda m: m.group(1), text, flags=re.S)


def same_description(feed: Any, stored: Any) -> bool:
    """Whether the store already holds the feed's description: both sides as
    ``wp_filter_post_kses`` keeps them (backslashes removed, disallowed tags dropped), or both
    without markup when bulkio cannot predict what WordPress keeps of one of them — so a re-run
    finds a description it could not predict unchanged."""
    first, second = _stripslashes(str(feed or "")), str(stored or "")
    kept_first, kept_second = stored_text(first), stored_text(second)
    if kept_first is None or kept_second is None:
        kept_first, kept_second = loose_text(first), loose_text(second)
    return " ".join(kept_first.split()) == " ".join(kept_second.split())
