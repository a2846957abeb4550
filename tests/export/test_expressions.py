from decimal import Decimal

import pytest

from bulkio.export.expressions import (
    EvaluationError,
    ExpressionError,
    evaluate,
    parse_expression,
    referenced_fields,
)


def run(text: str, **values: object) -> Decimal:
    taxes = {"DE-MWST-1": Decimal("8.53")}
    return evaluate(
        parse_expression(text), lambda path: values.get(path), lambda c: taxes.get(c, Decimal(0))
    )


def test_precedence_parentheses_and_unary_minus() -> None:
    assert run("total - total_tax", total="59.90", total_tax="9.56") == Decimal("50.34")
    assert run("1 + 2 * 3") == 7
    assert run("(1 + 2) * 3") == 9
    assert run("-total + 1", total="2.5") == Decimal("-1.5")
    assert run("10 / 4") == Decimal("2.5")


def test_decimal_arithmetic_has_no_float_noise() -> None:
    assert run("a + b", a="0.1", b="0.2") == Decimal("0.3")


def test_functions_and_tax() -> None:
    assert run("round(total / 3, 2)", total="10") == Decimal("3.33")
    assert run("abs(-2)") == 2
    assert run("max(a, b, 3)", a="1", b="7") == 7
    assert run("min(a, b)", a="1", b="7") == 1
    assert run('total - tax("DE-MWST-1")', total="59.90") == Decimal("51.37")


def test_empty_values_count_as_zero_and_dotted_paths_are_fields() -> None:
    node = parse_expression("shipping_total + meta:fee + line_items.total")
    assert referenced_fields(node) == ["shipping_total", "meta:fee", "line_items.total"]
    assert run("a + b", a="", b=None) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('x')", "unexpected character"),
        ("open('/etc/passwd')", "unknown function"),
        ("total **2", "expected a number"),
        ("(total", "expected ')'"),
        ("total total", "unexpected"),
        ("1 ; 2", "unexpected character"),
        ("", "empty"),
        ("round(1, 2, 3)", "round()"),
        ('abs("x")', "quoted text"),
        ("tax(1)", "tax() takes one quoted"),
    ],
)
def test_rejects_anything_that_is_not_arithmetic(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_expression(text)


def test_error_position_points_at_the_problem() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression("total - $")
    assert info.value.position == 8


def test_text_that_is_not_a_number_and_division_by_zero() -> None:
    with pytest.raises(EvaluationError, match="total is 'abc'"):
        run("total * 2", total="abc")
    with pytest.raises(EvaluationError, match="division by zero"):
        run("1 / zero", zero="0")
