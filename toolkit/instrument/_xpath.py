"""A vectorised evaluator for the subset of XPath that XLSForms use in ``relevant`` and
``constraint`` columns.

Supported: ``${name}`` references, ``.`` (the current answer), string and number
literals, ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``and``, ``or``, ``not(...)``,
``selected(${x}, 'v')``, ``count-selected(${x})``, ``string-length(...)``,
``number(...)``, ``int(...)``, ``today()``, ``true()``, ``false()``, ``+``, ``-`` and
parentheses.  Anything else (``*``, ``div``, ``mod``, ``regex()``, ``if()``,
``jr:choice-name()`` ...) raises :class:`UnsupportedExpression`, so callers can
report that the rule was not checked instead of guessing.

Values are evaluated column-wise on a DataFrame of answers (strings as exported,
numbers parsed), giving one boolean per row, with XPath 1.0 semantics as ODK applies
them: a missing answer is the empty string (so ``${x} != 'yes'`` is true and
``${n} = ''`` is true for a missing number); a comparison with a number converts the
other side to a number, where a missing or non-numeric answer is NaN, which compares
false except with ``!=``; a comparison with a boolean compares booleans.  One
approximation: a reference to a numeric answer is treated as a number, not as a
node, so ``${n} = ${text}`` compares numbers where XPath would compare strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["UnsupportedExpression", "evaluate"]

_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$\{[^\W\d][\w.\-]*\})|(?P<num>\d+(?:\.\d*)?|\.\d+)"
    r"|(?P<str>'[^']*'|\"[^\"]*\")|(?P<op><=|>=|!=|=|<|>|\(|\)|,|\+|-)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:\(\))?)|(?P<dot>\.))"
)


class UnsupportedExpression(ValueError):
    """The expression uses XPath the evaluator does not implement."""


Value = pd.Series


@lru_cache(maxsize=4096)
def _tokenise(expr: str) -> tuple[tuple[str, str], ...]:
    pos, out = 0, []
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise UnsupportedExpression(f"cannot read {expr[pos:]!r} in {expr!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return tuple(out)


class _Parser:
    def __init__(
        self,
        expr: str,
        lookup: Callable[[str], Value],
        current: Value | None,
        index: pd.Index,
        today: pd.Timestamp,
        memo: dict[Any, Any] | None = None,
    ) -> None:
        self.tokens = _tokenise(expr)
        self.i = 0
        self.expr = expr
        self.lookup = lookup
        self.current = current
        self.index = index
        self.today = today
        # String literals, kept alive so that their ids stay unique: XPath compares a
        # number with a string literal as strings but with a text answer as numbers.
        self._literals: list[Value] = []
        self._literal_text: dict[int, str] = {}
        # Values worked out from an answer column (its text, its list of choices), kept
        # with the column so that ids stay unique, for the expressions of one table.
        self.memo: dict[Any, Any] = {} if memo is None else memo

    def text(self, v: Value) -> Value:
        """:func:`_as_text` of ``v``, once per column."""
        key = ("text", id(v))
        if key not in self.memo:
            self.memo[key] = (v, _as_text(v))
        return self.memo[key][1]

    def number(self, v: Value) -> Value:
        """:func:`_numeric` of ``v``, once per column."""
        key = ("number", id(v))
        if key not in self.memo:
            self.memo[key] = (v, _numeric(v))
        return self.memo[key][1]

    # -- token helpers -------------------------------------------------------------
    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise UnsupportedExpression(f"expected {value!r} in {self.expr!r}")
        self.i += 1
        return tok

    # -- grammar ---------------------------------------------------------------------
    def parse(self) -> Value:
        out = self.or_expr()
        extra = self.peek()
        if extra is not None:
            raise UnsupportedExpression(f"unexpected {extra[1]!r} in {self.expr!r}")
        return out

    def or_expr(self) -> Value:
        left = self.and_expr()
        while self.peek() == ("name", "or"):
            self.take()
            left = _truth(left) | _truth(self.and_expr())
        return left

    def and_expr(self) -> Value:
        left = self.comparison()
        while self.peek() == ("name", "and"):
            self.take()
            left = _truth(left) & _truth(self.comparison())
        return left

    def comparison(self) -> Value:
        left = self.additive()
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in {"=", "!=", "<", "<=", ">", ">="}:
            self.take()
            right = self.additive()
            literal = {id(v) for v in self._literals}
            return _compare(
                left,
                tok[1],
                right,
                literal_left=id(left) in literal,
                literal_right=id(right) in literal,
                text=self.text,
                number=self.number,
                written=(self._literal_text.get(id(left)), self._literal_text.get(id(right))),
            )
        return left

    def additive(self) -> Value:
        left = self.primary()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            right = _numeric(self.primary())
            left = _numeric(left) + right if op == "+" else _numeric(left) - right
        return left

    def primary(self) -> Value:
        tok = self.take()
        kind, text = tok
        n = len(self.index)
        if kind == "ref":
            return self.lookup(text[2:-1])
        if kind == "dot":
            if self.current is None:
                raise UnsupportedExpression(f"'.' has no meaning here: {self.expr!r}")
            return self.current
        if kind == "num":  # one Series per number and index, as the memo has it
            key = ("literal", text, id(self.index))
            if key not in self.memo:
                number = pd.Series(np.full(n, float(text)), index=self.index)
                self.memo[key] = (self.index, number)
            return self.memo[key][1]
        if kind == "str":
            lit = pd.Series([text[1:-1]] * n, index=self.index, dtype=object)
            self._literals.append(lit)
            self._literal_text[id(lit)] = text[1:-1]
            return lit
        if kind == "op" and text == "(":
            inner = self.or_expr()
            self.take(")")
            return inner
        if kind == "op" and text == "-":
            return -_numeric(self.primary())
        if kind == "name":
            return self.function(text)
        raise UnsupportedExpression(f"unexpected {text!r} in {self.expr!r}")

    def function(self, name: str) -> Value:
        n = len(self.index)
        if name in ("true()", "false()"):
            return pd.Series(np.full(n, name == "true()"), index=self.index)
        if name == "today()":
            return pd.Series([self.today] * n, index=self.index)
        if name not in _FUNCTIONS:
            raise UnsupportedExpression(f"function {name}() is not supported: {self.expr!r}")
        self.take("(")
        args: list[Value] = []
        if self.peek() != ("op", ")"):
            args.append(self.or_expr())
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.or_expr())
        self.take(")")
        if name == "not" and len(args) == 1:
            return ~_truth(args[0])
        if name == "selected" and len(args) == 2:
            # Space-separated list membership; items of the answer may be separated by
            # any whitespace, as in ODK.
            word = self._literal_text.get(id(args[1]), "").strip()
            if word and word.split() == [word]:
                # A choice name: in the list exactly when it is one of its words.
                key = ("words", id(args[0]))
                if key not in self.memo:
                    words = [set(t.split()) for t in self.text(args[0])]
                    self.memo[key] = (args[0], words)
                words = self.memo[key][1]
                chosen = np.fromiter((word in w for w in words), bool, len(words))
                return pd.Series(chosen, index=args[0].index)
            key = ("selected", id(args[0]))
            if key not in self.memo:
                joined = self.text(args[0]).str.split().str.join(" ")
                self.memo[key] = (args[0], " " + joined + " ")
            hay = self.memo[key][1]
            needle = " " + self.text(args[1]).str.strip() + " "
            if len(needle) and (needle == needle.iloc[0]).all():
                return hay.str.contains(needle.iloc[0], regex=False).astype(bool)
            return pd.Series([b in a for a, b in zip(hay, needle)], index=self.index, dtype=bool)
        if name == "count-selected" and len(args) == 1:
            # _as_text has no missing values: every cell splits into a list
            return _as_text(args[0]).str.split().map(len).astype(float)
        if name == "string-length" and len(args) == 1:
            return _as_text(args[0]).str.len().astype(float)
        if name == "number" and len(args) == 1:
            return _numeric(args[0])
        if name == "int" and len(args) == 1:
            return np.trunc(_numeric(args[0]))  # XPath int() truncates towards zero
        raise UnsupportedExpression(
            f"{name}() with {len(args)} argument(s) is not supported: {self.expr!r}"
        )


_FUNCTIONS = {"not", "selected", "count-selected", "string-length", "number", "int"}


def _is_bool(v: Value) -> bool:
    return v.dtype == bool or isinstance(v.dtype, pd.BooleanDtype)


def _as_text(v: Value) -> Value:
    """XPath string value of each answer: numbers as written (1 not 1.0), missing as ''."""
    if _is_bool(v):
        return pd.Series(
            ["" if x is pd.NA else ("true" if x else "false") for x in v],
            index=v.index,
            dtype=object,
        )
    if pd.api.types.is_numeric_dtype(v):
        num = pd.to_numeric(v, errors="coerce").astype(float)
        return pd.Series(
            [
                ""
                if np.isnan(x)
                else (str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x)))
                for x in num
            ],
            index=v.index,
            dtype=object,
        )
    return v.astype("string").fillna("").astype(object)


def _truth(v: Value) -> Value:
    """XPath boolean(): numbers are true unless 0 or NaN, strings unless empty."""
    if v.dtype == bool:
        return v
    if isinstance(v.dtype, pd.BooleanDtype):
        return v.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(v):
        return (pd.to_numeric(v, errors="coerce").astype(float).fillna(0) != 0).astype(bool)
    return (_as_text(v) != "").astype(bool)


def _numeric(v: Value) -> Value:
    """XPath number(): booleans 1/0, strings parsed (surrounding spaces allowed)."""
    if _is_bool(v):
        return v.astype(float)
    if pd.api.types.is_numeric_dtype(v):
        return pd.to_numeric(v, errors="coerce").astype(float)
    if pd.api.types.is_datetime64_any_dtype(v):
        return pd.Series(np.nan, index=v.index)
    return pd.to_numeric(_as_text(v).str.strip(), errors="coerce").astype(float)


def _compare(
    left: Value,
    op: str,
    right: Value,
    *,
    literal_left: bool = False,
    literal_right: bool = False,
    text: Callable[[Value], Value] | None = None,
    number: Callable[[Value], Value] | None = None,
    written: tuple[str | None, str | None] = (None, None),
) -> Value:
    """``left op right`` by XPath 1.0's rules (module docstring); ``text`` and ``number``
    convert answers (:func:`_as_text`, :func:`_numeric` by default), ``written`` gives
    the string literals as written (``None`` for other values)."""
    as_text = _as_text if text is None else text
    to_number = _numeric if number is None else number
    if (_is_bool(left) or _is_bool(right)) and op in {"=", "!="}:
        # XPath 1.0: when either side is a boolean, both are compared as booleans.
        a, b = _truth(left), _truth(right)
        return (a == b) if op == "=" else (a != b)

    def is_time(s: Value) -> bool:
        return pd.api.types.is_datetime64_any_dtype(s) or (
            s.dtype == object and len(s) > 0 and isinstance(s.iloc[0], pd.Timestamp)
        )

    if is_time(left) or is_time(right):
        a = pd.to_datetime(left, errors="coerce")
        b = pd.to_datetime(right, errors="coerce")
        valid = a.notna() & b.notna()
    elif pd.api.types.is_numeric_dtype(left) or pd.api.types.is_numeric_dtype(right):
        text_literal = (literal_right and not pd.api.types.is_numeric_dtype(right)) or (
            literal_left and not pd.api.types.is_numeric_dtype(left)
        )
        if op in {"=", "!="} and text_literal:
            # A number answer against a string literal (${n} = '', ${n} = '5'): XPath
            # compares the answer's string value with the string ("" = "", "5" = "5").
            a, b = as_text(left), as_text(right)
            return ((a == b) if op == "=" else (a != b)).astype(bool)
        # Otherwise the other side is converted to a number (${code} = 1 on a text
        # answer "01" is true), and NaN compares false except with '!='.
        a, b = to_number(left), to_number(right)
        valid = a.notna() & b.notna()
    else:
        if op not in {"=", "!="}:
            raise UnsupportedExpression("ordering comparison of text answers")
        text_b: Value | str
        if written[1] is not None:  # a string literal is its own text
            text_a, text_b = as_text(left), written[1]
        elif written[0] is not None:
            text_a, text_b = as_text(right), written[0]
        else:
            text_a, text_b = as_text(left), as_text(right)
        return (text_a == text_b) if op == "=" else (text_a != text_b)
    ops = {
        "=": np.equal,
        "!=": np.not_equal,
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
    }
    with np.errstate(invalid="ignore"):
        result = pd.Series(ops[op](a.to_numpy(), b.to_numpy()), index=left.index)
    return result & valid if op != "!=" else result | ~valid


def evaluate(
    expr: str,
    answers: Mapping[str, pd.Series] | pd.DataFrame,
    *,
    current: pd.Series | None = None,
    index: pd.Index | None = None,
    today: pd.Timestamp | None = None,
    memo: dict[Any, Any] | None = None,
) -> pd.Series:
    """Evaluate an XLSForm expression for every row.

    Parameters
    ----------
    expr : str
        The ``relevant`` or ``constraint`` expression.
    answers : DataFrame or mapping of question name to Series
        Answers by question name; numeric questions should already be numeric.
    current : pandas.Series, optional
        The value ``.`` refers to (constraints).
    index : pandas.Index, optional
        Row index; defaults to the index of ``answers``.
    today : pandas.Timestamp, optional
        Value of ``today()``; defaults to the current date.
    memo : dict, optional
        Kept between calls on the same answers, so that what is worked out from an
        answer column (its text, its list of choices) is worked out once.  Answers are
        told apart by identity: give a changed answer as a new Series.

    Returns
    -------
    pandas.Series of bool

    Raises
    ------
    UnsupportedExpression
        If the expression uses XPath outside the supported subset or names a question
        that is not in ``answers``.
    """
    idx = (
        index
        if index is not None
        else (
            answers.index
            if isinstance(answers, pd.DataFrame)
            else current.index
            if current is not None
            else None
        )
    )
    if idx is None:
        raise ValueError("an index is needed to evaluate a constant expression")

    def lookup(name: str) -> pd.Series:
        if name not in answers:
            raise UnsupportedExpression(f"${{{name}}} is not a question of the export")
        return answers[name]

    stamp = today if today is not None else pd.Timestamp.today().normalize()
    return _truth(_Parser(expr, lookup, current, idx, stamp, memo).parse())
