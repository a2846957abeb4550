"""Property tests of the core: plan → apply → plan again is empty; only owned fields are written.

The store is a tiny in-memory model that stores WooCommerce-shaped JSON and applies
``products/batch`` payloads the way the server does for the fields involved (meta by key,
dimensions merged, term lists replaced). The plan side is the real code:
:func:`bulkio.plan.state.state_frame` reads the model's JSON, :func:`bulkio.plan.build_plan`
diffs, :func:`bulkio.plan.missing.plan_missing` handles products missing from the feed.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkio.fields import (
    CanonicalValue,
    canonical_decimal,
    canonical_from_store,
    canonicalise,
    field_spec,
    to_payload,
)
from bulkio.plan import build_plan
from bulkio.plan.missing import Manages, plan_missing
from bulkio.plan.state import owned_specs, polars_dtype, state_frame
from bulkio.safety import Limits, check_limits

ALL_FIELDS = (
    "name",
    "regular_price",
    "sale_price",
    "description",
    "stock_quantity",
    "manage_stock",
    "status",
    "stock_status",
    "categories",
    "tags",
    "meta:supplier_code",
    "dimensions.width",
    "weight",
)
MARKER = Manages("meta", meta_key="_bulkio_feed", marker="feed")

money = st.decimals(min_value=0, max_value=500, places=2).map(lambda d: f"{d:.2f}")
decimal_text = st.decimals(min_value=0, max_value=50, places=1).map(canonical_decimal)
text = st.text(alphabet="abcxyz ÄéΩ-", max_size=6)
terms = st.lists(st.integers(1, 6), max_size=3).map(lambda ids: tuple(sorted(set(ids))))


def value_strategy(name: str) -> st.SearchStrategy[CanonicalValue]:
    spec = field_spec(name)
    assert spec is not None
    if spec.kind == "money":
        return st.one_of(st.just(""), money)
    if spec.kind == "decimal":
        return st.one_of(st.just(""), decimal_text)
    if spec.kind == "int":
        return st.integers(0, 50)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "enum":
        return st.sampled_from(spec.choices)
    if spec.kind == "terms":
        return terms
    return text


def product_values() -> st.SearchStrategy[dict[str, CanonicalValue]]:
    return st.fixed_dictionaries({name: value_strategy(name) for name in ALL_FIELDS})


# -- the in-memory store -----------------------------------------------------------------------


class ModelStore:
    def __init__(self, products: list[dict[str, Any]]) -> None:
        self.products = {p["id"]: p for p in products}
        self.next_id = max(self.products, default=0) + 1
        self.clock = 0
        self.written_keys: list[set[str]] = []

    def _touch(self, product: dict[str, Any]) -> None:
        self.clock += 1
        product["date_modified_gmt"] = f"2026-01-01T00:00:{self.clock:02d}"

    @staticmethod
    def apply_payload(product: dict[str, Any], payload: dict[str, Any]) -> None:
        for key, value in payload.items():
            if key == "id":
                continue
            if key == "meta_data":
                for entry in value:
                    metas = [m for m in product["meta_data"] if m["key"] != entry["key"]]
                    product["meta_data"] = [*metas, {"key": entry["key"], "value": entry["value"]}]
            elif key == "dimensions":
                product["dimensions"] = {**product["dimensions"], **value}
            elif key in ("categories", "tags"):
                product[key] = [{"id": term["id"]} for term in value]
            else:
                product[key] = value

    def create(self, payload: dict[str, Any]) -> int:
        product = json_product(self.next_id, payload["sku"], {})
        # a new product has the store's defaults for everything not sent
        self.apply_payload(product, payload)
        self._touch(product)
        self.products[self.next_id] = product
        self.written_keys.append(set(payload))
        self.next_id += 1
        return product["id"]

    def update(self, payload: dict[str, Any]) -> None:
        product = self.products[payload["id"]]
        self.apply_payload(product, payload)
        self._touch(product)
        self.written_keys.append(set(payload) - {"id"})

    def live(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(p) for p in self.products.values() if p["status"] != "trash"]


def json_product(pid: int, sku: str, values: dict[str, CanonicalValue]) -> dict[str, Any]:
    product: dict[str, Any] = {
        "id": pid,
        "sku": sku,
        "name": "",
        "status": "publish",
        "regular_price": "",
        "sale_price": "",
        "description": "",
        "stock_quantity": None,
        "manage_stock": False,
        "stock_status": "instock",
        "categories": [],
        "tags": [],
        "meta_data": [],
        "dimensions": {"length": "", "width": "", "height": ""},
        "weight": "",
        "date_modified_gmt": "2025-12-31T00:00:00",
        "date_created_gmt": "2025-01-01T00:00:00",
        "slug": f"p-{pid}",
    }
    ModelStore.apply_payload(product, to_payload(values))
    return product


def desired_frame(rows: list[tuple[int, str, dict[str, CanonicalValue]]], owned: list[str]):
    specs = owned_specs(owned)
    data: dict[str, list[Any]] = {"_line": [], "sku": []}
    for spec in specs:
        data[spec.name] = []
    for line, sku, values in rows:
        data["_line"].append(line)
        data["sku"].append(sku)
        for spec in specs:
            value = values.get(spec.name)
            data[spec.name].append(list(value) if isinstance(value, tuple) else value)
    schema: dict[str, pl.DataType] = {"_line": pl.Int64(), "sku": pl.String()}
    for spec in specs:
        schema[spec.name] = polars_dtype(spec)
    return pl.DataFrame(data, schema=schema)


def make_plan(store: ModelStore, owned: list[str], rows: list[Any]):
    mapping = SimpleNamespace(
        owned_fields=["sku", *owned],
        path=None,
        target=SimpleNamespace(resource="product", on_trashed="restore"),
    )
    records = SimpleNamespace(frame=desired_frame(rows, owned), rejected=[], source=None)
    feed_skus = {sku for _, sku, _ in rows}
    state = state_frame(
        [p for p in store.live() if p["sku"] in feed_skus], owned_specs(mapping.owned_fields)
    )
    return build_plan(mapping, records, state)


def apply(store: ModelStore, plan: Any, missing: list[Any]) -> None:
    for item in plan.creates:
        payload = dict(item.payload)
        # bulkio marks what it creates, so the missing policy can find it later
        payload["meta_data"] = [
            *payload.get("meta_data", []),
            *MARKER.create_payload()["meta_data"],
        ]
        store.create(payload)
    for item in plan.updates:
        store.update(item.payload)
    for item in missing:
        store.update(item.payload)


def owned_payload_keys(owned: list[str]) -> set[str]:
    keys = {"sku"}
    for name in owned:
        if name.startswith("meta:"):
            keys.add("meta_data")
        elif name.startswith("dimensions."):
            keys.add("dimensions")
        else:
            keys.add(name)
    return keys


@st.composite
def scenarios(draw: st.DrawFn):
    owned = draw(st.lists(st.sampled_from(ALL_FIELDS), min_size=1, max_size=6, unique=True))
    store_skus = draw(
        st.lists(st.from_regex(r"S[0-9]{1,3}", fullmatch=True), max_size=12, unique=True)
    )
    products = []
    for i, sku in enumerate(store_skus, start=1):
        values = draw(product_values())
        product = json_product(i, sku, values)
        if draw(st.booleans()):
            product["meta_data"].append({"key": "_bulkio_feed", "value": "feed"})
        products.append(product)
    hand_made = json_product(len(products) + 1, "HAND", draw(product_values()))
    products.append(hand_made)
    feed_skus = draw(
        st.lists(
            st.one_of(
                st.sampled_from([*store_skus, "HAND"]),
                st.from_regex(r"N[0-9]{1,3}", fullmatch=True),
            ),
            max_size=14,
            unique=True,
        )
    )
    rows = []
    for line, sku in enumerate(feed_skus, start=2):
        values = draw(product_values())
        # some cells empty with empty = "leave": the store's value stays
        leave = draw(st.sets(st.sampled_from(owned)))
        for name in leave:
            values[name] = None  # type: ignore[assignment]
        rows.append((line, sku, {k: v for k, v in values.items() if k in owned}))
    policy = draw(st.sampled_from(["ignore", "draft", "private", "out-of-stock"]))
    return owned, products, rows, policy


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_apply_then_plan_again_is_empty_and_only_owned_fields_are_written(scenario) -> None:
    owned, products, rows, policy = scenario
    store = ModelStore(copy.deepcopy(products))
    before = {p["id"]: copy.deepcopy(p) for p in products}

    plan = make_plan(store, owned, rows)
    feed_skus = {sku for _, sku, _ in rows}
    missing = plan_missing(store.live(), feed_skus, policy, manages=MARKER)
    apply(store, plan, missing)

    # 1. planning again against the new store state changes nothing
    again = make_plan(store, owned, rows)
    assert again.creates == [] and again.updates == [], (again.creates, again.updates)
    assert plan_missing(store.live(), feed_skus, policy, manages=MARKER) == []
    assert len(again.unchanged) == len(rows)

    # 2. the store now holds the feed's values for every owned field (null = left alone)
    by_sku = {p["sku"]: p for p in store.live()}
    assert len(by_sku) == len(store.live())  # no duplicate SKUs were created
    for _, sku, values in rows:
        product = by_sku[sku]
        for name, wanted in values.items():
            if wanted is None:
                continue
            spec = field_spec(name)
            assert spec is not None
            # as compared: a name is kept trimmed, as WordPress keeps titles
            assert canonical_from_store(spec, product) == canonicalise(spec, wanted), (sku, name)

    # 3. only owned fields were ever written (plus the creation marker), and products that are
    #    neither in the feed nor managed are untouched
    allowed = owned_payload_keys(owned) | {"meta_data"}
    for item in plan.creates + plan.updates:
        assert set(item.payload) - {"id"} <= owned_payload_keys(owned)
    for keys in store.written_keys:
        assert keys <= allowed | {"status", "stock_status", "stock_quantity"}
    for item in missing:
        assert item.sku not in feed_skus
        assert set(item.payload) - {"id"} <= {"status", "stock_status", "stock_quantity"}
        assert any(m["key"] == "_bulkio_feed" for m in before[item.id]["meta_data"])
    for pid, original in before.items():
        if original["sku"] not in feed_skus and not any(
            m["key"] == "_bulkio_feed" for m in original["meta_data"]
        ):
            assert store.products[pid] == original
        elif original["sku"] in feed_skus:
            # in the feed: fields it does not own keep their old values
            current = store.products[pid]
            for name in ALL_FIELDS:
                if name not in owned:
                    spec = field_spec(name)
                    assert canonical_from_store(spec, current) == canonical_from_store(
                        spec, original
                    )  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(scenarios())
def test_an_applied_plan_never_breaks_limits_when_run_again(scenario) -> None:
    owned, products, rows, policy = scenario
    store = ModelStore(copy.deepcopy(products))
    plan = make_plan(store, owned, rows)
    apply(store, plan, plan_missing(store.live(), {s for _, s, _ in rows}, policy, manages=MARKER))
    strict = Limits(
        max_changes=0,
        max_change_share=0.0,
        max_price_drop=0.0,
        max_price_rise=0.0,
        max_hide=0,
        min_rows_share=1.0,
    )
    again = make_plan(store, owned, rows)
    assert check_limits(again, strict, previous_rows=len(rows)) == []
