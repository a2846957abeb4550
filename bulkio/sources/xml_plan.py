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
XPath gives for the paths it accepts (``tests/sources/test_xml_walker.py`` compares both on
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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

VALUE_SEPARATOR = "\x1f"
"""Joins the values of a path that matched several elements. XML 1.0 cannot contain this
character, so it never collides with data; building plain text columns is many times faster
than building list columns value by value."""

_SPACE = " \t\r\n"
"""XPath's whitespace (not Python's wider ``\\s``: a path XPath refuses must not be walked)."""
_TOKEN = re.compile(
    r"""[ \t\r\n]*(?:
        (?P<literal>"[^"]*"|'[^']*')
      | (?P<name>[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)
      | (?P<symbol>[()\[\]|/@=])
      | (?P<number>[0-9]+)
      | (?P<other>.)
    )""",
    re.VERBOSE | re.DOTALL,
)
MAX_STEPS = 8
"""Deeper paths go to XPath: each step is a nested loop in the generated walk, and Python
allows 20 nested blocks."""


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
    text = path.rstrip(_SPACE)
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup in (None, "other"):
            raise _Unsupported
        kind = match.lastgroup
        value = match.group(kind)
        # A name before "(" is a function or a node test (text(), node()); before "::" an
        # axis: neither is a plain name.
        rest = text[match.end() :].lstrip(_SPACE)
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
            if len(steps) > MAX_STEPS:
                raise _Unsupported
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
        self.values: Callable[[Any], list[str | None]] = self._generate()
        """One value per path for a record element (None for XPath's paths)."""

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

    def _generate(self) -> Callable[[Any], list[str | None]]:
        """The plan as one Python function, written for this mapping and compiled once.

        A general walk (a loop over a node table per child, unpacking what to take) spends
        more time interpreting the table than reading the element; the function written out
        for the plan — a chain of tag comparisons, the tests and the columns as plain local
        variables — runs about a third faster per record. Every name, attribute and literal
        of the mapping reaches the function as a constant of its namespace (``K0``, ``K1``,
        …), never as source text: the source holds only structure this method writes.
        """
        constants: dict[str, object] = {"SEP": VALUE_SEPARATOR, "JOIN": "".join}

        def const(value: str) -> str:
            name = f"K{len(constants)}"
            constants[name] = value
            return name

        lines = ["def values(record):"]
        if self.width:
            lines.append("    " + " = ".join(f"v{i}" for i in range(self.width)) + " = None")
        if self._record_attributes:
            lines.append("    get = record.get")
        for name, column in self._record_attributes:
            # Record attributes come first in document order and a column has at most one
            # (see _in_order): the value is assigned, not joined.
            lines.append(f"    v{column} = get({const(name)})")
        if self._children:
            self._emit_children(lines, "record", self._children, 1, "    ", const)
        lines.append("    return [" + ", ".join(f"v{i}" for i in range(self.width)) + "]")
        namespace: dict[str, Any] = dict(constants)
        exec(compile("\n".join(lines), "<bulkio xml plan>", "exec"), namespace)  # noqa: S102
        function: Callable[[Any], list[str | None]] = namespace["values"]
        return function

    def _emit_children(
        self,
        lines: list[str],
        parent: str,
        table: dict[str, list[_Node]],
        depth: int,
        indent: str,
        const: Callable[[str], str],
    ) -> None:
        child = f"e{depth}"
        lines.append(f"{indent}for {child} in {parent}:")
        lines.append(f"{indent}    t = {child}.tag")
        keyword = "if"
        for tag, nodes in table.items():
            lines.append(f"{indent}    {keyword} t == {const(tag)}:")
            keyword = "elif"
            for node in nodes:
                self._emit_node(lines, child, node, depth, indent + "        ", const)

    def _emit_node(
        self,
        lines: list[str],
        child: str,
        node: _Node,
        depth: int,
        indent: str,
        const: Callable[[str], str],
    ) -> None:
        if node.tests:
            conditions = [
                f"{child}.get({const(name)}) is not None"
                if wanted is None
                else f"{child}.get({const(name)}) == {const(wanted)}"
                for name, wanted in node.tests
            ]
            lines.append(f"{indent}if {' and '.join(conditions)}:")
            indent += "    "
        if node.text_columns:
            lines.append(
                f"{indent}x = ({child}.text or '') if not len({child}) "
                f"else JOIN({child}.itertext())"
            )
            for column in node.text_columns:
                self._emit_put(lines, column, indent)
        for name, column in node.attribute_columns:
            lines.append(f"{indent}x = {child}.get({const(name)})")
            lines.append(f"{indent}if x is not None:")
            self._emit_put(lines, column, indent + "    ")
        if node.children:
            self._emit_children(lines, child, node.children, depth + 1, indent, const)

    def _emit_put(self, lines: list[str], column: int, indent: str) -> None:
        """``x`` into column ``column``: the first value, or joined after the ones before
        (kept as the first for ``(…)[1]``)."""
        value = f"v{column}"
        if self.first_only[column]:
            lines.append(f"{indent}if {value} is None:")
            lines.append(f"{indent}    {value} = x")
        else:
            lines.append(f"{indent}{value} = x if {value} is None else {value} + SEP + x")
