"""A corpus of broken feeds and mappings: each stops with a specific message, the right exit
code and no write request for anything invalid (proven by the sandbox's request log)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from bulkio.exitcodes import ExitCode
from bulkio.sandbox import Sandbox
from tests.safety.helpers import cli, store_args

CORPUS = Path(__file__).parent / "corpus"
USAGE, PARTIAL = int(ExitCode.USAGE), int(ExitCode.PARTIAL)

# (feed, mapping, exit code, fragments the message must contain)
CASES: list[tuple[str, str, int, list[str]]] = [
    # CSV feeds
    ("ragged-rows.csv", "base.toml", USAGE, ["ragged-rows.csv:3", "7 fields but the header has 5"]),
    (
        "wrong-encoding.csv",
        "base.toml",
        USAGE,
        ["wrong-encoding.csv:3", "cannot be decoded as utf-8", 'encoding = "cp1252"'],
    ),
    ("nul-bytes.csv", "base.toml", USAGE, ["nul-bytes.csv:3", "NUL byte"]),
    ("unterminated-quote.csv", "base.toml", USAGE, ["unterminated-quote.csv:2", "never closed"]),
    ("empty.csv", "base.toml", USAGE, ["empty.csv:1", "the file is empty"]),
    ("only-blank-lines.csv", "base.toml", USAGE, ["only-blank-lines.csv:1", "the file is empty"]),
    ("header-only.csv", "base.toml", USAGE, ["header-only.csv:1", "header but no rows"]),
    (
        "duplicate-headers.csv",
        "base.toml",
        USAGE,
        ["duplicate-headers.csv:1", "'price' appears twice"],
    ),
    ("semicolons.csv", "base.toml", USAGE, ["semicolons.csv:2", "check the delimiter"]),
    ("binary.csv", "base.toml", USAGE, ["binary.csv:1", "cannot be decoded"]),
    (
        "missing-column.csv",
        "base.toml",
        USAGE,
        [
            "base.toml: [fields.regular_price.column]",
            "missing-column.csv; its columns are: 'sku', 'name', 'stock', 'ean'",
        ],
    ),
    ("huge-sku.csv", "base.toml", PARTIAL, ["huge-sku.csv:2", "300000 characters long"]),
    (
        "negative-stock.csv",
        "base.toml",
        PARTIAL,
        ["negative-stock.csv:2", "[stock]", "'-4' must not be negative"],
    ),
    (
        "abc-price.csv",
        "base.toml",
        PARTIAL,
        ["abc-price.csv:2", "[price]", "'abc' is not a number"],
    ),
    ("negative-price.csv", "base.toml", PARTIAL, ["negative-price.csv:2", "must not be negative"]),
    (
        "fractional-stock.csv",
        "base.toml",
        PARTIAL,
        ["fractional-stock.csv:2", "'2.5' is not a whole number"],
    ),
    ("too-many-decimals.csv", "base.toml", PARTIAL, ["too-many-decimals.csv:2", "decimal places"]),
    ("empty-sku.csv", "base.toml", PARTIAL, ["empty-sku.csv:2", "no SKU"]),
    # XML feeds
    ("malformed.xml", "xml.toml", USAGE, ["malformed.xml:3", "not well-formed XML"]),
    (
        "external-entity.xml",
        "xml.toml",
        USAGE,
        ["external-entity.xml:2", "refuses them", "reading local files"],
    ),
    ("entity-bomb.xml", "xml.toml", USAGE, ["entity-bomb.xml:2", "entity-expansion bombs"]),
    (
        "wrong-record-path.xml",
        "xml.toml",
        USAGE,
        [
            "wrong-record-path.xml",
            "no element matches the record path '/catalog/item'",
            "/catalog/product",
        ],
    ),
    ("empty.xml", "xml.toml", USAGE, ["empty.xml", "no element found"]),
    ("xml-wrong-encoding.xml", "xml.toml", USAGE, ["xml-wrong-encoding.xml:2", "Invalid bytes"]),
    (
        "xml-abc-price.xml",
        "xml.toml",
        PARTIAL,
        # issue 14 #10: an XML row is named by record and file line, not "file:record"
        ["xml-abc-price.xml record 1 (line 3)", "'abc' is not a number"],
    ),
    # mappings
    (
        "good.csv",
        "unknown-top-key.toml",
        USAGE,
        ["unknown-top-key.toml: [sauce]", "unknown key", "did you mean 'source'"],
    ),
    (
        "good.csv",
        "unknown-field-option.toml",
        USAGE,
        ["unknown-field-option.toml: [fields.name.colum]", "did you mean 'column'"],
    ),
    (
        "good.csv",
        "wrong-type.toml",
        USAGE,
        ["wrong-type.toml: [source.delimiter]", "must be a string"],
    ),
    ("good.csv", "toml-syntax.toml", USAGE, ["toml-syntax.toml", "not valid TOML", "line 9"]),
    (
        "good.csv",
        "unknown-field.toml",
        USAGE,
        ["unknown-field.toml: [fields.regular_prize]", "did you mean 'regular_price'"],
    ),
    ("good.csv", "no-sku.toml", USAGE, ["no-sku.toml: [fields.sku]", "missing"]),
    (
        "good.csv",
        "bad-enum-constant.toml",
        USAGE,
        ["bad-enum-constant.toml: [fields.status.value]", "'publsh' is not one of"],
    ),
    (
        "good.csv",
        "bad-missing-policy.toml",
        USAGE,
        ["bad-missing-policy.toml: [target.missing]", "'vanish'"],
    ),
    (
        "good.csv",
        "bad-manages.toml",
        USAGE,
        ["bad-manages.toml: [target.manages.category]", "positive whole number"],
    ),
    (
        "good.csv",
        "missing-without-manages.toml",
        USAGE,
        ["missing-without-manages.toml: [target.missing]", "needs [target] manages"],
    ),
    (
        "good.csv",
        "delete-without-flag.toml",
        USAGE,
        ["delete-without-flag.toml: [target.missing]", "--allow-delete"],
    ),
    (
        "good.csv",
        "unknown-limit.toml",
        USAGE,
        ["unknown-limit.toml: [limits.max_cheese]", "did you mean 'max_changes'"],
    ),
    (
        "good.csv",
        "bad-limit-value.toml",
        USAGE,
        ["bad-limit-value.toml: [limits.max_price_drop]", "'lots' is not a percentage"],
    ),
    (
        "good.csv",
        "stock-owns-name.toml",
        USAGE,
        ["stock-owns-name.toml: [fields.name]", "stock mapping may only own"],
    ),
    (
        "good.csv",
        "bad-regex-filter.toml",
        USAGE,
        ["bad-regex-filter.toml: [filters[0].regex]", "not a valid regular expression"],
    ),
    (
        "good.csv",
        "wrong-encoding-name.toml",
        USAGE,
        ["wrong-encoding-name.toml: [source.encoding]", "'klingon-8'"],
    ),
    (
        "good.csv",
        "missing-column-mapping.toml",
        USAGE,
        ['missing-column-mapping.toml: [fields."meta:ean".column]', "good.csv; its columns are"],
    ),
    (
        "good.xml",
        "bad-xpath.toml",
        USAGE,
        ["bad-xpath.toml: [fields.name.column]", "not a valid XPath"],
    ),
]


@pytest.fixture(scope="module")
def store() -> Iterator[Sandbox]:
    """One empty store for the whole corpus: every case must leave it untouched."""
    with Sandbox() as sb:
        yield sb


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 30
    used = {name for case in CASES for name in case[:2]} | {"duplicate-skus.csv"}
    on_disk = {p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".xml", ".toml")}
    assert on_disk == used, on_disk ^ used  # no stray file, no case without its file


@pytest.mark.parametrize(
    ("feed", "mapping", "code", "fragments"), CASES, ids=[f"{c[0]}+{c[1]}" for c in CASES]
)
def test_broken_input_is_refused_precisely(
    store: Sandbox, tmp_path: Path, feed: str, mapping: str, code: int, fragments: list[str]
) -> None:
    store.clear_log()
    result = cli(
        "import",
        CORPUS / feed,
        "-m",
        CORPUS / mapping,
        "--quiet",
        "--runs-dir",
        tmp_path,
        *store_args(store),
    )
    assert isinstance(result.exception, SystemExit), result.exception  # never a traceback
    assert result.exit_code == code, result.output
    message = result.stderr
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "Traceback" not in message
    assert store.writes() == 0
    assert store.count(include_trash=True) == 0


def test_rejected_duplicate_rows_are_never_sent(sandbox_factory, tmp_path: Path) -> None:
    sb = sandbox_factory()
    sb.capture_bodies = True
    result = cli(
        "import",
        CORPUS / "duplicate-skus.csv",
        "-m",
        CORPUS / "base.toml",
        "--quiet",
        *store_args(sb),
    )
    assert result.exit_code == PARTIAL
    assert "duplicate-skus.csv:4" in result.stderr and "already appears on line 2" in result.stderr
    bodies = b"".join(entry.body or b"" for entry in sb.request_log if entry.is_write)
    assert b"A-1" in bodies and b"Shirt again" not in bodies  # the first row only
    assert sb.product_by_sku("A-1")["name"] == "Shirt"  # type: ignore[index]


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = b'<!ENTITY name "FETCHED">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_xml_never_fetches_a_dtd_or_reads_a_local_file(store: Sandbox, tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        secret_file = tmp_path / "local.dtd"
        secret_file.write_text('<!ENTITY name "LOCAL-FILE-CONTENT">')
        for system_id in (f"http://127.0.0.1:{server.server_port}/evil.dtd", secret_file.as_uri()):
            feed = tmp_path / "feed.xml"
            feed.write_text(
                '<?xml version="1.0"?>\n'
                f'<!DOCTYPE catalog SYSTEM "{system_id}">\n'
                "<catalog><item><sku>X-1</sku><name>&name;</name><price>1.00</price>"
                "<stock>1</stock></item></catalog>\n"
            )
            store.clear_log()
            result = cli(
                "import",
                feed,
                "-m",
                CORPUS / "xml.toml",
                "--dry-run",
                "--runs-dir",
                tmp_path,
                *store_args(store),
            )
            # The external DTD is not loaded, so &name; is never resolved: the feed is refused
            # or read without the entity's replacement text, never with it.
            assert result.exit_code in (0, USAGE), result.output
            assert "FETCHED" not in result.output and "LOCAL-FILE-CONTENT" not in result.output
            assert store.writes() == 0
        assert _Recorder.hits == []  # the DTD was never asked for
    finally:
        server.shutdown()
        server.server_close()
