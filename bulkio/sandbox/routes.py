"""Route table and request dispatch for ``wc/v3``, in WordPress's order of checks.

Order as in ``WP_REST_Server``: route match (``rest_no_route``), argument validation
(``rest_invalid_param``), the endpoint's permission check (``woocommerce_rest_cannot_*`` for an
anonymous request), then the handler. Authentication errors and key permissions are decided
before this, by the HTTP layer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from bulkio.sandbox import attributes, coupons, customers, orders, products, terms
from bulkio.sandbox.collection import Listed, paging
from bulkio.sandbox.errors import ApiError, no_route
from bulkio.sandbox.params import as_bool
from bulkio.sandbox.store import Store

PERMISSION_ERRORS = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "get": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "update": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
    "batch": (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
NAMESPACES = [
    "oembed/1.0",
    "wc/v1",
    "wc/v2",
    "wc/v3",
    "wc/store/v1",
    "wc-analytics",
    "wc-admin",
    "wp/v2",
    "wp-site-health/v1",
    "wp-block-editor/v1",
]


@dataclass
class Call:
    """One request as the API layer sees it."""

    method: str
    route: str  # e.g. "/wc/v3/products/12"
    params: dict[str, Any]  # query + form/JSON body merged (body wins), like WP
    body: Any  # the parsed JSON body, if any
    query_pairs: list[tuple[str, str]]
    authenticated: bool
    collection_url: Callable[[str, list[tuple[str, str]]], str]
    on_item: Callable[[], None] = lambda: None


@dataclass
class Answer:
    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)
    items: int = 0  # batch items, or 1 for a single write
    item_counts: dict[str, int] = field(default_factory=dict)
    rows: int = 0  # resources returned by a read


Handler = Callable[[Call, Mapping[str, str]], Answer]


class _Create(Protocol):
    def __call__(
        self, store: Store, payload: Mapping[str, Any], /, *, strict: bool
    ) -> dict[str, Any]: ...


class _Update(Protocol):
    def __call__(
        self, store: Store, item_id: int, payload: Mapping[str, Any], /, *, strict: bool
    ) -> dict[str, Any]: ...


class _Delete(Protocol):
    def __call__(self, store: Store, item_id: int, /, *, force: bool) -> dict[str, Any]: ...


def filter_fields(data: Any, fields_param: Any) -> Any:
    """``_fields`` as ``rest_filter_response_fields`` applies it to any non-error answer.

    Builds the nested spec (``a.b`` keeps ``b`` inside ``a``; a parent named whole wins over its
    sub-fields) and intersects keys recursively, like PHP's ``array_intersect_key``: a list
    inside a resource has index keys, so ``line_items.sku`` leaves ``line_items`` empty, as on
    a real store. A list at the top is filtered item by item; a batch answer (an object) is
    filtered as one object.
    """
    if fields_param in (None, ""):
        return data
    wanted = [part.strip() for part in str(fields_param).split(",") if part.strip()]
    if not wanted:
        return data
    spec: dict[str, Any] = {}
    for name in wanted:
        node = spec
        parts = name.split(".")
        for part in parts[:-1]:
            if node.get(part) is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True

    def intersect(value: Any, keys: dict[str, Any]) -> Any:
        if isinstance(value, dict):
            return {
                key: (
                    item
                    if keys[key] is True or not isinstance(item, dict | list)
                    else intersect(item, keys[key])
                )
                for key, item in value.items()
                if key in keys
            }
        if isinstance(value, list):
            return [
                item if keys[str(index)] is True else intersect(item, keys[str(index)])
                for index, item in enumerate(value)
                if str(index) in keys
            ]
        return value

    if isinstance(data, list):
        return [_php_empty(intersect(item, spec)) for item in data]
    return _php_empty(intersect(data, spec))


def _php_empty(value: Any) -> Any:
    """PHP encodes an empty array as ``[]``, also where it would otherwise be an object."""
    if isinstance(value, dict):
        return {key: _php_empty(item) for key, item in value.items()} if value else []
    if isinstance(value, list):
        return [_php_empty(item) for item in value]
    return value


def batch(
    call: Call,
    limit: int,
    create: Callable[[dict[str, Any]], dict[str, Any]] | None,
    update: Callable[[dict[str, Any]], dict[str, Any]] | None,
    delete: Callable[[int], dict[str, Any]] | None,
) -> Answer:
    """``WC_REST_Controller::batch_items``: limit check, then creates, updates, deletes."""
    payload = call.body if isinstance(call.body, dict) else call.params
    parts: dict[str, list[Any]] = {}
    for name in ("create", "update", "delete"):
        value = payload.get(name)
        if isinstance(value, list) and value:
            parts[name] = value
    total = sum(len(value) for value in parts.values())
    if total > limit:
        raise ApiError(
            "woocommerce_rest_request_entity_too_large",
            f"Unable to accept more than {limit} items for this request.",
            413,
        )
    response: dict[str, list[Any]] = {}
    counts = {name: len(value) for name, value in parts.items()}

    def error_item(item_id: Any, error: ApiError) -> dict[str, Any]:
        return {
            "id": item_id,
            "error": {
                "code": error.code,
                "message": error.message,
                "data": {"status": error.status, **error.data},
            },
        }

    for item in parts.get("create", []):
        call.on_item()
        try:
            if create is None:
                raise no_route()
            response.setdefault("create", []).append(create(item if isinstance(item, dict) else {}))
        except ApiError as error:
            response.setdefault("create", []).append(error_item(0, error))
    for item in parts.get("update", []):
        call.on_item()
        item = item if isinstance(item, dict) else {}
        try:
            if update is None:
                raise no_route()
            response.setdefault("update", []).append(update(item))
        except ApiError as error:
            response.setdefault("update", []).append(error_item(item.get("id"), error))
    for raw_id in parts.get("delete", []):
        try:
            item_id = int(raw_id.get("id", 0) if isinstance(raw_id, dict) else raw_id)
        except (TypeError, ValueError):
            item_id = 0
        if item_id == 0:
            continue
        call.on_item()
        try:
            if delete is None:
                raise no_route()
            response.setdefault("delete", []).append(delete(item_id))
        except ApiError as error:
            response.setdefault("delete", []).append(error_item(item_id, error))
    body = filter_fields(response, call.params.get("_fields")) if response else []
    return Answer(200, body, items=total, item_counts=counts)


def listing(
    call: Call, items: list[dict[str, Any]], total: int, page: int, per_page: int
) -> Answer:
    """A collection answer with ``X-WP-Total``, ``X-WP-TotalPages`` and ``Link`` headers."""
    pages = math.ceil(total / per_page) if per_page else 0
    headers = [("X-WP-Total", str(total)), ("X-WP-TotalPages", str(pages))]
    base_pairs = [(k, v) for k, v in call.query_pairs if k not in ("page", "rest_route")]
    if page > 1:
        prev_page = min(page - 1, pages) if pages else page - 1
        headers.append(
            (
                "Link",
                f"<{call.collection_url(call.route, [*base_pairs, ('page', str(prev_page))])}>"
                '; rel="prev"',
            )
        )
    if pages > page:
        headers.append(
            (
                "Link",
                f"<{call.collection_url(call.route, [*base_pairs, ('page', str(page + 1))])}>"
                '; rel="next"',
            )
        )
    body = filter_fields(items, call.params.get("_fields"))
    return Answer(200, body, headers, rows=len(items))


def single(
    call: Call, resource: dict[str, Any], status: int = 200, *, write: bool = False
) -> Answer:
    """One resource. ``_fields`` trims it, but its ``_links`` stay: WordPress filters the data
    of a single answer before it adds the links (collection and batch items have their links
    inside the data, so there they go unless named)."""
    body = filter_fields(resource, call.params.get("_fields"))
    if isinstance(body, dict) and "_links" in resource:
        body = {**body, "_links": resource["_links"]}
    elif body == [] and "_links" in resource:
        body = {"_links": resource["_links"]}
    return Answer(status, body, items=1 if write else 0, rows=0 if write else 1)


def top_level_fields(call: Call) -> None:
    """Products and variations build only the fields named whole: ``_fields=dimensions.width``
    does not bring ``dimensions`` (measured on 7.9 and 11), unlike orders' line items."""
    given = call.params.get("_fields")
    if given in (None, ""):
        return
    names = [name.strip() for name in str(given).split(",") if name.strip()]
    kept = [name for name in names if "." not in name]
    if kept != names:
        call.params = {**call.params, "_fields": ",".join(kept) or "\x00none"}


def _viewing(call: Call) -> bool:
    return str(call.params.get("context") or "view") != "edit"


ITEM_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def add_target_hints(data: Any) -> Any:
    """WordPress 6.7 and later: each item's ``self`` link says which methods it allows."""
    if isinstance(data, list):
        return [add_target_hints(item) for item in data]
    if not isinstance(data, dict):
        return data
    if isinstance(data.get("_links"), dict) and isinstance(data["_links"].get("self"), list):
        selves = [
            {**link, "targetHints": {"allow": ITEM_METHODS}} if isinstance(link, dict) else link
            for link in data["_links"]["self"]
        ]
        data = {**data, "_links": {**data["_links"], "self": selves}}
    if set(data) & {"create", "update", "delete"}:
        return {key: add_target_hints(value) for key, value in data.items()}
    return data


UNIT_OPTIONS = {
    "weight": ("Weight unit", "weights", ("kg", "g", "lbs", "oz")),
    "dimension": ("Dimensions unit", "lengths", ("m", "cm", "mm", "in", "yd")),
}


def _unit_setting(kind: str, value: str, default: str) -> dict[str, Any]:
    label, what, options = UNIT_OPTIONS[kind]
    text = f"This controls what unit you will define {what} in."
    return {
        "id": f"woocommerce_{kind}_unit",
        "label": label,
        "description": text,
        "type": "select",
        "default": default,
        "options": {option: option for option in options},
        "tip": text,
        "value": value,
    }


def products_options(store: Store) -> dict[str, Any]:
    """``OPTIONS /products``: the route's description with its item schema, of which the
    sandbox gives the property names and JSON types (what bulkio reads: which fields this
    WooCommerce version has). ``global_unique_id`` from 9.2, ``brands`` from 9.6."""
    from bulkio.sandbox.products import STRICT_TYPES

    names = {**STRICT_TYPES, "id": "integer", "type": "string", "status": "string"}
    if not store.version.gtin:
        names.pop("global_unique_id", None)
    if store.version.brands:
        names["brands"] = "array"
    else:
        names.pop("brands", None)
    return {
        "namespace": "wc/v3",
        "methods": ["GET", "POST"],
        "schema": {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "title": "product",
            "type": "object",
            "properties": {name: {"type": kind} for name, kind in sorted(names.items())},
        },
    }


class Api:
    """The ``wc/v3`` routes over one :class:`Store`."""

    def __init__(self, store: Store, *, batch_limit: int = 100) -> None:
        self.store = store
        self.batch_limit = batch_limit
        self.routes: list[tuple[re.Pattern[str], dict[str, tuple[str, Handler]]]] = []
        self._register_terms()
        attributes.register(self)  # products/attributes (+ terms): bulkio.sandbox.attributes
        self._register_products()
        self._register_orders()
        customers.register(self)  # customers: bulkio.sandbox.customers
        coupons.register(self)  # coupons: bulkio.sandbox.coupons
        self._register_settings()

    def add(self, pattern: str, methods: dict[str, tuple[str, Handler]]) -> None:
        self.routes.append((re.compile(f"^/wc/v3/{pattern}/?$"), methods))

    def dispatch(self, call: Call) -> Answer:
        if call.method == "OPTIONS" and re.match(r"^/wc/v3/products/?$", call.route):
            return Answer(
                200, filter_fields(products_options(self.store), call.params.get("_fields"))
            )
        for pattern, methods in self.routes:
            match = pattern.match(call.route)
            if match is None:
                continue
            method = (
                "POST"
                if call.method in ("PUT", "PATCH") and call.method not in methods
                else call.method
            )
            if method == "HEAD":
                method = "GET"
            if method not in methods:
                raise no_route()
            action, handler = methods[method]
            if not call.authenticated:
                # WordPress validates arguments before the permission callback runs.
                if action == "list":
                    paging(call.params)
                code, message = PERMISSION_ERRORS[action]
                raise ApiError(code, message, 401)
            answer = handler(call, match.groupdict())
            if self.store.version.link_target_hints and answer.status < 400:
                answer.body = add_target_hints(answer.body)
            return answer
        raise no_route()

    # -- products -----------------------------------------------------------------------------

    def _register_products(self) -> None:
        store = self.store
        self._crud_by_id(
            "products",
            products.list_products,
            products.get_product,
            products.create_product,
            products.update_product,
            products.delete_product,
            view=products.view,
        )
        self._crud(
            r"products/(?P<product_id>\d+)/variations",
            lambda call, ids: products.list_variations(store, int(ids["product_id"]), call.params),
            lambda ids: products.get_variation(store, int(ids["product_id"]), int(ids["id"])),
            lambda ids, payload, strict: products.create_variation(
                store, int(ids["product_id"]), payload, strict=strict
            ),
            lambda ids, variation_id, payload, strict: products.update_variation(
                store, int(ids["product_id"]), variation_id, payload, strict=strict
            ),
            lambda ids, variation_id, force: products.delete_variation(
                store, int(ids["product_id"]), variation_id, force=force
            ),
            lambda item: item,  # descriptions of variations are not rendered here
        )

    def _crud(
        self,
        base: str,
        list_items: Callable[[Call, Mapping[str, str]], tuple[list[dict[str, Any]], int, int, int]],
        get: Callable[[Mapping[str, str]], dict[str, Any]],
        create: Callable[[Mapping[str, str], Mapping[str, Any], bool], dict[str, Any]],
        update: Callable[[Mapping[str, str], int, Mapping[str, Any], bool], dict[str, Any]],
        delete: Callable[[Mapping[str, str], int, bool], dict[str, Any]],
        view: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        """Register list/create, batch and item routes for one resource. ``view`` renders an
        item read in ``context=view`` (writes answer in ``edit``); a resource with a ``view``
        is a product or variation, which answers ``_fields`` by top-level names only."""

        def list_handler(call: Call, ids: Mapping[str, str]) -> Answer:
            if view is not None:
                top_level_fields(call)
            items, total, page, per_page = list_items(call, ids)
            if view is not None and _viewing(call):
                items = [view(item) for item in items]
            return listing(call, items, total, page, per_page)

        def create_handler(call: Call, ids: Mapping[str, str]) -> Answer:
            call.on_item()
            return single(call, create(ids, call.params, True), 201, write=True)

        def get_handler(call: Call, ids: Mapping[str, str]) -> Answer:
            if view is not None:
                top_level_fields(call)
            item = get(ids)
            return single(call, view(item) if view is not None and _viewing(call) else item)

        def update_handler(call: Call, ids: Mapping[str, str]) -> Answer:
            call.on_item()
            return single(call, update(ids, int(ids["id"]), call.params, True), write=True)

        def delete_handler(call: Call, ids: Mapping[str, str]) -> Answer:
            call.on_item()
            force = bool(as_bool(call.params, "force", False))
            return single(call, delete(ids, int(ids["id"]), force), write=True)

        def batch_handler(call: Call, ids: Mapping[str, str]) -> Answer:
            return batch(
                call,
                self.batch_limit,
                lambda item: create(ids, item, False),
                lambda item: update(ids, _item_id(item), item, False),
                lambda item_id: delete(ids, item_id, True),
            )

        self.add(base, {"GET": ("list", list_handler), "POST": ("create", create_handler)})
        self.add(
            f"{base}/batch",
            {
                "POST": ("batch", batch_handler),
                "PUT": ("batch", batch_handler),
                "PATCH": ("batch", batch_handler),
            },
        )
        self.add(
            rf"{base}/(?P<id>\d+)",
            {
                "GET": ("get", get_handler),
                "POST": ("update", update_handler),
                "PUT": ("update", update_handler),
                "PATCH": ("update", update_handler),
                "DELETE": ("delete", delete_handler),
            },
        )

    def _register_terms(self) -> None:
        store = self.store
        resources = ["categories", "tags", "shipping_classes"]
        if store.version.brands:
            resources.append("brands")  # products/brands: WooCommerce 9.6 and later
        for resource in resources:

            def list_terms(call: Call, ids: Mapping[str, str], resource: str = resource) -> Any:
                return terms.list_terms(store, resource, call.params)

            def get_term(ids: Mapping[str, str], resource: str = resource) -> dict[str, Any]:
                return terms.get_term(store, resource, int(ids["id"]))

            def create_term(
                ids: Mapping[str, str],
                payload: Mapping[str, Any],
                strict: bool,
                resource: str = resource,
            ) -> dict[str, Any]:
                return terms.create_term(store, resource, payload, strict=strict)

            def update_term(
                ids: Mapping[str, str],
                term_id: int,
                payload: Mapping[str, Any],
                strict: bool,
                resource: str = resource,
            ) -> dict[str, Any]:
                return terms.update_term(store, resource, term_id, payload, strict=strict)

            def delete_term(
                ids: Mapping[str, str], term_id: int, force: bool, resource: str = resource
            ) -> dict[str, Any]:
                return terms.delete_term(store, resource, term_id, force=force)

            self._crud(
                f"products/{resource}", list_terms, get_term, create_term, update_term, delete_term
            )

    def _register_settings(self) -> None:
        """``settings/products``: the weight and dimension units (the two settings bulkio
        reads), shaped as WooCommerce answers them (measured on 11.0.1)."""
        store = self.store

        def unit_settings() -> list[dict[str, Any]]:
            defaults = store.version.default_units
            return [_unit_setting(kind, unit, defaults[kind]) for kind, unit in store.units.items()]

        def product_settings(call: Call, ids: Mapping[str, str]) -> Answer:
            return Answer(200, unit_settings())

        def product_setting(call: Call, ids: Mapping[str, str]) -> Answer:
            for setting in unit_settings():
                if setting["id"] == ids["id"]:
                    return Answer(200, setting)
            raise ApiError("rest_setting_setting_invalid", "Invalid setting.", 404)

        self.add("settings/products", {"GET": ("list", product_settings)})

        def email_enabled(call: Call, ids: Mapping[str, str]) -> Answer:
            group = ids["group"]
            if call.method in ("PUT", "POST", "PATCH"):
                value = str(call.params.get("value", ""))
                if value not in ("yes", "no"):
                    raise ApiError(
                        "rest_setting_value_invalid", "An invalid setting value was passed.", 400
                    )
                store.email_settings[group] = value
            return Answer(
                200,
                {
                    "id": "enabled",
                    "label": "Enable/Disable",
                    "description": "",
                    "type": "checkbox",
                    "default": "yes",
                    "value": store.email_settings.get(group, "yes"),
                    "group_id": group,
                },
            )

        self.add(
            r"settings/(?P<group>email_customer_new_account)/enabled",
            {
                "GET": ("get", email_enabled),
                "PUT": ("update", email_enabled),
                "POST": ("update", email_enabled),
            },
        )
        self.add(r"settings/products/(?P<id>[\w-]+)", {"GET": ("get", product_setting)})

    def _register_orders(self) -> None:
        self._crud_by_id(
            "orders",
            orders.list_orders,
            orders.get_order,
            orders.create_order,
            orders.update_order,
            orders.delete_order,
        )

    def _crud_by_id(
        self,
        base: str,
        list_items: Callable[[Store, Mapping[str, Any]], Listed],
        get: Callable[[Store, int], dict[str, Any]],
        create: _Create,
        update: _Update,
        delete: _Delete,
        view: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        """:meth:`_crud` for a resource named by its id alone (products, orders), whose
        functions take the store first, as ``products.create_product`` does."""
        store = self.store
        self._crud(
            base,
            lambda call, ids: list_items(store, call.params),
            lambda ids: get(store, int(ids["id"])),
            lambda ids, payload, strict: create(store, payload, strict=strict),
            lambda ids, item_id, payload, strict: update(store, item_id, payload, strict=strict),
            lambda ids, item_id, force: delete(store, item_id, force=force),
            view,
        )

    def index(self, home: str, namespace: str | None = None) -> dict[str, Any]:
        """The ``/wp-json/`` discovery document (or one namespace's)."""
        routes: dict[str, Any] = {}
        for pattern, methods in self.routes:
            route = pattern.pattern.removeprefix("^").removesuffix("/?$")
            routes[route] = {"namespace": "wc/v3", "methods": sorted(methods)}
        if namespace == "wc/v3":
            return {
                "namespace": "wc/v3",
                "routes": {"/wc/v3": {"namespace": "wc/v3", "methods": ["GET"]}, **routes},
            }
        return {
            "name": "bulkio sandbox",
            "description": "A local WooCommerce REST API emulator",
            "url": home,
            "home": home,
            "gmt_offset": _php_number(self.store.gmt_offset_hours),
            "timezone_string": "",
            "namespaces": NAMESPACES,
            "authentication": [],
            "routes": {
                "/": {"namespace": "", "methods": ["GET"]},
                "/wc/v3": {"namespace": "wc/v3", "methods": ["GET"]},
                **routes,
            },
        }


def _php_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _item_id(item: Mapping[str, Any]) -> int:
    try:
        return int(item.get("id") or 0)
    except (TypeError, ValueError):
        return 0


def query_string(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs)
