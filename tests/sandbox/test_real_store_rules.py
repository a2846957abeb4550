"""Rules the sandbox took from recordings of real stores (tests/conformance): text in and out,
image downloads, per-version fields, and the order of same-second products."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.cli import sandbox as sandbox_cli
from bulkio.sandbox import Sandbox
from bulkio.sandbox.text import kses_post, render_short_description, term_name, wpautop
from tests.conformance.harness import image_server
from tests.sandbox.helpers import basic_client


def test_kses_keeps_post_html_and_escapes_the_rest() -> None:
    assert kses_post("Shirt & Co") == "Shirt &amp; Co"
    assert kses_post("&amp; &#8211; &copy; &bogus;") == "&amp; &#8211; &copy; &amp;bogus;"
    assert kses_post("a < b") == "a &lt; b" and kses_post("5 > 3") == "5 &gt; 3"
    assert kses_post("a < b, 5 > 3") == "a <b> 3"  # "< b, 5 >" reads as a <b> tag, as in WP
    assert kses_post('<p class="x" onclick="y()">P</p><script>s()</script>') == (
        '<p class="x">P</p>s()'
    )
    assert kses_post('<a href="javascript:alert(1)" title="t">x</a>') == (
        '<a href="alert(1)" title="t">x</a>'
    )
    assert kses_post('Tom\'s "Best"') == 'Tom\'s "Best"'  # quotes are left alone
    assert term_name("  Werkzeug <b>&</b>\n Co ") == "Werkzeug &amp; Co"


def test_view_rendering() -> None:
    assert wpautop("Einfach") == "<p>Einfach</p>\n"
    assert wpautop("a\nb\n\nc") == "<p>a<br />\nb</p>\n<p>c</p>\n"
    assert wpautop("<ul>\n<li>x</li>\n</ul>\nText") == "<ul>\n<li>x</li>\n</ul>\n<p>Text</p>\n"
    assert render_short_description('"Hi" -- it\'s 3x4...') == (
        "<p>&#8220;Hi&#8221; &#8212; it&#8217;s 3&#215;4&#8230;</p>\n"
    )
    assert render_short_description('<code>"x"</code>') == '<p><code>"x"</code></p>\n'


def test_view_and_edit_contexts_over_http(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(assume_https=True)
    with basic_client(sb) as api:
        created = api.post(
            "products",
            json={"name": "A & B", "description": "Eins\n\nZwei", "short_description": '"q"'},
        ).json()
        assert created["name"] == "A &amp; B" and created["description"] == "Eins\n\nZwei"
        view = api.get(f"products/{created['id']}").json()
        assert view["description"] == "<p>Eins</p>\n<p>Zwei</p>\n"
        assert view["short_description"] == "<p>&#8220;q&#8221;</p>\n"
        edit = api.get(f"products/{created['id']}", params={"context": "edit"}).json()
        assert (edit["description"], edit["short_description"]) == ("Eins\n\nZwei", '"q"')
        listed = api.get("products", params={"context": "edit"}).json()
        assert listed[0]["description"] == "Eins\n\nZwei"


@pytest.mark.parametrize("version", ["7.9.0", "11.0.1"])
def test_version_fields(sandbox_factory: Callable[..., Sandbox], version: str) -> None:
    sb = sandbox_factory(assume_https=True, wc_version=version)
    modern = version == "11.0.1"
    with basic_client(sb) as api:
        product = api.post(
            "products",
            json={
                "name": "V",
                "type": "variable",
                "global_unique_id": "4006381333931",
                "attributes": [
                    {"name": "Color", "options": ["Red"], "variation": True},
                    {"name": "Size", "options": ["S"], "variation": True},
                ],
            },
        ).json()
        assert ("global_unique_id" in product, "brands" in product) == (modern, modern)
        assert product.get("global_unique_id", "4006381333931") == "4006381333931"
        variation = api.post(
            f"products/{product['id']}/variations",
            json={"attributes": [{"name": "Color", "option": "Red"}, {"name": "Size"}]},
        ).json()
        # "any" (no option) is not answered; 11.x adds the slug and a name of the values
        expected: dict[str, Any] = {"id": 0, "name": "Color", "option": "Red"}
        if modern:
            expected["slug"] = "color"
        assert variation["attributes"] == [expected]
        assert variation.get("name") == ("Red" if modern else None)
        links = api.get(f"products/{product['id']}").json()["_links"]["self"][0]
        assert ("targetHints" in links) == modern
    assert sb.version.text == version and repr(sb).count(version) == 1


def test_images_are_downloaded_from_the_loopback(sandbox_factory: Callable[..., Sandbox]) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with image_server() as base:
        port = int(base.rsplit(":", 1)[1])
        sb = sandbox_factory(assume_https=True, image_ports=(port, closed))
        with basic_client(sb) as api:

            def create(src: str) -> httpx.Response:
                return api.post("products", json={"name": "I", "images": [{"src": src}]})

            good = create(f"{base}/a.png")
            assert good.status_code == 201 and good.json()["images"][0]["name"] == "a.png"
            assert "position" not in good.json()["images"][0]
            # the store serves its copy, so another store can download it again
            assert httpx.get(good.json()["images"][0]["src"]).content.startswith(b"\x89PNG")
            assert create(f"{base}/missing.png").json()["message"].endswith("Error: Not Found")
            assert create(f"{base}/a.txt").json()["message"] == (
                "Invalid image: Sorry, you are not allowed to upload this file type."
            )
            refused = create(f"http://127.0.0.1:{closed}/x.png").json()
            assert refused["code"] == "woocommerce_product_image_upload_error"
            assert refused["message"] == (
                f"Error getting remote image http://127.0.0.1:{closed}/x.png. Error: cURL error "
                f"7: Failed to connect to 127.0.0.1 port {closed} after 0 ms: Couldn't connect "
                "to server"
            )
            assert (
                create("http://127.0.0.1:1/x.png")
                .json()["message"]
                .endswith("Error: A valid URL was not provided.")
            )
            # online (the default): other hosts are taken without a download
            assert create("https://img.example.com/x.jpg").status_code == 201
            assert sb.count() == 2


def test_offline_images_fail_other_hosts(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(assume_https=True, images="offline")
    with basic_client(sb) as api:
        answer = api.post(
            "products", json={"name": "I", "images": [{"src": "https://img.example.com/x.jpg"}]}
        )
    assert answer.status_code == 400 and "no internet" in answer.json()["message"]
    assert sb.count() == 0


def test_same_second_products_come_back_in_varying_order_by_date(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(assume_https=True)
    with basic_client(sb) as api:
        api.post(
            "products/batch",
            json={
                "create": [
                    {"name": f"P{i}", "date_created_gmt": "2025-01-01T00:00:00"} for i in range(12)
                ]
            },
        )
        by_date = {
            tuple(p["id"] for p in api.get("products", params={"per_page": 100}).json())
            for _ in range(8)
        }
        by_id = {
            tuple(
                p["id"]
                for p in api.get("products", params={"per_page": 100, "orderby": "id"}).json()
            )
            for _ in range(4)
        }
    assert len(by_date) > 1  # MariaDB leaves ties in no fixed order
    assert len(by_id) == 1 and list(next(iter(by_id))) == sorted(next(iter(by_id)), reverse=True)


def test_cli_plays_a_version(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def exercise(sb: Any) -> None:
        seen["version"] = sb.version.text
        seen["images"] = sb.images
        raise KeyboardInterrupt

    monkeypatch.setattr(sandbox_cli, "run_until_interrupted", exercise)
    result = CliRunner().invoke(
        main, ["sandbox", "--port", "0", "--wc-version", "7.9.0", "--images", "offline"]
    )
    assert result.exit_code == 0, result.output
    assert seen == {"version": "7.9.0", "images": "offline"}
    assert "WooCommerce 7.9.0 REST API" in result.output
    bad = CliRunner().invoke(main, ["sandbox", "--port", "0", "--wc-version", "latest"])
    assert bad.exit_code == 2 and "--wc-version" in bad.output
