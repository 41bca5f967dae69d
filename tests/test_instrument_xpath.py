"""Tests of toolkit.instrument._xpath: the XLSForm relevant/constraint subset, evaluated per row.

Expected values follow XPath 1.0 (https://www.w3.org/TR/1999/REC-xpath-19991116/) as
ODK (JavaRosa) applies it to form answers: an unanswered question is the empty
string; a comparison with a number converts the other side to a number, and NaN
compares false except with ``!=``; ``and`` binds tighter than ``or``; ``boolean()``
of a number is false for 0 and NaN, of a string false only when empty;
``selected()`` tests membership in a space-separated list and ``count-selected()``
counts its items; ``int()`` truncates towards zero.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from toolkit.instrument._xpath import UnsupportedExpression, evaluate

TODAY = pd.Timestamp("2026-06-15")


@pytest.fixture()
def answers() -> pd.DataFrame:
    # As ingestion passes them: text/select answers as strings (NA = not answered),
    # numbers as float64, dates as datetime64.
    return pd.DataFrame(
        {
            "consent": pd.array(["yes", "no", None, "yes"], dtype="string"),
            "acts": pd.array(["rfl health", "pss", None, "health  rfl"], dtype="string"),
            "n": [5.0, 0.0, np.nan, 12.5],
            "total": [10.0, 3.0, 4.0, np.nan],
            "when": pd.to_datetime(["2026-01-01", "2026-06-16", None, "2026-06-15"]),
            "code": pd.array(["1", "2", None, "01"], dtype="string"),
        },
        index=pd.Index([10, 11, 12, 13], name="row"),
    )


def ev(expr: str, answers: pd.DataFrame, **kw: object) -> list[bool]:
    out = evaluate(expr, answers, today=TODAY, **kw)
    assert out.dtype == bool
    assert out.index.equals(answers.index)
    return out.tolist()


# ============================================================ equality and selected()
def test_equality_with_string_literals(answers: pd.DataFrame) -> None:
    assert ev("${consent} = 'yes'", answers) == [True, False, False, True]
    assert ev('${consent} = "yes"', answers) == [True, False, False, True]
    # Unanswered is the empty string: '!=' is true, '= ""' is true.
    assert ev("${consent} != 'yes'", answers) == [False, True, True, False]
    assert ev("${consent} = ''", answers) == [False, False, True, False]


def test_selected(answers: pd.DataFrame) -> None:
    assert ev("selected(${acts}, 'rfl')", answers) == [True, False, False, True]
    assert ev("selected(${acts}, 'health')", answers) == [True, False, False, True]
    # Whole items only: 'rf' is not selected although 'rfl' is.
    assert ev("selected(${acts}, 'rf')", answers) == [False] * 4
    assert ev("selected(${consent}, 'yes')", answers) == [True, False, False, True]


def test_count_selected(answers: pd.DataFrame) -> None:
    assert ev("count-selected(${acts}) = 2", answers) == [True, False, False, True]
    assert ev("count-selected(${acts}) >= 1", answers) == [True, True, False, True]
    assert ev("count-selected(${acts}) = 0", answers) == [False, False, True, False]


def test_not(answers: pd.DataFrame) -> None:
    assert ev("not(${consent} = 'yes')", answers) == [False, True, True, False]
    assert ev("not(selected(${acts}, 'pss'))", answers) == [True, False, True, True]


@pytest.mark.parametrize("a,b,c", list(itertools.product([True, False], repeat=3)))
def test_and_binds_tighter_than_or(a: bool, b: bool, c: bool) -> None:
    df = pd.DataFrame(
        {"a": ["yes" if a else "no"], "b": ["yes" if b else "no"], "c": ["yes" if c else "no"]}
    )
    A, B, C = "${a} = 'yes'", "${b} = 'yes'", "${c} = 'yes'"
    assert ev(f"{A} or {B} and {C}", df) == [a or (b and c)]
    assert ev(f"{A} and {B} or {C}", df) == [(a and b) or c]
    assert ev(f"({A} or {B}) and {C}", df) == [(a or b) and c]
    assert ev(f"not({A}) or {B}", df) == [(not a) or b]


# ============================================================ numbers and '.'
def test_numeric_comparisons_with_current(answers: pd.DataFrame) -> None:
    n = answers["n"]
    assert ev(". >= 0 and . <= 10", answers, current=n) == [True, True, False, False]
    assert ev(". > 5", answers, current=n) == [False, False, False, True]
    assert ev(". < 5", answers, current=n) == [False, True, False, False]
    assert ev(". = 12.5", answers, current=n) == [False, False, False, True]
    assert ev(". >= .5", answers, current=n) == [True, False, False, True]


def test_missing_numbers_compare_false_except_not_equal(answers: pd.DataFrame) -> None:
    # XPath: NaN = x, NaN < x, NaN >= x are false; NaN != x is true.
    for op, expected in [
        ("=", False),
        ("<", False),
        ("<=", False),
        (">", False),
        (">=", False),
        ("!=", True),
    ]:
        assert ev(f"${{n}} {op} 1", answers)[2] is expected, op


def test_reference_to_other_numeric_answer(answers: pd.DataFrame) -> None:
    n = answers["n"]
    assert ev(". <= ${total}", answers, current=n) == [True, True, False, False]
    assert ev("${n} + ${total} > 14", answers) == [True, False, False, False]
    assert ev("${total} - ${n} = 3", answers) == [False, True, False, False]
    assert ev("-${n} < -1", answers) == [True, False, False, True]


def test_number_against_text(answers: pd.DataFrame) -> None:
    # select_one with numeric choice names: '${code} = 1' converts the answer to a
    # number (XPath 1.0, 3.4), so "01" = 1 too; unanswered is NaN: '=' false, '!=' true.
    assert ev("${code} = 1", answers) == [True, False, False, True]
    assert ev("${code} != 1", answers) == [False, True, True, False]
    assert ev("${code} < 2", answers) == [True, False, False, True]
    # Against a string literal the answer's string value is compared: a missing
    # number equals '' (its string value), and 5 = '5'.
    assert ev("${n} = ''", answers) == [False, False, True, False]
    assert ev("${n} = '5'", answers) == [True, False, False, False]
    assert ev("${n} != ''", answers) == [True, True, False, True]
    spaced = pd.DataFrame({"t": pd.array([" 7 ", "seven"], dtype="string")})
    assert ev("${t} = 7", spaced) == [True, False]  # number(" 7 ") = 7
    nullable = pd.DataFrame({"k": pd.array([3, None], dtype="Int64")})
    assert ev("${k} = ''", nullable) == [False, True]
    assert ev("${k} > 2", nullable) == [True, False]


def test_number_functions() -> None:
    df = pd.DataFrame({"x": [3.7, -3.7, np.nan]})
    assert ev("int(${x}) = 3", df) == [True, False, False]
    assert ev("int(${x}) = -3", df) == [False, True, False]  # truncation, not floor
    assert ev("number('12') = 12", df) == [True, True, True]
    assert ev("string-length('abc') = 3", df) == [True, True, True]


def test_boolean_literals_and_comparisons(answers: pd.DataFrame) -> None:
    assert ev("true()", answers) == [True] * 4
    assert ev("false() or ${consent} = 'no'", answers) == [False, True, False, False]
    # XPath: a boolean compared with anything compares booleans; boolean("no") is true.
    assert ev("${consent} = true()", answers) == [True, True, False, True]
    assert ev("selected(${acts}, 'rfl') = false()", answers) == [False, True, True, False]


def test_bare_value_truth(answers: pd.DataFrame) -> None:
    assert ev("${consent}", answers) == [True, True, False, True]  # non-empty string
    assert ev("${n}", answers) == [True, False, False, True]  # non-zero, not NaN


# ============================================================ dates
def test_today(answers: pd.DataFrame) -> None:
    when = answers["when"]
    assert ev(". <= today()", answers, current=when) == [True, False, False, True]
    assert ev("${when} > today()", answers) == [False, True, False, False]
    assert ev("${when} >= '2026-06-01'", answers) == [False, True, False, True]


def test_today_defaults_to_the_current_date() -> None:
    now = pd.Timestamp.today().normalize()
    df = pd.DataFrame({"d": [now - pd.Timedelta(days=1), now + pd.Timedelta(days=2)]})
    out = evaluate(". <= today()", df, current=df["d"])
    assert out.tolist() == [True, False]


# ============================================================ mappings and index
def test_mapping_of_series_needs_an_index() -> None:
    answers = {"x": pd.Series(["a", "b"], index=[5, 6])}
    assert evaluate("${x} = 'a'", answers, index=pd.Index([5, 6])).tolist() == [True, False]
    assert evaluate("${x} = 'b'", answers, current=answers["x"]).tolist() == [False, True]
    with pytest.raises(ValueError, match="index"):
        evaluate("true()", answers)


def test_categorical_answers() -> None:
    df = pd.DataFrame({"c": pd.Categorical(["yes", None, "no"])})
    assert ev("${c} = 'yes'", df) == [True, False, False]
    assert ev("selected(${c}, 'no')", df) == [False, False, True]


def test_non_ascii_names() -> None:
    df = pd.DataFrame({"région": ["nord", "sud"]})
    assert ev("${région} = 'sud'", df) == [False, True]


# ============================================================ unsupported XPath
@pytest.mark.parametrize(
    "expr",
    [
        "regex(., '^[^@ ]+@[^@ ]+$')",  # regex() is an ODK extension
        "jr:choice-name(${consent}, '${consent}')",
        "if(${n} > 1, 'a', 'b') = 'a'",
        "concat(${consent}, 'x') = 'yesx'",
        "${n} * 2 > 3",
        "${n} div 2 > 3",
        "${n} mod 2 = 0",
        "${consent} > 'a'",  # ordering of text answers
        "${unknown} = 'yes'",  # not a question of the export
        "${consent} = 'yes' and",  # incomplete
        "(${consent} = 'yes'",  # unbalanced parenthesis
        "${consent} = 'yes')",
        "selected(${acts})",  # wrong number of arguments
        "position(..) = 1",
        "${consent} = 'yes' ${n}",
    ],
)
def test_unsupported_expressions(answers: pd.DataFrame, expr: str) -> None:
    with pytest.raises(UnsupportedExpression):
        evaluate(expr, answers, current=answers["n"], today=TODAY)


def test_dot_without_current(answers: pd.DataFrame) -> None:
    with pytest.raises(UnsupportedExpression, match=r"'\.' has no meaning"):
        evaluate(". > 1", answers)


def test_unsupported_function_is_named_before_its_arguments(answers: pd.DataFrame) -> None:
    # The function is reported even when its arguments could not be evaluated.
    with pytest.raises(UnsupportedExpression, match=r"regex\(\) is not supported"):
        evaluate("regex(${not_in_export}, 'x')", answers)


def test_unsupported_expression_is_a_value_error() -> None:
    assert issubclass(UnsupportedExpression, ValueError)
