"""Import and apply over real HTTP against the sandbox on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkio.apply import ApplyResult, apply_plan, check_plan
from bulkio.plan import Plan
from bulkio.sandbox import FaultPlan, FaultRule, Sandbox
from bulkio.store import StoreClient
from tests.importing.conftest import (
    Feed,
    age_products,
    feed_rows,
    make_plan,
    run_import,
    store_state,
)

ClientFor = Callable[..., StoreClient]
MakeFeed = Callable[..., Feed]


def seed(sb: Sandbox, rows: list[dict[str, str]]) -> None:
    for row in rows:
        sb.create_product(
            {
                "sku": row["sku"],
                "name": row["name"],
                "regular_price": row["price"],
                "manage_stock": True,
                "stock_quantity": int(row["stock"]),
                "meta_data": [{"key": "ean", "value": row["ean"]}],
                "description": "written by hand",
            }
        )


def test_import_creates_updates_and_a_second_run_writes_nothing(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    existing = feed_rows(5)
    seed(sandbox, existing)
    rows = feed_rows(8)
    rows[0]["price"] = "12.5"  # a real change
    rows[1]["price"] = "10"  # same price written differently: no change
    feed = make_feed(rows)
    client = client_for(sandbox)

    plan, result = run_import(client, feed)
    assert [item.sku for item in plan.updates] == ["T-0001"]
    assert [item.sku for item in plan.creates] == ["T-0006", "T-0007", "T-0008"]
    assert result.counts()["created"] == 3 and result.counts()["updated"] == 1
    assert result.counts()["unchanged"] == 4 and result.complete
    product = sandbox.product_by_sku("T-0001")
    assert product is not None
    assert product["regular_price"] == "12.50"
    assert product["description"] == "written by hand"  # not owned: never touched
    assert {o.line for o in result.outcomes} == {2, 7, 8, 9}

    sandbox.clear_log()
    plan2, result2 = run_import(client, feed)
    assert not plan2.has_changes and len(plan2.unchanged) == 8
    assert sandbox.writes() == 0, [e.route for e in sandbox.request_log if e.is_write]
    assert result2.writes == 0


def test_store_state_is_read_with_few_requests_and_only_owned_fields(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    seed(sandbox, feed_rows(250))
    client = client_for(sandbox)
    sandbox.clear_log()
    plan = make_plan(client, make_feed(feed_rows(250)))
    assert len(plan.unchanged) == 250
    reads = [e for e in sandbox.request_log if e.route.endswith("/products")]
    # 250 SKUs: a 1-item probe, then 3 pages of the 250-product catalog (3 SKU chunks would
    # tie; the catalog wins only when cheaper) — never one request per SKU.
    assert len(reads) <= 4
    for entry in reads:
        fields = set(entry.query.get("_fields", "").split(","))
        assert "description" not in fields and fields <= {
            "id",
            "sku",
            "status",
            "date_modified_gmt",
            "name",
            "regular_price",
            "stock_quantity",
            "manage_stock",
            "meta_data",
            "parent_id",
        }


def test_large_catalog_small_feed_reads_by_sku(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    sb = sandbox_factory()
    seed(sb, feed_rows(150))
    client = client_for(sb)
    sb.clear_log()
    plan = make_plan(client, make_feed(feed_rows(3, start=20)))
    assert len(plan.unchanged) == 3
    product_reads = [e for e in sb.request_log if e.route.endswith("/products")]
    assert len(product_reads) == 1 and "sku" in product_reads[0].query


def test_per_item_errors_are_matched_to_file_lines(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    seed(sandbox, feed_rows(3))
    rows = feed_rows(3)
    for row in rows:
        row["name"] += " v2"
    client = client_for(sandbox)
    plan = make_plan(client, make_feed(rows))
    gone = sandbox.product_by_sku("T-0002")
    assert gone is not None
    sandbox.db.db.execute("DELETE FROM posts WHERE id = ?", (gone["id"],))
    result = apply_plan(client, plan)
    failed = [o for o in result.outcomes if o.outcome == "failed"]
    assert [(o.line, o.sku) for o in failed] == [(3, "T-0002")]
    assert failed[0].code == "woocommerce_rest_product_invalid_id"
    assert result.counts()["updated"] == 2 and not result.complete


def test_413_shrinks_the_chunks_and_everything_lands(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    sb = sandbox_factory(batch_limit=7)
    client = client_for(sb)
    _, result = run_import(client, make_feed(feed_rows(30)), batch_size=20, concurrency=2)
    assert result.counts()["created"] == 30 and result.complete
    assert result.batch_limit == 7  # learned from "Unable to accept more than 7 items"
    batches = [e for e in sb.request_log if e.route.endswith("/products/batch")]
    assert 1 <= sum(e.status == 413 for e in batches) <= 2  # one per chunk already in flight
    assert all(e.batch_items <= 7 for e in batches if e.status == 200)
    assert sb.count() == 30


def test_a_chunk_failing_as_a_whole_is_bisected_to_the_failing_item(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    # Four 500s in a row with no retries: 8 items → 4 → 2 → 1 fail; the first item is isolated
    # as failed and the other seven are applied in the halves that follow.
    faults = FaultPlan(rules=[FaultRule.error(500, route="products/batch", times=4)])
    sb = sandbox_factory(faults=faults)
    client = client_for(sb, max_attempts=1)
    _, result = run_import(client, make_feed(feed_rows(8)), concurrency=1)
    failed = [o for o in result.outcomes if o.outcome == "failed"]
    assert [(o.line, o.sku) for o in failed] == [(2, "T-0001")]
    assert result.counts()["created"] == 7
    assert sb.product_by_sku("T-0001") is None and sb.count() == 7
    batches = [e for e in sb.request_log if e.route.endswith("/products/batch")]
    assert [e.status for e in batches] == [500, 500, 500, 500, 200, 200, 200]
    assert [e.batch_items for e in batches if e.status == 200] == [1, 2, 4]


def test_lost_response_converges_without_duplicates(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    faults = FaultPlan(rules=[FaultRule.drop_after_commit(route="products/batch", times=1)])
    sb = sandbox_factory(faults=faults)
    client = client_for(sb)
    feed = make_feed(feed_rows(12))
    _, result = run_import(client, feed)
    assert result.complete, result.problems
    assert result.counts()["created"] == 12
    assert any(o.code == "reconciled" for o in result.outcomes)
    assert len(store_state(sb)) == 12 and sb.count(include_trash=True) == 12
    sb.clear_log()
    plan, _ = run_import(client, feed)
    assert not plan.has_changes and sb.writes() == 0


def test_an_existing_sku_with_other_values_becomes_an_update_not_a_duplicate(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    client = client_for(sandbox)
    plan = make_plan(client, make_feed(feed_rows(2)))
    assert len(plan.creates) == 2
    # Someone (a killed earlier run, another tool) creates one of them in between.
    sandbox.create_product({"sku": "T-0002", "name": "Other", "regular_price": "1.00"})
    result = apply_plan(client, plan)
    assert result.complete
    outcome = {o.sku: o for o in result.outcomes}
    assert outcome["T-0002"].outcome == "updated"
    assert store_state(sandbox)["T-0002"]["name"] == "Product 2"
    assert sandbox.count() == 2


def test_apply_refuses_records_changed_since_the_plan(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    seed(sandbox, feed_rows(3))
    age_products(sandbox)
    rows = feed_rows(3, price="20.00")
    client = client_for(sandbox)
    plan = Plan.from_json(make_plan(client, make_feed(rows)).to_json())
    assert len(plan.updates) == 3
    target = sandbox.product_by_sku("T-0002")
    assert target is not None
    client.put(f"products/{target['id']}", {"regular_price": "99.00"})

    fresh, refused = check_plan(client, plan)
    assert [(o.sku, o.outcome, o.code) for o in refused] == [
        ("T-0002", "refused", "changed_since_plan")
    ]
    result = apply_plan(client, fresh, prior=refused)
    assert result.counts()["updated"] == 2 and result.counts()["refused"] == 1
    assert store_state(sandbox)["T-0002"]["regular_price"] == "99.00"  # not overwritten
    assert store_state(sandbox)["T-0001"]["regular_price"] == "20.00"

    # Applying the same plan again: the applied rows are recognised, nothing is written.
    sandbox.clear_log()
    again, refused_again = check_plan(client, plan)
    assert not again.has_changes
    assert sorted(o.outcome for o in refused_again) == ["refused", "unchanged", "unchanged"]
    assert sandbox.writes() == 0


def test_trashed_sku_is_restored_by_default(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    seed(sandbox, feed_rows(1))
    client = client_for(sandbox)
    trashed = sandbox.product_by_sku("T-0001")
    assert trashed is not None
    client.delete(f"products/{trashed['id']}")
    plan, result = run_import(client, make_feed(feed_rows(1, price="11.00")))
    assert [(t.sku, t.trashed_id, t.decision) for t in plan.trashed] == [
        ("T-0001", trashed["id"], "restore")
    ]
    assert plan.creates == [] and result.counts()["updated"] == 1
    product = sandbox.product(trashed["id"])
    assert product["status"] == "publish" and product["regular_price"] == "11.00"
    assert sandbox.count(include_trash=True) == 1


def import_over_a_trashed_sku(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> tuple[dict[str, Any], Plan, ApplyResult]:
    """Seed T-0001, move it to the trash, import it again with on_trashed = "create":
    (the trashed product, the plan, the apply result)."""
    seed(sandbox, feed_rows(1))
    client = client_for(sandbox)
    trashed = sandbox.product_by_sku("T-0001")
    assert trashed is not None
    client.delete(f"products/{trashed['id']}")
    plan, result = run_import(client, make_feed(feed_rows(1), on_trashed="create"))
    return trashed, plan, result


def test_trashed_sku_can_make_a_new_product_instead(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    # WooCommerce 7.9 lets a new product take a SKU a trashed product holds; 11.x refuses
    # (woocommerce_rest_product_not_created, "already present in the lookup table").
    sandbox = sandbox_factory(wc_version="7.9.0")
    trashed, plan, result = import_over_a_trashed_sku(sandbox, client_for, make_feed)
    assert len(plan.creates) == 1 and plan.trashed[0].decision == "create"
    assert result.counts()["created"] == 1
    assert sandbox.product(trashed["id"])["status"] == "trash"
    assert sandbox.count() == 1 and sandbox.count(include_trash=True) == 2


def test_a_store_refusing_a_trashed_sku_fails_the_row_with_the_way_out(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    # WooCommerce 11.x refuses the create: the row fails naming the trashed product and what
    # to do (restore it, or empty it from the trash), and nothing is created.
    sandbox = sandbox_factory(wc_version="11.0.1")
    trashed, _plan, result = import_over_a_trashed_sku(sandbox, client_for, make_feed)
    (failed,) = [o for o in result.outcomes if o.outcome == "failed"]
    assert failed.code == "woocommerce_rest_product_not_created"
    assert f"#{trashed['id']}" in (failed.message or "") and "restore" in (failed.message or "")
    assert sandbox.count() == 0 and sandbox.count(include_trash=True) == 1


def test_a_store_that_stops_answering_is_not_bisected_to_death(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    client = client_for(sandbox, max_attempts=1)
    plan = make_plan(client, make_feed(feed_rows(8)))
    sandbox.clear_log()
    sandbox.faults = FaultPlan(rules=[FaultRule.timeout(0.05, route="*")])
    result = apply_plan(client, plan, concurrency=1)
    assert result.store_unreachable
    assert result.counts()["failed"] == 8 and sandbox.count() == 0
    # one batch, one probe to tell "store down" from "bad chunk"; no splitting after that
    assert len(sandbox.request_log) == 2


def test_a_saved_plan_restoring_a_trashed_product_applies_once(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    seed(sandbox, feed_rows(1))
    client = client_for(sandbox)
    trashed = sandbox.product_by_sku("T-0001")
    assert trashed is not None
    client.delete(f"products/{trashed['id']}")
    plan = Plan.from_json(make_plan(client, make_feed(feed_rows(1, price="12.00"))).to_json())
    assert plan.updates[0].base_status == "trash"

    fresh, dropped = check_plan(client, plan)
    assert dropped == [] and len(fresh.updates) == 1
    result = apply_plan(client, fresh, prior=dropped)
    assert result.counts()["updated"] == 1
    assert sandbox.product(trashed["id"])["status"] == "publish"

    sandbox.clear_log()
    again, dropped_again = check_plan(client, plan)
    assert not again.has_changes
    assert [(o.outcome, o.code) for o in dropped_again] == [("unchanged", "already_applied")]
    assert sandbox.writes() == 0


def test_a_sku_held_by_a_variation_is_rejected_not_written(
    sandbox: Sandbox, client_for: ClientFor, make_feed: MakeFeed
) -> None:
    client = client_for(sandbox)
    parent = client.post("products", {"name": "Shirt", "type": "variable", "sku": "SHIRT"})
    variation = client.post(
        f"products/{parent['id']}/variations", {"sku": "T-0002", "regular_price": "5.00"}
    )
    sandbox.clear_log()
    plan, result = run_import(client, make_feed(feed_rows(3)))
    (rejection,) = plan.rejected
    assert (rejection.line, rejection.sku, rejection.code) == (3, "T-0002", "sku_is_variation")
    assert f"#{variation['id']}" in rejection.message
    assert [item.sku for item in plan.creates] == ["T-0001", "T-0003"]
    assert result.counts()["created"] == 2
    assert (
        client.get(f"products/{parent['id']}/variations/{variation['id']}")["regular_price"]
        == "5.00"
    )


def test_slow_batches_make_the_following_ones_smaller(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    sb = sandbox_factory(faults=FaultPlan(per_item=0.01))
    client = client_for(sb)
    plan = make_plan(client, make_feed(feed_rows(200)))
    result = apply_plan(client, plan, concurrency=1, target_seconds=0.4)
    assert result.complete and result.counts()["created"] == 200
    sizes = [e.batch_items for e in sb.request_log if e.route.endswith("/products/batch")]
    assert sizes[0] == 100  # ~1 s for 100 items: 2.5x over the target
    assert result.batch_limit <= 45 and max(sizes[1:]) <= 45
    assert sum(sizes) == 200


def test_a_batch_that_times_out_while_the_store_saves_it_is_reconciled(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    # The proxy gives up after 0.3 s; the store finishes saving anyway (woocommerce#26029).
    rule = FaultRule.timeout(0.6, commit=True, route="products/batch", times=1)
    sb = sandbox_factory(faults=FaultPlan(rules=[rule]))
    client = client_for(sb, timeout=0.3)
    feed = make_feed(feed_rows(10))
    _, result = run_import(client, feed)
    assert result.complete, result.problems
    assert result.counts()["created"] == 10
    assert any(o.code == "reconciled" for o in result.outcomes)
    assert len(store_state(sb)) == 10 and sb.count(include_trash=True) == 10


def test_several_chunks_are_in_flight_at_once(
    sandbox_factory: Callable[..., Sandbox], client_for: ClientFor, make_feed: MakeFeed
) -> None:
    sb = sandbox_factory(faults=FaultPlan(per_item=0.01))
    client = client_for(sb, max_concurrency=4)
    _, result = run_import(client, make_feed(feed_rows(100)), concurrency=4)
    assert result.counts()["created"] == 100
    batches = [e for e in sb.request_log if e.route.endswith("/products/batch")]
    assert [e.batch_items for e in batches] == [25, 25, 25, 25]  # spread over the workers
    spans = [(e.started, e.started + e.duration) for e in batches]
    most_at_once = max(sum(1 for s, end in spans if s <= start < end) for start, _ in spans)
    assert most_at_once >= 2
