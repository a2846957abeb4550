"""XML field paths compiled into one walk of each record's children (the fast extraction).

Evaluating every field path with XPath on every record costs a Python → libxml2 round trip,
a result list and a conversion per path and record: for a 13-path mapping that was about
three quarters of the reading time, against a parse that costs less than a quarter. Most
mapping paths are simple: an attribute (``@id``), a child (``title``, ``g:price``), a nested
child or attribute (``logistics/size/@length``), a child chosen by an attribute
(``g:price[@currency='EUR']``) or the first of alternatives (``(g:title | title)[1]``).
Those are compiled once into a :class:`RecordPlan`: a table from element tag to what to take
from it, so each record's children are visited once and each value read once.

Any other path — functions, axes (``..``, ``following-sibling::``), positions, comparisons
with child elements, ``text()``, wildcards, variables — is left to XPath (evaluated per
record as before); :func:`compile_path` returns None for it. The walker gives exactly what
XPath gives for the paths it accepts (``tests/mapping/test_xml_walker.py`` compares both on
every shipped XML sample and on each path form):

* an element's value is its text content (``"".join(itertext())``, as the XPath reader
  reads element results), an attribute's value its value; an element without text is ``""``
  (present) and a path that matched nothing is None (missing);
* several matches are joined by :data:`VALUE_SEPARATOR` in document order (an element
  before its attributes, both before its descendants), and ``(…)[1]`` keeps the first;
* names are compared in Clark notation (``{uri}local``), so a prefix means what
  ``[source.namespaces]`` binds it to and an unprefixed name means no namespace, as in XPath.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

VALUE_SEPARATOR = "\x1f"
"""Joins the values of a path that matched several elements. XML 1.0 cannot contain this
character, so it never collides with data; building plain text columns is many times faster
than building list columns value by value."""

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<literal>"[^"]*"|'[^']*')
      | (?P<name>[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)
      | (?P<symbol>[()\[\]|/@=])
      | (?P<number>\d+)
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Step:
    """One element step of a path: a tag (Clark notation) and attribute tests on it."""

    tag: str
    tests: tuple[tuple[str, str | None], ...] = ()
    """``(attribute, value)``: the attribute must equal the value; ``(attribute, None)``: it
    must exist."""


@dataclass(frozen=True)
class Branch:
    """A plain location path: element steps, then optionally one attribute."""

    steps: tuple[Step, ...]
    attribute: str | None = None


@dataclass(frozen=True)
class CompiledPath:
    """A field path the walker can follow: branches (a union) and whether only the first
    match in document order counts (``(…)[1]``)."""

    branches: tuple[Branch, ...]
    first_only: bool = False


class _Unsupported(Exception):
    """The path uses XPath the walker does not follow (it goes to XPath)."""


def _tokens(path: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = path.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup in (None, "other"):
            raise _Unsupported
        kind = match.lastgroup
        value = match.group(kind)
        # A name before "(" is a function or a node test (text(), node()); before "::" an
        # axis: neither is a plain name.
        rest = text[match.end() :].lstrip()
        if kind == "name" and (rest.startswith("(") or rest.startswith("::")):
            raise _Unsupported
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the subset of XPath 1.0 the walker follows.

    ``union := branch ('|' branch)*``; ``path := union | '(' union ')' '[1]'``;
    ``branch := step ('/' step)* ('/' '@' name)? | '@' name``;
    ``step := name ('[' '@' name ('=' literal)? ']')*``.
    """

    def __init__(self, path: str, namespaces: dict[str, str]) -> None:
        self.tokens = _tokens(path)
        self.index = 0
        self.namespaces = namespaces

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise _Unsupported
        self.index += 1
        return token[1]

    def at(self, kind: str, value: str | None = None) -> bool:
        token = self.peek()
        return token is not None and token[0] == kind and (value is None or token[1] == value)

    def name(self) -> str:
        qname = self.take("name")
        if ":" not in qname:
            return qname
        prefix, local = qname.split(":", 1)
        uri = self.namespaces.get(prefix)
        if not uri:  # XPath reports the undeclared prefix; leave it that message
            raise _Unsupported
        return f"{{{uri}}}{local}"

    def parse(self) -> CompiledPath:
        if self.at("symbol", "("):
            self.take("symbol", "(")
            branches = self.union()
            self.take("symbol", ")")
            self.take("symbol", "[")
            self.take("number", "1")
            self.take("symbol", "]")
            compiled = CompiledPath(branches, first_only=True)
        else:
            compiled = CompiledPath(self.union())
        if self.peek() is not None:
            raise _Unsupported
        return compiled

    def union(self) -> tuple[Branch, ...]:
        branches = [self.branch()]
        while self.at("symbol", "|"):
            self.take("symbol", "|")
            branches.append(self.branch())
        return tuple(branches)

    def branch(self) -> Branch:
        steps: list[Step] = []
        while True:
            if self.at("symbol", "@"):
                self.take("symbol", "@")
                return Branch(tuple(steps), self.name())
            steps.append(self.step())
            if not self.at("symbol", "/"):
                return Branch(tuple(steps))
            self.take("symbol", "/")

    def step(self) -> Step:
        tag = self.name()
        tests: list[tuple[str, str | None]] = []
        while self.at("symbol", "["):
            self.take("symbol", "[")
            self.take("symbol", "@")
            attribute = self.name()
            value: str | None = None
            if self.at("symbol", "="):
                self.take("symbol", "=")
                value = self.take("literal")[1:-1]
            self.take("symbol", "]")
            tests.append((attribute, value))
        return Step(tag, tuple(tests))


def compile_path(path: str, namespaces: dict[str, str]) -> CompiledPath | None:
    """The walker's form of a field path, or None when XPath must evaluate it.

    A union is followed only when the walk meets its matches in document order and never
    twice (see :func:`_in_order`).
    """
    try:
        compiled = _Parser(path, namespaces).parse()
    except _Unsupported:
        return None
    branches = compiled.branches
    for index, branch in enumerate(branches):
        if any(not _in_order(branch, other) for other in branches[index + 1 :]):
            return None
    return compiled


def _in_order(a: Branch, b: Branch) -> bool:
    """Whether two branches of a union can share one walk and still give XPath's result.

    The walk visits each element once, in document order, and takes from it its text, then
    its attributes, then walks its children — XPath's document order. It cannot keep that
    order when two branches reach the same element under different attribute tests (each
    test set walks the element's children on its own), nor between two attributes of one
    element (XPath orders them as the element has them); and a node both branches select
    would be taken twice where XPath counts it once.
    """
    for step_a, step_b in zip(a.steps, b.steps, strict=False):
        if step_a.tag != step_b.tag:
            return True
        if step_a.tests != step_b.tests:
            return False
    if len(a.steps) != len(b.steps):
        return True
    return (a.attribute is None) != (b.attribute is None)


@dataclass
class _Node:
    """What to take from a child element with one tag, reached by one route, under one set of
    attribute tests: its text for some columns, attributes for others, and a table for its
    own children."""

    tests: tuple[tuple[str, str | None], ...]
    text_columns: list[int] = field(default_factory=list)
    attribute_columns: list[tuple[str, int]] = field(default_factory=list)
    children: dict[str, list[_Node]] = field(default_factory=dict)


class RecordPlan:
    """The compiled paths of one mapping: ``values(record)`` gives one value per path (None
    for a path compiled to None: the caller evaluates those with XPath)."""

    def __init__(self, compiled: list[CompiledPath | None]) -> None:
        self.width = len(compiled)
        self.first_only = [path is not None and path.first_only for path in compiled]
        self._record_attributes: list[tuple[str, int]] = []
        self._children: dict[str, list[_Node]] = {}
        for column, path in enumerate(compiled):
            if path is None:
                continue
            for branch in path.branches:
                self._add(column, branch)
        self._empty: list[str | None] = [None] * self.width
        self._table = self._frozen(self._children)

    def _add(self, column: int, branch: Branch) -> None:
        if not branch.steps:
            assert branch.attribute is not None
            self._record_attributes.append((branch.attribute, column))
            return
        table = self._children
        node: _Node | None = None
        for step in branch.steps:
            nodes = table.setdefault(step.tag, [])
            node = next((n for n in nodes if n.tests == step.tests), None)
            if node is None:
                node = _Node(step.tests)
                nodes.append(node)
            table = node.children
        assert node is not None
        if branch.attribute is None:
            node.text_columns.append(column)
        else:
            node.attribute_columns.append((branch.attribute, column))

    def values(self, record: Any) -> list[str | None]:
        """One value per path for this record element (None for XPath's paths)."""
        values = self._empty.copy()
        get = record.get
        for name, column in self._record_attributes:
            values[column] = get(name)
        if self._table:
            _walk(record, self._table, values)
        return values

    def _frozen(self, table: dict[str, list[_Node]]) -> dict[str, int | tuple[_Frozen, ...]]:
        """The nodes as the walk reads them fastest: a tuple per node (unpacked, not looked
        up by attribute), and for the most common node — one column taking the text of an
        element with that tag, whatever its attributes — just the column number."""
        result: dict[str, int | tuple[_Frozen, ...]] = {}
        for tag, nodes in table.items():
            node = nodes[0]
            if (
                len(nodes) == 1
                and not node.tests
                and len(node.text_columns) == 1
                and not node.attribute_columns
                and not node.children
                and not self.first_only[node.text_columns[0]]
            ):
                result[tag] = node.text_columns[0]
                continue
            result[tag] = tuple(
                (
                    node.tests,
                    tuple((column, self.first_only[column]) for column in node.text_columns),
                    tuple(
                        (name, column, self.first_only[column])
                        for name, column in node.attribute_columns
                    ),
                    self._frozen(node.children) if node.children else None,
                )
                for node in nodes
            )
        return result


_Frozen = tuple[
    tuple[tuple[str, str | None], ...],
    tuple[tuple[int, bool], ...],
    tuple[tuple[str, int, bool], ...],
    "dict[str, int | tuple[_Frozen, ...]] | None",
]


def _walk(
    parent: Any, table: dict[str, int | tuple[_Frozen, ...]], values: list[str | None]
) -> None:
    """Visit ``parent``'s children once, in document order, filling ``values``.

    Deliberately one flat loop with everything inlined: it runs for every child of every
    record, and each function call or attribute look-up here costs as much as the parse of
    a small element.
    """
    lookup = table.get
    for child in parent:
        nodes = lookup(child.tag)
        if nodes is None:
            continue
        if nodes.__class__ is int:  # one column, the element's text
            text = (child.text or "") if not len(child) else "".join(child.itertext())
            held = values[nodes]
            values[nodes] = text if held is None else held + VALUE_SEPARATOR + text
            continue
        for tests, text_columns, attribute_columns, children in nodes:  # type: ignore[union-attr]
            if tests:
                passed = True
                for name, wanted in tests:
                    value = child.get(name)
                    if value is None or (wanted is not None and value != wanted):
                        passed = False
                        break
                if not passed:
                    continue
            if text_columns:
                text = (child.text or "") if not len(child) else "".join(child.itertext())
                for column, first_only in text_columns:
                    held = values[column]
                    if held is None:
                        values[column] = text
                    elif not first_only:
                        values[column] = held + VALUE_SEPARATOR + text
            for name, column, first_only in attribute_columns:
                value = child.get(name)
                if value is not None:
                    held = values[column]
                    if held is None:
                        values[column] = value
                    elif not first_only:
                        values[column] = held + VALUE_SEPARATOR + value
            if children is not None:
                _walk(child, children, values)
