"""XML feeds: record paths, relative field paths, namespaces, lists, and a hardened parser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bulkio.errors import InputError, MappingError
from bulkio.mapping.model import SourceOptions
from bulkio.records import RecordSet
from bulkio.sources.xml import (
    BATCH_ROWS,
    VALUE_SEPARATOR,
    check_field_path,
    parse_record_path,
    read_xml,
)

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<catalog xmlns:g="http://base.google.com/ns/1.0">
  <meta><item>not a record: wrong depth</item></meta>
  <items>
    <item id="A1">
      <name>Gießkanne</name>
      <g:price currency="EUR">12.50</g:price>
      <g:price currency="USD">13.90</g:price>
      <cat>3</cat><cat>7</cat>
    </item>
    <item id="A2">
      <name>Spaten <b>extra</b></name>
      <g:price currency="EUR">20</g:price>
    </item>
  </items>
</catalog>
"""
NS = {"g": "http://base.google.com/ns/1.0"}


def _read(path: Path, record: str, paths: list[str], **kwargs: object) -> dict[str, list[object]]:
    """The frame as {column: values}, path columns as lists of the values each record matched."""
    options = SourceOptions(format="xml", record=record, namespaces=NS)
    frame = read_xml(path, options, paths, **kwargs).frame  # type: ignore[arg-type]
    data: dict[str, list[object]] = frame.to_dict(as_series=False)
    for column in paths:
        data[column] = [[] if v is None else str(v).split(VALUE_SEPARATOR) for v in data[column]]
    return data


def test_fields_attributes_namespaces_and_lists(write: Callable[..., Path]) -> None:
    path = write("feed.xml", FEED)
    data = _read(path, "/catalog/items/item", ["@id", "name", "g:price[@currency='EUR']", "cat"])
    assert data["_line"] == [1, 2]
    assert data["_source_line"] == [5, 11]
    assert data["@id"] == [["A1"], ["A2"]]
    assert data["name"] == [["Gießkanne"], ["Spaten extra"]]  # text content of nested markup
    assert data["g:price[@currency='EUR']"] == [["12.50"], ["20"]]
    assert data["cat"] == [["3", "7"], []]


def test_anywhere_record_path(write: Callable[..., Path]) -> None:
    data = _read(write("feed.xml", FEED), "//items/item", ["@id"])
    assert data["@id"] == [["A1"], ["A2"]]
    data = _read(write("feed.xml", FEED), "//item", ["@id"])
    assert data["@id"] == [[], ["A1"], ["A2"]]  # the one under <meta> too


def test_batches_are_joined(write: Callable[..., Path]) -> None:
    count = BATCH_ROWS + 5
    body = "".join(f'<p sku="S{i}"/>' for i in range(count))
    data = _read(write("big.xml", f"<root>{body}</root>"), "/root/p", ["@sku"])
    assert len(data["@sku"]) == count
    assert data["@sku"][-1] == [f"S{count - 1}"]
    assert data["_line"][-1] == count


def test_max_rows(write: Callable[..., Path]) -> None:
    body = "".join(f'<p sku="S{i}"/>' for i in range(50))
    data = _read(write("f.xml", f"<root>{body}</root>"), "/root/p", ["@sku"], max_rows=3)
    assert data["@sku"] == [["S0"], ["S1"], ["S2"]]


def test_no_matching_record_lists_paths(write: Callable[..., Path]) -> None:
    with pytest.raises(InputError) as caught:
        _read(write("feed.xml", FEED), "/catalog/item", ["@id"])
    assert "no element matches" in str(caught.value)
    assert "/catalog/items" in str(caught.value)


def test_default_namespace_needs_a_prefix(write: Callable[..., Path]) -> None:
    path = write("f.xml", '<feed xmlns="urn:x"><row id="1"/></feed>')
    with pytest.raises(InputError) as caught:
        read_xml(path, SourceOptions(format="xml", record="/feed/row"), ["@id"])
    # The hint names the namespace, a prefix to declare for it and the record path with it.
    assert 'ns = "urn:x"' in str(caught.value) and 'record = "/ns:feed/ns:row"' in str(caught.value)
    options = SourceOptions(format="xml", record="/x:feed/x:row", namespaces={"x": "urn:x"})
    assert read_xml(path, options, ["@id"]).frame["@id"].to_list() == ["1"]


def test_malformed_xml_names_line(write: Callable[..., Path]) -> None:
    path = write("bad.xml", "<root>\n<p sku='1'>\n</root>\n")
    with pytest.raises(InputError) as caught:
        _read(path, "/root/p", ["@sku"])
    assert caught.value.line == 3
    assert "bad.xml:3" in str(caught.value)


def test_external_entity_is_never_read(write: Callable[..., Path], tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = write(
        "xxe.xml",
        f'<?xml version="1.0"?>\n<!DOCTYPE root [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<root><p><name>&xxe;</name></p></root>\n",
    )
    with pytest.raises(InputError) as caught:
        _read(path, "/root/p", ["name"])
    assert "entities" in str(caught.value)
    assert "TOP-SECRET" not in str(caught.value)


def test_entity_bomb_is_refused(write: Callable[..., Path]) -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    path = write(
        "bomb.xml",
        f'<?xml version="1.0"?>\n<!DOCTYPE root [{"".join(levels)}]>\n'
        "<root><p><name>&lol9;</name></p></root>\n",
    )
    with pytest.raises(InputError, match="entities"):
        _read(path, "/root/p", ["name"])


def test_undeclared_entity_is_a_syntax_error(write: Callable[..., Path]) -> None:
    path = write("u.xml", "<root><p><name>&nope;</name></p></root>")
    with pytest.raises(InputError, match="not well-formed"):
        _read(path, "/root/p", ["name"])


def test_internal_doctype_without_entities_is_fine(write: Callable[..., Path]) -> None:
    path = write(
        "d.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE root [<!ELEMENT root ANY>]>\n'
        '<root><p sku="1"><name>a &amp; b &#233;</name></p></root>',
    )
    data = _read(path, "/root/p", ["@sku", "name"])
    assert data["@sku"] == [["1"]] and data["name"] == [["a & b é"]]


@pytest.mark.parametrize(
    "doctype",
    [
        'SYSTEM "http://127.0.0.1:{port}/feed.dtd"',
        'PUBLIC "-//Shop//Feed//EN" "http://127.0.0.1:{port}/feed.dtd"',
    ],
)
def test_doctype_with_an_external_dtd_is_refused_and_never_fetched(
    write: Callable[..., Path], doctype: str
) -> None:
    """The feed a supplier's tool writes with a DTD URL and an entity only that DTD defines:
    refused with file and line, and nothing connects to the DTD's address."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        path = write(
            "ext.xml",
            '<?xml version="1.0"?>\n'
            f"<!DOCTYPE root {doctype.format(port=port)}>\n"
            '<root>\n<p sku="1"><name>Spaten &trade;</name></p>\n</root>\n',
        )
        with pytest.raises(InputError) as caught:
            _read(path, "/root/p", ["name"])
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody came for the DTD
    assert caught.value.line == 2
    assert "ext.xml:2" in str(caught.value) and "external DTD" in str(caught.value)
    assert "&trade;" not in str(caught.value)


def test_parameter_entity_in_the_internal_subset_is_refused(write: Callable[..., Path]) -> None:
    """``%ext;`` pulls in declarations bulkio cannot see; libxml2 would then silently drop an
    undefined entity from an attribute (``x&nope;y`` → ``xy``)."""
    path = write(
        "pe.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE root [\n<!ELEMENT root ANY>\n%ext;\n]>\n'
        '<root><p sku="x&nope;y"><name>a</name></p></root>\n',
    )
    with pytest.raises(InputError) as caught:
        _read(path, "/root/p", ["@sku"])
    assert caught.value.line == 2 and "pe.xml:2" in str(caught.value)


def test_unresolved_entity_left_in_a_record_is_refused_with_its_line(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: were the DOCTYPE checks bypassed, ``&name;`` never becomes a value."""
    import bulkio.sources.xml as xml_source

    monkeypatch.setattr(xml_source, "_refuse_entity_prolog", lambda *args: None)
    monkeypatch.setattr(xml_source, "_refuse_entities", lambda *args: None)
    path = write(
        "u2.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE root SYSTEM "feed.dtd">\n<root>\n'
        '<p sku="1"><name>ok</name></p>\n<p sku="2">\n<name>Spaten &trade;</name></p>\n'
        "</root>\n",
    )
    with pytest.raises(InputError) as caught:
        _read(path, "/root/p", ["name"])
    assert caught.value.line == 6
    assert "u2.xml:6" in str(caught.value) and "&trade;" in str(caught.value)


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ("catalog/item", "must start with /"),
        ("/a/b[1]", "not an element name"),
        ("/x:a", "not declared"),
    ],
)
def test_bad_record_paths(record: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_record_path(record, {})


@pytest.mark.parametrize(
    ("path", "words"),
    [("/catalog/x", "absolute"), ("price[", "not a valid"), ("q:x", "not a valid")],
)
def test_bad_field_paths(path: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        check_field_path(path, {})


XML_MAPPING = """
[source]
format = "xml"
record = "/catalog/items/item"
[source.namespaces]
g = "http://base.google.com/ns/1.0"
[fields]
sku = "@id"
name = "name"
regular_price = "g:price"
"""


def test_repeated_element_for_single_field_is_rejected(run: Callable[..., RecordSet]) -> None:
    records = run(XML_MAPPING, FEED, "feed.xml")
    assert records.unit == "record"
    assert records.frame["sku"].to_list() == ["A2"]
    [error] = records.rejected
    assert (error.line, error.code, error.field) == (1, "multiple-values", "regular_price")
    assert "record starts on line 5" in error.message
    # issue 14 #10: the record and the file line it starts on
    assert error.source_line == 5
    assert str(error).startswith(f"{records.source} record 1 (line 5):")


def test_xml_mapping_field_path_checked_at_load(mapping_from: Callable[[str], object]) -> None:
    with pytest.raises(MappingError) as caught:
        mapping_from(XML_MAPPING.replace('name = "name"', 'name = "/catalog/name"'))
    assert caught.value.key == "fields.name.column"


def test_parser_itself_never_reads_external_entities(
    write: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: with both refusals switched off, the parser still reads no file."""
    import bulkio.sources.xml as xml_source

    monkeypatch.setattr(xml_source, "_refuse_entity_prolog", lambda *args: None)
    monkeypatch.setattr(xml_source, "_refuse_entities", lambda *args: None)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = write(
        "xxe.xml",
        f'<?xml version="1.0"?>\n<!DOCTYPE root [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<root><p><name>before &xxe; after</name></p></root>\n",
    )
    try:
        data = _read(path, "/root/p", ["name"])
    except InputError as error:  # libxml2 may also refuse the undefined-looking entity
        assert "TOP-SECRET" not in str(error)
    else:
        assert "TOP-SECRET" not in str(data["name"])


def test_release_frees_finished_records() -> None:
    from lxml import etree

    from bulkio.sources.xml import _release

    root = etree.fromstring("<r><p><a>1</a></p><p><a>2</a></p><p><a>3</a></p><q/></r>")
    third = root[2]
    _release(third)
    assert [child.tag for child in root] == ["p", "q"]  # earlier siblings deleted
    assert len(root[0]) == 0  # the record itself cleared


def test_release_frees_finished_groups_too() -> None:
    from lxml import etree

    from bulkio.sources.xml import _release

    root = etree.fromstring(
        "<c><head/><g><p>1</p></g><g><p>2</p><p>3</p></g><g><p>4</p><p>5</p></g></c>"
    )
    last_group = root[3]
    _release(last_group[1])
    assert [child.tag for child in root] == ["g"]  # head and finished groups gone
    assert [len(p) for p in last_group] == [0]


def test_grouped_records_are_all_read(write: Callable[..., Path]) -> None:
    body = "".join(
        f"<g n='{g}'>" + "".join(f'<p id="{g}-{i}"/>' for i in range(3)) + "</g>" for g in range(4)
    )
    data = _read(
        write("g.xml", f"<c><head><p id='no'/></head>{body}</c>"), "/c/g/p", ["@id", "../@n"]
    )
    assert [v[0] for v in data["@id"]] == [f"{g}-{i}" for g in range(4) for i in range(3)]
    assert [v[0] for v in data["../@n"]] == [str(g) for g in range(4) for _ in range(3)]
