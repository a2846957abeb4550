"""Reports: problem rows from rejections and outcomes, formula-safe CSV, terminal truncation."""

from __future__ import annotations

import csv
import io

import pytest

from bulkio.apply import ApplyResult, ItemOutcome
from bulkio.plan import PlanRejection
from bulkio.report import csv_text, formula_safe, problem_rows, render_problems, render_result


@pytest.mark.parametrize("text", ["=1+1", "+1", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_get_an_apostrophe(text: str) -> None:
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["12.50", "SUP-1", "a=b", ""])
def test_plain_cells_are_left_alone(text: str) -> None:
    assert formula_safe(text) == text


def outcomes() -> list[ItemOutcome]:
    return [
        ItemOutcome(9, "B", "update", "failed", 4, "rest_invalid", "bad"),
        ItemOutcome(3, "A", "create", "created", 1),
        ItemOutcome(5, "C", "update", "refused", 7, "changed_since_plan", "edited"),
    ]


def test_problem_rows_merge_rejections_and_failures_in_line_order() -> None:
    rejected = [PlanRejection("f.csv", 7, "=X", "Price", "-1", "negative-number", "below 0")]
    rows = problem_rows(rejected, outcomes(), file="f.csv")
    assert [(r.kind, r.line, r.sku) for r in rows] == [
        ("refused", 5, "C"),
        ("rejected", 7, "=X"),
        ("failed", 9, "B"),
    ]
    parsed = list(csv.DictReader(io.StringIO(csv_text(rows))))
    assert parsed[1]["sku"] == "'=X" and parsed[1]["value"] == "'-1"
    assert parsed[2]["code"] == "rest_invalid" and parsed[2]["file"] == "f.csv"


def test_terminal_list_is_cut_with_a_pointer_to_the_report() -> None:
    rejected = [
        PlanRejection("f.csv", n, f"S{n}", "Price", "x", "invalid-number", "not a number")
        for n in range(2, 32)
    ]
    text = render_problems(problem_rows(rejected), limit=5)
    assert text.splitlines()[0] == "30 row(s) not applied:"
    assert len(text.splitlines()) == 7
    assert text.splitlines()[-1] == "  … and 25 more, see --report FILE.csv"
    assert "… and 25 more, see out.csv" in render_problems(
        problem_rows(rejected), limit=5, report_path="out.csv"
    )


def test_summary_names_counts_and_cost() -> None:
    result = ApplyResult(
        outcomes=outcomes(), unchanged=4, requests=5, reads=3, writes=2, seconds=1.25
    )
    assert render_result(result) == (
        "done: created 1, updated 0, unchanged 4, rejected 0, failed 1, refused 1\n"
        "requests 5 (3 reads, 2 writes), 1.2 s"
    )
    assert not result.complete and [o.sku for o in result.problems] == ["B", "C"]
