"""A small, safe arithmetic language for computed export columns (``net = total - total_tax``).

Mapping files are data, not code, so computed columns are parsed here by a tiny recursive-descent
parser instead of Python's ``eval``: only numbers, field names, ``+ - * /``, parentheses, unary
minus and a fixed set of functions (``round``, ``abs``, ``min``, ``max``, ``tax("code")``) exist.
Arithmetic is done in :class:`decimal.Decimal` so that money never picks up binary-float noise.

Grammar::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | FIELD | STRING | NAME "(" [expr ("," expr)*] ")" | "(" expr ")"
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation

FUNCTIONS = ("round", "abs", "min", "max", "tax")


class ExpressionError(ValueError):
    """An expression that cannot be parsed; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Field:
    path: str


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Unary:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Number | Field | Text | Unary | Binary | Call

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|:)[A-Za-z0-9_][A-Za-z0-9_\-]*)*)
  | (?P<op>[-+*/(),])
    """,
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"unexpected character {text[position]!r}", position)
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append((kind, match.group(), position))
        position = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.index]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        kind, text, position = self.take()
        if text != value or kind == "string":
            found = "the end" if kind == "end" else repr(text)
            raise ExpressionError(f"expected {value!r}, found {found}", position)

    def parse(self) -> Node:
        node = self.expr()
        kind, text, position = self.peek()
        if kind != "end":
            raise ExpressionError(f"unexpected {text!r}", position)
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek()[0] == "op" and self.peek()[1] == "-":
            self.take()
            return Unary(self.unary())
        if self.peek()[0] == "op" and self.peek()[1] == "+":
            self.take()
            return self.unary()
        return self.atom()

    def atom(self) -> Node:
        kind, text, position = self.take()
        if kind == "number":
            return Number(Decimal(text))
        if kind == "string":
            return Text(text[1:-1])
        if kind == "name":
            if self.peek()[1] == "(" and self.peek()[0] == "op":
                if text not in FUNCTIONS:
                    raise ExpressionError(
                        f"unknown function {text!r} (known: {', '.join(FUNCTIONS)})", position
                    )
                self.take()
                args: list[Node] = []
                if self.peek()[1] != ")":
                    args.append(self.expr())
                    while self.peek()[1] == ",":
                        self.take()
                        args.append(self.expr())
                self.expect(")")
                _check_call(text, args, position)
                return Call(text, tuple(args))
            return Field(text)
        if kind == "op" and text == "(":
            node = self.expr()
            self.expect(")")
            return node
        found = "the end" if kind == "end" else repr(text)
        raise ExpressionError(f"expected a number, field or '(', found {found}", position)


def _check_call(name: str, args: list[Node], position: int) -> None:
    if name == "tax":
        if len(args) != 1 or not isinstance(args[0], Text):
            raise ExpressionError(
                'tax() takes one quoted rate code or label: tax("DE-MWST-1")', position
            )
    elif name == "round":
        if len(args) not in (1, 2):
            raise ExpressionError(
                "round() takes a value and an optional number of places", position
            )
    elif name == "abs":
        if len(args) != 1:
            raise ExpressionError("abs() takes one value", position)
    elif not args:
        raise ExpressionError(f"{name}() takes at least one value", position)
    for arg in args:
        if isinstance(arg, Text) and name != "tax":
            raise ExpressionError("quoted text is only allowed inside tax(...)", position)


def parse_expression(text: str) -> Node:
    """Parse ``text`` into a tree; raises :class:`ExpressionError` with the position."""
    if not text.strip():
        raise ExpressionError("empty expression", 0)
    return _Parser(text).parse()


def referenced_fields(node: Node) -> list[str]:
    """Field paths the expression reads (for validation and for ``_fields``)."""
    if isinstance(node, Field):
        return [node.path]
    if isinstance(node, Unary):
        return referenced_fields(node.operand)
    if isinstance(node, Binary):
        return referenced_fields(node.left) + referenced_fields(node.right)
    if isinstance(node, Call):
        return [path for arg in node.args for path in referenced_fields(arg)]
    return []


def uses_tax(node: Node) -> bool:
    """Whether the expression calls ``tax(...)`` (it then needs the order's ``tax_lines``)."""
    if isinstance(node, Call):
        return node.name == "tax" or any(uses_tax(arg) for arg in node.args)
    if isinstance(node, Unary):
        return uses_tax(node.operand)
    if isinstance(node, Binary):
        return uses_tax(node.left) or uses_tax(node.right)
    return False


class EvaluationError(ValueError):
    """A value that is not a number, or a division by zero, while computing a column."""


def evaluate(node: Node, lookup: Callable[[str], object], tax: Callable[[str], Decimal]) -> Decimal:
    """Compute ``node``; ``lookup(path)`` gives a field's value, empty values count as 0."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Field):
        return to_decimal(lookup(node.path), node.path)
    if isinstance(node, Unary):
        return -evaluate(node.operand, lookup, tax)
    if isinstance(node, Binary):
        left = evaluate(node.left, lookup, tax)
        right = evaluate(node.right, lookup, tax)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        try:
            return left / right
        except (DivisionByZero, InvalidOperation) as exc:
            raise EvaluationError("division by zero") from exc
    if isinstance(node, Call):
        if node.name == "tax":
            arg = node.args[0]
            assert isinstance(arg, Text)
            return tax(arg.value)
        values = [evaluate(arg, lookup, tax) for arg in node.args]
        if node.name == "abs":
            return abs(values[0])
        if node.name == "min":
            return min(values)
        if node.name == "max":
            return max(values)
        places = int(values[1]) if len(values) > 1 else 0
        return values[0].quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    raise EvaluationError("quoted text is not a number")


def to_decimal(value: object, name: str) -> Decimal:
    """A store value as a Decimal: ``""``/``None`` are 0; text that is no number is an error."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int | float):
        return Decimal(str(value))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise EvaluationError(f"{name} is {value!r}, not a number") from exc
    if not number.is_finite():
        raise EvaluationError(f"{name} is {value!r}, not a finite number")
    return number
