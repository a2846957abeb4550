"""``bulkio sandbox``: run the local WooCommerce emulator until Ctrl-C.

Thin over :class:`bulkio.sandbox.Sandbox` (imported lazily: product code never needs it).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import click

from bulkio.cli.common import handle_errors
from bulkio.cli.jsonout import document, json_errors, json_option, quiet_option
from bulkio.errors import UsageError
from bulkio.scrub import echo_unscrubbed

PHP_LIKE = {
    "workers": 4,
    "cpus": 2,
    "per_request": 0.05,
    "per_item": (0.03, 0.06),
    "per_read_item": 0.0012,
}
"""Timings measured on WooCommerce 7.9 / PHP 8.2-FPM with 4 workers on 2 cores."""


def _seconds_range(value: str, option: str) -> float | tuple[float, float]:
    try:
        if "-" in value.strip("-"):
            low, high = value.split("-", 1)
            return (float(low), float(high))
        return float(value)
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is not a number of seconds or a LOW-HIGH range",
            hint="e.g. --per-item 0.03-0.06",
        ) from None


@click.command("sandbox")
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8080,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite file to keep the store (and its keys) between runs; default: in memory.",
)
@click.option(
    "--seed-products",
    type=int,
    default=0,
    show_default=True,
    help="Generate this many products (plus variations) into an empty store.",
)
@click.option(
    "--seed-orders", type=int, default=0, show_default=True, help="Generate this many orders."
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Seed for generated data and random faults (same seed, same store).",
)
@click.option(
    "--seed-cache",
    type=click.Path(file_okay=False),
    default=None,
    envvar="BULKIO_SANDBOX_SEED_CACHE",
    help="Directory caching generated stores: the same seeding loads in a blink.",
)
@click.option(
    "--batch-limit",
    type=int,
    default=100,
    show_default=True,
    help="Items a batch request may carry (woocommerce_rest_batch_items_limit).",
)
@click.option(
    "--wc-version",
    default="11.0.1",
    show_default=True,
    metavar="VERSION",
    help="The WooCommerce to play: 11.0.1 or 7.9.0 (measured; another number is placed "
    "between them). E.g. 7.9 lets a new product take a trashed product's SKU, has no GTIN.",
)
@click.option(
    "--images",
    type=click.Choice(["online", "offline"]),
    default="online",
    show_default=True,
    help="Image src URLs: loopback ones are downloaded either way; 'online' takes other "
    "hosts unfetched (a shop with internet), 'offline' fails them (no internet).",
)
@click.option("--tls", is_flag=True, help="Serve HTTPS with a throwaway CA (needs 'trustme').")
@click.option(
    "--assume-https",
    is_flag=True,
    help="Treat plain HTTP as HTTPS, so Basic auth and query keys are accepted.",
)
@click.option(
    "--home",
    default=None,
    help="Site address WordPress believes in, if not the served URL (OAuth signs over it).",
)
@click.option(
    "--rest-route-only",
    is_flag=True,
    help="Plain permalinks: /wp-json/ is a 404, only /?rest_route=/wc/v3/... answers.",
)
@click.option(
    "--old-rest-route-auth",
    is_flag=True,
    help="Emulate WooCommerce < 11.1: keys are not authenticated on ?rest_route=.",
)
@click.option(
    "--max-body-bytes",
    type=int,
    default=None,
    help="Refuse bigger request bodies with the web server's HTML 413 (nginx's default is "
    "1048576).",
)
@click.option(
    "--gmt-offset",
    type=float,
    default=0.0,
    show_default=True,
    help="Site timezone offset in hours (local date_* fields = GMT + this).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="SPEC",
    help="Inject trouble, repeatable: '503 route=products/batch p=0.2', '429 "
    "retry_after=2', 'latency 0.3 p=0.1', 'timeout 30', 'drop times=1'.",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Serve at most N requests at once; the rest queue (PHP-FPM workers).",
)
@click.option(
    "--cpus",
    type=int,
    default=None,
    help="At most N requests spend service time at once (PHP is CPU-bound: 4 workers on 2 "
    "cores do about twice the work of one).",
)
@click.option("--per-request", type=float, default=None, help="Seconds every request costs.")
@click.option(
    "--per-item",
    default=None,
    metavar="SECONDS|LOW-HIGH",
    help="Seconds per written item (batch items, single writes).",
)
@click.option(
    "--per-read-item", type=float, default=None, help="Seconds per resource returned by a read."
)
@click.option(
    "--php-like",
    is_flag=True,
    help="Timings of a small real store: 4 workers, 50 ms a request, 30-60 ms a "
    "written item (explicit options override).",
)
@json_option
@quiet_option
@handle_errors
@json_errors("sandbox")
def sandbox_command(
    port: int,
    db_path: str | None,
    seed_products: int,
    seed_orders: int,
    seed: int,
    seed_cache: str | None,
    batch_limit: int,
    wc_version: str,
    images: str,
    tls: bool,
    assume_https: bool,
    home: str | None,
    rest_route_only: bool,
    old_rest_route_auth: bool,
    max_body_bytes: int | None,
    gmt_offset: float,
    faults: tuple[str, ...],
    workers: int | None,
    cpus: int | None,
    per_request: float | None,
    per_item: str | None,
    per_read_item: float | None,
    php_like: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Run a local WooCommerce REST API (wc/v3) on 127.0.0.1 until Ctrl-C.

    Rehearse a mapping, try bulkio's commands, or test a client without touching a real shop.
    Prints the URL and the sandbox's own throwaway API keys; with --json one document
    (bulkio.sandbox/1: url, keys, …) as soon as the store answers, for a script that starts
    it in the background; with --quiet nothing at all.

    \b
    Examples:
      bulkio sandbox --seed-products 500 --seed-orders 200
      bulkio sandbox --db shop.sqlite --php-like --fault "503 route=products/batch p=0.1"
    """
    from bulkio.sandbox import FaultPlan, FaultRule, Sandbox

    plan_options: dict[str, Any] = dict(PHP_LIKE) if php_like else {}
    if workers is not None:
        plan_options["workers"] = workers
    if cpus is not None:
        plan_options["cpus"] = cpus
    if per_request is not None:
        plan_options["per_request"] = per_request
    if per_item is not None:
        plan_options["per_item"] = _seconds_range(per_item, "--per-item")
    if per_read_item is not None:
        plan_options["per_read_item"] = per_read_item
    rules = []
    for spec in faults:
        try:
            rules.append(FaultRule.parse(spec))
        except ValueError as error:
            raise UsageError(f"--fault {spec!r}: {error}") from None
    for name, value in (
        ("--port", port),
        ("--seed-products", seed_products),
        ("--seed-orders", seed_orders),
    ):
        if value < 0:
            raise UsageError(f"{name} must be 0 or more, not {value}")
    if batch_limit < 1:
        raise UsageError(f"--batch-limit must be at least 1, not {batch_limit}")
    from bulkio.sandbox.versions import WooVersion

    try:
        WooVersion(wc_version)
    except ValueError as error:
        raise UsageError(f"--wc-version: {error}") from None
    sandbox = Sandbox(
        db_path=db_path,
        batch_limit=batch_limit,
        tls=tls,
        assume_https=assume_https,
        seed_products=seed_products,
        seed_orders=seed_orders,
        seed=seed,
        faults=FaultPlan(rules=rules, seed=seed, **plan_options),
        port=port,
        home=home,
        rest_route_only=rest_route_only,
        rest_route_auth=not old_rest_route_auth,
        gmt_offset=gmt_offset,
        seed_cache=seed_cache,
        max_body_bytes=max_body_bytes,
        wc_version=wc_version,
        images=images,
    )
    try:
        sandbox.start()
    except OSError as error:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}",
            hint="choose another --port, or --port 0 for a free one",
        ) from None
    try:
        if as_json:
            _announce_json(sandbox, rules, plan_options)
        elif not quiet:
            _announce(sandbox, rules, plan_options)
        run_until_interrupted(sandbox)
    except KeyboardInterrupt:
        if not (quiet or as_json):
            click.echo("\nsandbox stopped.", err=True)
    finally:
        sandbox.stop()


def run_until_interrupted(sandbox: Any) -> None:
    """Block until Ctrl-C (a seam for tests, which replace it)."""
    threading.Event().wait()


def _announce_json(sandbox: Any, rules: list[Any], plan_options: dict[str, Any]) -> None:
    """The ``--json`` document (bulkio.sandbox/1, docs/cli.md), keys included on purpose."""
    body = {
        "ok": True,
        "url": sandbox.url,
        "api": f"{sandbox.url}/wp-json/wc/v3/",
        "home": sandbox.home,
        "wc_version": sandbox.version.text,
        "store": sandbox.db_path or None,
        "products": sandbox.count("product"),
        "orders": sandbox.count("shop_order"),
        "batch_limit": sandbox.batch_limit,
        "ca_bundle": str(sandbox.ca_cert_path) if sandbox.ca_cert_path else None,
        "keys": {
            permission: {"key": key, "secret": secret}
            for permission, (key, secret) in sandbox.keys.items()
        },
        "faults": [rule.describe() for rule in rules],
        "load_model": {k: list(v) if isinstance(v, tuple) else v for k, v in plan_options.items()},
    }
    # Past the scrubber that keeps real keys out of every output: these are throwaway ones.
    echo_unscrubbed(json.dumps(document("sandbox", body), indent=2, ensure_ascii=False))


def _announce(sandbox: Any, rules: list[Any], plan_options: dict[str, Any]) -> None:
    store = "in memory" if not sandbox.db_path else sandbox.db_path
    click.echo(
        f"bulkio sandbox: WooCommerce {sandbox.version.text} REST API at "
        f"{sandbox.url}/wp-json/wc/v3/"
    )
    click.echo(
        f"  store: {store}; {sandbox.count('product')} products, "
        f"{sandbox.count('shop_order')} orders; batch limit {sandbox.batch_limit}"
    )
    if sandbox.home != sandbox.url:
        click.echo(f"  site address (home): {sandbox.home}")
    if sandbox.ca_cert_path:
        click.echo(f"  CA certificate: {sandbox.ca_cert_path}  (use --ca-bundle with it)")
    click.echo("  sandbox API keys (throwaway, for this local store only):")
    # Shown on purpose, past the scrubber that keeps real keys out of every output.
    for permission, (key, secret) in sandbox.keys.items():
        echo_unscrubbed(f"    {permission:<10} key {key}  secret {secret}")
    for rule in rules:
        click.echo(f"  fault: {rule.describe()}")
    if plan_options:
        click.echo(f"  load model: {plan_options}")
    key, secret = sandbox.keys["read_write"]
    echo_unscrubbed(
        f"Try: bulkio doctor --url {sandbox.url} --key {key} --secret {secret}"
        + (f" --ca-bundle {sandbox.ca_cert_path}" if sandbox.ca_cert_path else "")
    )
    click.echo("Stop with Ctrl-C.")


COMMANDS: list[click.Command] = [sandbox_command]
