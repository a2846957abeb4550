"""Customers (``wc/v3/customers``): WordPress users, as WooCommerce's REST API answers them.

Measured on WooCommerce 11.0.1 and 7.9.0 (``docs/migrations.md``, conformance cases
``customers-*``): e-mails are unique without case across users of every role and kept as sent;
the username is made from the e-mail's local part; the list shows role ``customer`` unless
``role`` says otherwise; an unknown id, a taken e-mail, an uneditable username and trashing
answer their own errors, worded per version. The store's user 1 is the administrator the API
keys belong to: from 9.0 here (11.0.1 measured; 7.9 allows it), the API may not change its
e-mail or password or delete it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from collections.abc import Mapping
from typing import Any

from bulkio.sandbox.collection import Listed, ListQuery, order_clause
from bulkio.sandbox.errors import ApiError, invalid_param, missing_param
from bulkio.sandbox.params import as_enum, check_schema
from bulkio.sandbox.resource import dated, links
from bulkio.sandbox.store import Store
from bulkio.sandbox.text import sanitize_text_field

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "postcode",
    "country",
    "state",
)
ROLES = ("all", "administrator", "editor", "author", "contributor", "subscriber", "customer")
EDITABLE_ROLES = ("customer", "subscriber")
"""``woocommerce_rest_customer_allowed_roles``: whose e-mail/password the API may change."""
ORDERBY = ("id", "include", "name", "registered_date")
STRICT_TYPES = {
    "email": "string",
    "first_name": "string",
    "last_name": "string",
    "username": "string",
    "password": "string",
    "billing": "object",
    "shipping": "object",
    "meta_data": "array",
}
ADMIN = {"email": "admin@example.test", "username": "admin", "role": "administrator"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL COLLATE NOCASE,   -- MySQL's *_ci collation: matched without case
    username TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    date_created_gmt TEXT NOT NULL,
    date_modified_gmt TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS users_email ON users(email);
"""
_EMAIL = re.compile(r"^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+$")


def ensure_table(store: Store) -> None:
    """The users table with the administrator (user 1) the keys belong to. Run before every
    use: a seed cache restored over the store's database may predate the table."""
    with store.db.lock:
        if store.db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'users'") is None:
            store.db.connection.executescript(SCHEMA)
        if store.db.scalar("SELECT 1 FROM users WHERE id = 1") is None:
            now = store.now_text()
            store.db.execute(
                "INSERT INTO users(id, email, username, role, display_name, date_created_gmt,"
                " date_modified_gmt, doc) VALUES (1, ?, ?, ?, 'admin', ?, ?, ?)",
                (ADMIN["email"], ADMIN["username"], ADMIN["role"], now, now, _dumps(_blank())),
            )


def _dumps(doc: Mapping[str, Any]) -> str:
    from bulkio.sandbox.db import dumps

    return dumps(dict(doc))


def _blank() -> dict[str, Any]:
    return {
        "first_name": "",
        "last_name": "",
        "billing": {**{name: "" for name in ADDRESS_FIELDS}, "email": "", "phone": ""},
        "shipping": {**{name: "" for name in ADDRESS_FIELDS}, "phone": ""},
        "is_paying_customer": False,
        "meta_data": [],
    }


def is_email(text: str) -> bool:
    """WordPress's ``is_email``, close enough: local part, @, a dotted domain."""
    return bool(_EMAIL.match(text)) and ".." not in text


def _modern(store: Store) -> bool:
    """11.0.1's wording and rules (7.9.0 measured the other way; from 9.0 here, a guess)."""
    return store.version.at_least("9.0")


def _invalid_id(store: Store, status: int, *, delete: bool = False) -> ApiError:
    if _modern(store):
        return ApiError("wc_user_invalid_id", "Invalid user ID.", 404)
    message = "Invalid resource id." if delete else "Invalid resource ID."
    return ApiError("woocommerce_rest_invalid_id", message, status)


def _email_exists(store: Store, email: str) -> ApiError:
    if _modern(store):
        message = (
            f"An account is already registered with {email}. Please log in or use a different"
            " email address."
        )
    else:
        message = (
            'An account is already registered with your email address. <a href="#" '
            'class="showlogin">Please log in.</a>'
        )
    return ApiError("registration-error-email-exists", message, 400)


def _row(store: Store, user_id: int) -> sqlite3.Row | None:
    rows = store.db.query("SELECT * FROM users WHERE id = ?", (user_id,))
    return rows[0] if rows else None


def _holder(store: Store, email: str) -> int | None:
    found = store.db.scalar("SELECT id FROM users WHERE email = ? ORDER BY id LIMIT 1", (email,))
    return None if found is None else int(found)


def _protected(key: str) -> bool:
    return key.startswith("_")


def _visible_meta(store: Store, meta: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not _modern(store):
        return meta
    return [item for item in meta if not _protected(str(item.get("key", "")))]


def _set_meta(store: Store, doc: dict[str, Any], given: Any) -> None:
    from bulkio.sandbox.products import _meta_merge  # one rule for meta of every resource

    if not isinstance(given, list):
        return
    if _modern(store):  # MetaDataUtil drops protected keys (is_protected_meta)
        given = [m for m in given if not (isinstance(m, dict) and _protected(str(m.get("key"))))]
    doc["meta_data"] = _meta_merge(store, doc["meta_data"], given)


def _apply(store: Store, doc: dict[str, Any], payload: Mapping[str, Any]) -> None:
    """Names through ``wc_clean``; address values as sent; meta merged by key."""
    for name in ("first_name", "last_name"):
        if payload.get(name) is not None:
            doc[name] = sanitize_text_field(str(payload[name]))
    for kind in ("billing", "shipping"):
        given = payload.get(kind)
        if isinstance(given, dict):
            for name in doc[kind]:
                if given.get(name) is not None:
                    doc[kind][name] = str(given[name])
    _set_meta(store, doc, payload.get("meta_data"))


def _username_for(store: Store, email: str) -> str:
    """``wc_create_new_customer_username``: the e-mail's local part, lower-cased; a taken one
    gets four random digits."""
    base = re.sub(r"[^a-z0-9 _.\-@]", "", email.split("@", 1)[0].lower()) or "user"
    name = base
    while store.db.scalar("SELECT 1 FROM users WHERE username = ?", (name,)):
        name = f"{base}{secrets.randbelow(10000):04d}"
    return name


def create_customer(store: Store, payload: Mapping[str, Any], *, strict: bool) -> dict[str, Any]:
    ensure_table(store)
    if payload.get("id"):
        raise ApiError("woocommerce_rest_customer_exists", "Cannot create existing resource.", 400)
    if strict:
        if payload.get("email") in (None, ""):
            raise missing_param("email")
        check_schema(payload, STRICT_TYPES)
        if not is_email(str(payload["email"])):
            raise invalid_param("email", "Invalid email address.", "rest_invalid_email")
    email = str(payload.get("email") or "").strip()
    if email and not is_email(email):
        raise ApiError("customer_invalid_email", "Invalid email address", 400)
    if not email:
        raise ApiError(
            "registration-error-invalid-email", "Please provide a valid email address.", 400
        )
    with store.db.lock:
        if _holder(store, email) is not None:
            raise _email_exists(store, email)
        username = str(payload.get("username") or "").strip()
        if username and store.db.scalar("SELECT 1 FROM users WHERE username = ?", (username,)):
            raise ApiError(
                "registration-error-username-exists",
                "An account is already registered with that username. Please choose another.",
                400,
            )
        doc = _blank()
        if not payload.get("password") and _modern(store):
            # a generated password: WordPress asks the user to change it
            doc["meta_data"].append(
                {"id": store.next_meta_id(), "key": "default_password_nag", "value": "1"}
            )
        _apply(store, doc, payload)
        now = store.now_text()
        login = username or _username_for(store, email)
        cursor = store.db.execute(
            "INSERT INTO users(email, username, role, display_name, date_created_gmt,"
            " date_modified_gmt, doc) VALUES (?, ?, 'customer', ?, ?, ?, ?)",
            (email, login, login, now, now, _dumps(doc)),  # display_name: the login
        )
        return get_customer(store, int(cursor.lastrowid or 0))


def update_customer(
    store: Store, user_id: int, payload: Mapping[str, Any], *, strict: bool
) -> dict[str, Any]:
    ensure_table(store)
    if strict:
        check_schema(payload, STRICT_TYPES)
    with store.db.lock:
        row = _row(store, user_id)
        if row is None:
            raise _invalid_id(store, 400)
        if _modern(store) and row["role"] not in EDITABLE_ROLES:
            for prop in ("email", "password"):
                if prop in payload and (prop == "password" or payload[prop] != row["email"]):
                    raise ApiError(
                        "woocommerce_rest_cannot_edit",
                        f"Sorry, {prop} cannot be updated via this endpoint for a user with role"
                        f" {row['role']}.",
                        403,
                    )
        email = str(payload.get("email") or "")
        if email and _holder(store, email) is not None and email != row["email"]:
            # email_exists() finds the user itself without case: a case-only change fails too
            raise ApiError(
                "woocommerce_rest_customer_invalid_email", "Email address is invalid.", 400
            )
        username = str(payload.get("username") or "")
        if username and username != row["username"]:
            raise ApiError(
                "woocommerce_rest_customer_invalid_argument", "Username isn't editable.", 400
            )
        if email and not is_email(email):
            raise ApiError("customer_invalid_email", "Invalid email address", 400)
        from bulkio.sandbox.db import loads

        doc = {**_blank(), **loads(row["doc"])}
        _apply(store, doc, payload)
        store.db.execute(
            "UPDATE users SET email = ?, date_modified_gmt = ?, doc = ? WHERE id = ?",
            (email or row["email"], store.now_text(), _dumps(doc), user_id),
        )
        return get_customer(store, user_id)


def delete_customer(store: Store, user_id: int, *, force: bool) -> dict[str, Any]:
    ensure_table(store)
    if not force:
        raise ApiError(
            "woocommerce_rest_trash_not_supported", "Customers do not support trashing.", 501
        )
    with store.db.lock:
        row = _row(store, user_id)
        if row is None:
            raise _invalid_id(store, 400, delete=True)
        if _modern(store) and row["role"] not in EDITABLE_ROLES:
            raise ApiError(
                "woocommerce_rest_cannot_delete",
                f"Sorry, users with {row['role']} role cannot be deleted via this endpoint."
                f" Allowed roles: {', '.join(EDITABLE_ROLES)}",
                403,
            )
        before = customer_response(store, row)
        store.db.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return before


def get_customer(store: Store, user_id: int) -> dict[str, Any]:
    ensure_table(store)
    row = _row(store, user_id)
    if row is None:
        raise _invalid_id(store, 404)
    return customer_response(store, row)


def user_exists(store: Store, user_id: int) -> bool:
    """Whether the store has a user (any role) with that id."""
    ensure_table(store)
    return _row(store, user_id) is not None


def customer_by_email(store: Store, email: str) -> dict[str, Any] | None:
    """The user holding ``email`` (without case), any role; for tests and other resources."""
    ensure_table(store)
    user_id = _holder(store, email)
    return None if user_id is None else get_customer(store, user_id)


def _avatar(store: Store, email: str) -> str:
    text = email.strip().lower().encode()
    # WordPress 6.8 hashes the address with SHA-256; 6.1 (with WooCommerce 7.9) with MD5.
    digest = hashlib.sha256(text) if _modern(store) else hashlib.md5(text)  # noqa: S324
    return f"https://secure.gravatar.com/avatar/{digest.hexdigest()}?s=96&d=mm&r=g"


def customer_response(store: Store, row: sqlite3.Row) -> dict[str, Any]:
    from bulkio.sandbox.db import loads

    doc = {**_blank(), **loads(row["doc"])}
    user_id = int(row["id"])
    return {
        "id": user_id,
        **dated(store, "date_created", row["date_created_gmt"]),
        **dated(store, "date_modified", row["date_modified_gmt"]),
        "email": row["email"],
        "first_name": doc["first_name"],
        "last_name": doc["last_name"],
        "role": row["role"],
        "username": row["username"],
        "billing": doc["billing"],
        "shipping": doc["shipping"],
        "is_paying_customer": doc["is_paying_customer"],
        "avatar_url": _avatar(store, row["email"]),
        "meta_data": _visible_meta(store, doc["meta_data"]),
        "_links": links(f"{store.home}/wp-json/wc/v3/customers", user_id),
    }


def list_customers(store: Store, params: Mapping[str, Any]) -> Listed:
    """``GET customers``: role ``customer`` unless ``role`` names another (or ``all``);
    ``email`` an exact address without case; ``search`` a substring of login, e-mail or
    display name."""
    ensure_table(store)
    query = ListQuery(params)
    include = query.include_exclude()
    email = params.get("email")
    if email not in (None, "") and not is_email(str(email)):
        raise invalid_param("email", "Invalid email address.", "rest_invalid_email")
    role = as_enum(params, "role", ROLES, "customer") or "customer"
    order_sql = order_clause(
        params,
        ORDERBY,
        "name",
        "asc",
        {"id": "id", "name": "display_name", "registered_date": "date_created_gmt"},
        include,
    )
    if email not in (None, ""):
        query.add("email = ?", str(email))
    else:
        query.search("username", "email", "display_name")
    if role != "all":
        query.add("role = ?", role)
    return query.fetch(
        store, "users", order_sql, lambda rows: [customer_response(store, row) for row in rows]
    )


def register(api: Any) -> None:
    """Add the ``customers`` routes to a :class:`bulkio.sandbox.routes.Api`."""
    store: Store = api.store
    ensure_table(store)
    api._crud(
        "customers",
        lambda call, ids: list_customers(store, call.params),
        lambda ids: get_customer(store, int(ids["id"])),
        lambda ids, payload, strict: create_customer(store, payload, strict=strict),
        lambda ids, user_id, payload, strict: update_customer(
            store, user_id, payload, strict=strict
        ),
        lambda ids, user_id, force: delete_customer(store, user_id, force=force),
    )
