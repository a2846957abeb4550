"""Customers (``customers``, ``customers/batch``): matched by e-mail without case.

What the real stores do (docs/migrations.md, measured on WooCommerce 11.0.1 and 7.9.0) and
what follows for the import:

* e-mails are unique without case across WordPress users of *every* role, and the list shows
  role ``customer`` only unless ``role=all``: the store is read with ``role=all``, so a user of
  another role holding a feed's address (an administrator, a shop manager) is found — and
  reported as not a customer (``not-a-customer``), never written. Only ``customer`` and
  ``subscriber`` users are updated (7.9 lets the API rewrite an administrator's e-mail and
  password, which kills the API keys);
* a case-only change of a customer's own e-mail is refused by the store, and the e-mail is the
  match key anyway: an update never sends ``email``, ``username`` or ``password``; a create
  never sends a password (WooCommerce generates one; nothing is e-mailed by bulkio);
* first and last name go through ``sanitize_text_field`` (tags out, whitespace runs collapsed,
  trimmed): compared in that form, so a re-run writes nothing; addresses and meta are kept as
  sent;
* every customer created through the API is e-mailed "Your account has been created": the
  only switch is the store setting ``email_customer_new_account`` (:mod:`bulkio.migrate.
  account_emails`); ``[customer] account_emails = "suppress"`` (the default) turns it off for
  the run's creates and back afterwards, ``"send"`` leaves it; the plan says which.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bulkio.apply import DEFAULT_CONCURRENCY
from bulkio.engine.kinds import Bar, Progress
from bulkio.migrate.account_emails import (
    SETTING_LABEL,
    account_emails_off,
    read_new_account_setting,
)
from bulkio.migrate.kind import RecordKind, payload_of
from bulkio.migrate.mapping import FieldDef, RecordMapping
from bulkio.migrate.rows import RecordRows
from bulkio.plan.model import Plan, PlanItem, PlanRejection

ADDRESS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
)
EDITABLE_ROLES = ("customer", "subscriber")
"""Users bulkio may write through ``customers`` (WooCommerce's allowed roles since 9.x)."""
SANITIZED = ("first_name", "last_name")
"""Stored through ``sanitize_text_field`` (measured); addresses and meta are kept as sent."""
META_TYPES = ("text", "int", "decimal", "money", "date", "datetime")
READ_FIELDS = (
    "id,email,first_name,last_name,username,role,billing,shipping,meta_data,date_modified_gmt"
)
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
"""What ``is_email()`` accepts, near enough: a local part of its allowed characters, a domain
of at least two labels."""


def sanitize_text(text: str) -> str:
    """What WordPress's ``sanitize_text_field`` keeps of a text: a lone ``<`` escaped, tags
    removed, line breaks, tabs and space runs made one space, trimmed, ``%xx`` octets removed
    (measured on both stores: ``"  Muster <b>x</b> "`` is kept as ``"Muster x"``)."""
    text = _LONE_LESS_THAN.sub(_escape_lone, text)
    text = re.sub(r"<[^>]*>?", "", text)
    text = re.sub(r"[\r\n\t ]+", " ", text).strip()
    octets = re.compile(r"%[a-fA-F0-9]{2}")
    if octets.search(text):
        while octets.search(text):
            text = octets.sub("", text)
        text = re.sub(r" +", " ", text).strip()
    return text


_LONE_LESS_THAN = re.compile(r"<[^>]*?((?=<)|>|$)")


def _escape_lone(found: re.Match[str]) -> str:
    piece = found.group(0)
    return piece if ">" in piece else html.escape(piece, quote=True)


class CustomerKind(RecordKind):
    name = "customer"
    route = "customers"
    key_field = "email"
    key_label = "e-mail"
    fields = (
        FieldDef("email", help="the match key (without case); sent on create only"),
        FieldDef("first_name"),
        FieldDef("last_name"),
        FieldDef("username", create_only=True, help="WooCommerce makes one when not given"),
        *(FieldDef(f"billing.{name}") for name in (*ADDRESS, "email", "phone")),
        *(FieldDef(f"shipping.{name}") for name in (*ADDRESS, "phone")),
        FieldDef("meta:*", META_TYPES, help="a meta entry of the user"),
    )
    option_keys = ("account_emails",)

    # -- mapping ------------------------------------------------------------------------------

    def parse_options(self, table: dict[str, Any], parser: Any) -> dict[str, Any]:
        parser.check_keys(table, self.option_keys, self.name)
        emails = parser.choice(
            table, "account_emails", ("suppress", "send"), "suppress", "customer"
        )
        return {"account_emails": emails}

    def check_mapping(self, mapping: RecordMapping, parser: Any) -> tuple[str, ...]:
        super().check_mapping(mapping, parser)
        if mapping.fields["email"].type != "text":
            raise parser.error("fields.email.type", "the e-mail is text")
        return ()

    def check_rows(self, mapping: RecordMapping, rows: RecordRows) -> None:
        rule = mapping.fields["email"]
        for row in list(rows.rows):
            email = str(row.values["email"]).strip()
            if not _EMAIL.match(email):
                rows.reject(
                    row,
                    rule.source,
                    email,
                    "invalid-email",
                    f"email: {email!r} is not an e-mail address WordPress accepts; fix the "
                    "cell (one address, no spaces or names)",
                    field="email",
                )
                continue
            row.values["email"] = email
            billing = row.values.get("billing.email")
            if billing and not _EMAIL.match(str(billing)):
                rows.reject(
                    row,
                    mapping.fields["billing.email"].source,
                    billing,
                    "invalid-email",
                    f"billing.email: {billing!r} is not an e-mail address WooCommerce keeps; "
                    "fix the cell or leave it empty",
                    field="billing.email",
                )

    # -- comparing ----------------------------------------------------------------------------

    def same(self, path: str, stored: Any, wanted: Any) -> bool:
        if path == "email":
            return str(stored or "").lower() == str(wanted or "").lower()
        if path in SANITIZED and isinstance(wanted, str):
            wanted = sanitize_text(wanted)
        if path.startswith("meta:"):
            return _meta_text(stored) == _meta_text(wanted)
        return str("" if stored is None else stored) == str("" if wanted is None else wanted)

    # -- reading the store --------------------------------------------------------------------

    def find_keys(
        self, client: Any, keys: Sequence[str], *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> dict[str, dict[str, Any]]:
        return find_users(client, keys, concurrency=concurrency)

    def read_ids(
        self, client: Any, ids: Sequence[int], *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> dict[int, dict[str, Any]]:
        from bulkio.migrate.kind import read_ids

        return read_ids(client, self.route, ids, params={"role": "all"}, concurrency=concurrency)

    def refuse_update(self, record: dict[str, Any]) -> str | None:
        role = str(record.get("role") or "")
        if role in EDITABLE_ROLES:
            return None
        return (
            f"user #{record.get('id')} has role {role or 'unknown'} now, not customer: bulkio "
            "never writes to such a user; make a new plan"
        )

    # -- planning -----------------------------------------------------------------------------

    def plan_rows(
        self,
        client: Any,
        mapping: RecordMapping,
        rows: RecordRows,
        plan: Plan,
        *,
        concurrency: int,
        bar: Bar,
    ) -> list[str]:
        keys = [row.key for row in rows.rows]
        with bar("planning: reading the store's users", len(keys), "e-mail") as advance:
            users = find_users(client, keys, concurrency=concurrency, progress=advance)
        for row in rows.rows:
            user = users.get(row.key)
            if user is None:
                changes = self.changes_for(mapping, row, None)
                plan.creates.append(
                    PlanItem(
                        "create", row.line, row.key, changes=changes, payload=payload_of(changes)
                    )
                )
                continue
            role = str(user.get("role") or "")
            if role not in EDITABLE_ROLES:
                plan.rejected.append(
                    PlanRejection(
                        rows.source,
                        row.line,
                        row.key,
                        mapping.fields["email"].source,
                        str(row.values["email"]),
                        "not-a-customer",
                        f"{row.values['email']} belongs to WordPress user #{user['id']} with "
                        f"role {role or 'unknown'}, not a customer: bulkio never writes to "
                        "such a user — give the row another address, or (if this person "
                        "really is a customer) change the user's role in WordPress first",
                    )
                )
                continue
            changes = self.changes_for(mapping, row, user)
            item = PlanItem(
                "update" if changes else "unchanged",
                row.line,
                row.key,
                id=int(user["id"]),
                base_modified=user.get("date_modified_gmt"),
                changes=changes,
            )
            if changes:
                item.payload = payload_of(changes, item_id=int(user["id"]))
                plan.updates.append(item)
            else:
                plan.unchanged.append(item)
        return self.plan_account_emails(client, mapping, plan)

    def plan_account_emails(self, client: Any, mapping: RecordMapping, plan: Plan) -> list[str]:
        """Say (and record in the plan's options) what the run does about the new-account
        e-mail WooCommerce sends every customer created through the API."""
        choice = str(mapping.options.get("account_emails", "suppress"))
        plan.options["account_emails"] = choice
        if not plan.creates:
            return []
        creates = _customers(len(plan.creates))
        enabled = read_new_account_setting(client)
        if enabled is None:
            return [
                f"could not read the store's {SETTING_LABEL} setting: WooCommerce normally "
                f"e-mails every customer it creates ({creates} here); account_emails = "
                f"{choice!r}"
                + (
                    " — the run will try to turn it off for the creates"
                    if choice == "suppress"
                    else ""
                )
            ]
        if not enabled:
            return [
                f"the store's {SETTING_LABEL} e-mail is off: the {creates} created get no "
                "e-mail (if a stopped bulkio run left it off, `bulkio doctor` says so)"
            ]
        if choice == "send":
            return [
                f"WooCommerce will e-mail the {creates} created "
                '"Your account has been created" ([customer] account_emails = "send")'
            ]
        return [
            f"WooCommerce e-mails every customer created through the API: this run turns the "
            f"store's {SETTING_LABEL} e-mail off while it creates {creates} and back "
            'on afterwards ([customer] account_emails = "suppress", the default; "send" lets '
            "the store mail them)"
        ]

    # -- applying -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def applying(self, client: Any, plan: Plan) -> Iterator[None]:
        """Around the writes: the new-account e-mail off while creates are sent (suppress)."""
        if plan.creates and plan.options.get("account_emails", "suppress") == "suppress":
            with account_emails_off(client):
                yield
        else:
            yield


def _customers(count: int) -> str:
    return f"{count} customer" + ("" if count == 1 else "s")


def _meta_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def find_users(
    client: Any,
    keys: Sequence[str],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
) -> dict[str, dict[str, Any]]:
    """WordPress users of any role holding these e-mails (lower-cased keys).

    Whichever costs fewer requests: every user listed (``role=all``, pages of 100; the first
    page tells how many) or one ``?email=`` look-up per address.
    """
    wanted = list(dict.fromkeys(k for k in keys if k))
    if not wanted:
        return {}
    params = {"role": "all", "orderby": "id", "order": "asc", "_fields": READ_FIELDS}
    first = client.get_page("customers", params, page=1, per_page=100)
    pages = first.total_pages or 1
    found: dict[str, dict[str, Any]] = {}
    if pages <= len(wanted) or pages == 1:
        for user in first.items:
            found.setdefault(str(user.get("email") or "").lower(), user)
        if pages > 1:
            for page_items in _pages(client, params, pages, concurrency):
                for user in page_items:
                    found.setdefault(str(user.get("email") or "").lower(), user)
        if progress is not None:
            progress(len(wanted))
        return {k: found[k] for k in wanted if k in found}

    def look_up(email: str) -> list[dict[str, Any]]:
        items = client.get("customers", {**params, "email": email})
        return items if isinstance(items, list) else []

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for email, items in zip(wanted, pool.map(look_up, wanted), strict=True):
            for user in items:
                if str(user.get("email") or "").lower() == email:
                    found[email] = user
            if progress is not None:
                progress(1)
    return found


def _pages(
    client: Any, params: dict[str, Any], pages: int, concurrency: int
) -> Iterator[list[dict[str, Any]]]:
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        yield from pool.map(
            lambda page: client.get_page("customers", params, page=page, per_page=100).items,
            range(2, pages + 1),
        )


KIND = CustomerKind()
