"""select_multiple answer columns: space-separated choice names, or labels.

A cell is a list of choice names when every space-separated word of it (runs of white
space made single spaces) is a name of the list; words of white space only do not
count.  Such cells are read word by word, for all cells at once (pyarrow's string
kernels); the others (label exports write the options' labels, which may hold spaces)
are split greedily by the longest known label, one cell at a time.  Lists whose names
hold white space are checked the slow way: every name removed from the cell, whatever
is left is not a choice.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.ingest._stack import factorize_text

_SPACES = re.compile(r"\s+")
# White space other than a single space, among ASCII characters (those \s matches)
_ASCII_RUN = r"[\t\n\x0b\x0c\r\x1c-\x1f]|[\t\n\x0b\x0c\r\x1c-\x1f ]{2}"

__all__ = [
    "choice_members",
    "fold",
    "normalise_lists",
    "parse_select_multiple",
    "select_multiple_values",
]


def fold(text: str) -> str:
    """A label as looked up: runs of white space made one space, stripped, case-folded."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def parse_select_multiple(
    raw: pd.Series, names: list[str], lookup: dict[str, str]
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Validate a select_multiple summary column (space-separated choice names).

    Label exports separate option labels by spaces too; they are split greedily by the
    longest known label.

    Returns
    -------
    values : pandas.Series (string)
        Valid choice names, space-separated (in the export's order where it used
        names, in form order where it used labels); missing where empty.
    bad : pandas.Series of bool
        True where the cell held at least one unknown option.
    unknown : pandas.Series (string)
        The unknown option(s) of each bad cell.
    """
    codes, distinct = factorize_text(raw.to_numpy(dtype=object))
    out, bad, unknown, _ = select_multiple_values(normalise_lists(distinct), names, lookup)
    index = raw.index
    return (
        pd.Series(pd.array(out, dtype="string").take(codes), index=index),
        pd.Series(bad[codes], index=index),
        pd.Series(pd.array(unknown, dtype="string").take(codes), index=index),
    )


def normalise_lists(raw: pd.Series) -> np.ndarray:
    """Cells of select_multiple answers, stripped and with runs of white space made
    single spaces (object array; missing cells ``pd.NA``)."""
    s = raw.astype("string").str.strip()
    text = s.to_numpy(dtype=object)
    # Only a cell holding white space other than single spaces changes: those are found
    # by pyarrow (ASCII cells: _ASCII_RUN), and only they and the
    # non-ASCII cells go through Python's regex.
    arr = pa.array(text, type=pa.string(), from_pandas=True)
    odd = pc.or_kleene(
        pc.invert(pc.string_is_ascii(arr)), pc.match_substring_regex(arr, _ASCII_RUN)
    )
    todo = np.flatnonzero(np.asarray(odd.fill_null(False), dtype=bool))
    if len(todo):
        text = text.copy()
        text[todo] = [_SPACES.sub(" ", v) for v in text[todo]]
    return text


def select_multiple_values(
    text: np.ndarray, names: list[str], lookup: dict[str, str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_select_multiple` of cells already normalised (:func:`normalise_lists`).

    Returns
    -------
    out : numpy.ndarray
        The answers (object; ``None`` where missing).
    bad : numpy.ndarray of bool
        Whether each cell held an unknown option.
    unknown : numpy.ndarray
        Those options (object; ``None`` where none).
    member : numpy.ndarray of int8
        ``(cells, names)``: 1 where the answer holds the choice (:func:`choice_members`).
    """
    n = len(text)
    empty = np.array([v is pd.NA or v == "" for v in text], dtype=bool)
    valid = set(names)
    member = np.zeros((n, len(names)), dtype="int8")
    if any(not name or name.split() != [name] for name in valid):
        rest = _not_choices_regex(pd.Series(text, dtype="string"), valid) & ~empty
        words_read = np.zeros(n, dtype=bool)
    else:
        rest = _not_choices(text, empty, names, member)
        words_read = ~rest & ~empty
    out = np.array(text, dtype=object)
    out[empty] = None
    unknown = np.full(n, None, dtype=object)
    if rest.any():
        order = {name: i for i, name in enumerate(names)}
        labels = sorted(lookup, key=len, reverse=True)
        for pos in np.flatnonzero(rest).tolist():
            got, bad_parts = _greedy(fold(str(text[pos])), labels, lookup)
            got = [g for g in got if g in valid]
            out[pos] = " ".join(sorted(dict.fromkeys(got), key=order.__getitem__)) if got else None
            if bad_parts:
                unknown[pos] = " ".join(bad_parts)
    others = ~words_read  # answers not read word by word: their members one by one
    if others.any():
        member[others] = choice_members(out[others], names)
    bad = np.array([u is not None for u in unknown], dtype=bool)
    return out, bad, unknown, member


def _not_choices(
    text: np.ndarray, empty: np.ndarray, names: list[str], member: np.ndarray
) -> np.ndarray:
    """Cells that are not lists of choice names (all names without white space); the
    choices of the others are marked in ``member``."""
    present = np.array(text, dtype=object)
    present[empty] = None
    cells = pa.array(present, type=pa.large_string())
    words = pc.split_pattern(cells, " ")
    flat = pc.list_flatten(words)
    cell = pc.list_parent_indices(words).to_numpy(zero_copy_only=False)
    distinct = list(dict.fromkeys(names))
    at = pc.index_in(flat, value_set=pa.array(distinct, type=pa.large_string()))
    known = at.is_valid().to_numpy(zero_copy_only=False)
    odd = flat.filter(pa.array(~known)).to_numpy(zero_copy_only=False)
    rest = np.zeros(len(text), dtype=bool)
    if len(odd):  # words that are not names: a cell with one that is not blank
        words_odd = sorted(set(odd.tolist()))
        blank = set(np.array(words_odd, dtype=object)[_blank(words_odd)])
        not_blank = np.array([w not in blank for w in odd], dtype=bool)
        rest[cell[~known][not_blank]] = True
    hit = known & ~rest[cell]
    k = at.fill_null(0).to_numpy(zero_copy_only=False)[hit]
    rows = cell[hit]
    columns: dict[str, list[int]] = {}  # name -> its columns (two if listed twice)
    for j, other in enumerate(names):
        columns.setdefault(other, []).append(j)
    member[rows, np.array([columns[d][0] for d in distinct], dtype=np.intp)[k]] = 1
    for i, name in enumerate(distinct):  # a name listed twice: both of its columns
        for j in columns[name][1:]:
            member[rows[k == i], j] = 1
    return rest


def choice_members(summary: np.ndarray, names: list[str]) -> np.ndarray:
    """``(answers, names)``: 1 where ``" <name> "`` is in ``" <answer> "`` (a missing
    answer counts as empty).

    A name without spaces is found there exactly when it is one of the answer's
    space-separated words; others are looked for as written."""
    texts = ["" if v is None or v is pd.NA else str(v) for v in summary]
    out = np.zeros((len(texts), len(names)), dtype="int8")
    words: dict[str, list[int]] = {}
    for k, opt in enumerate(names):
        if " " in opt:
            out[:, k] = [f" {opt} " in f" {v} " for v in texts]
        else:
            words.setdefault(opt, []).append(k)
    for i, text in enumerate(texts):
        for word in set(text.split(" ")):
            for k in words.get(word, ()):
                out[i, k] = 1
    return out


def _blank(words: list[str]) -> np.ndarray:
    """Whether each word is white space only (as the strings' ``strip`` has it)."""
    return (pd.Series(words, dtype="string").str.strip() == "").to_numpy(dtype=bool)


def _not_choices_regex(s: pd.Series, valid: set[str]) -> np.ndarray:
    """Cells of ``s`` that are not lists of choice names, for lists whose names hold
    white space: every valid name is removed, whatever is left is not a choice name.
    Doubling the separators gives every token its own leading and trailing space."""
    pattern = " (?:" + "|".join(re.escape(n) for n in sorted(valid, key=len, reverse=True)) + ") "
    left = (" " + s.fillna("").str.replace(" ", "  ", regex=False) + " ").str.replace(
        pattern, "", regex=True
    )
    return (left.str.strip() != "").to_numpy(dtype=bool)


def _greedy(text: str, labels: list[str], lookup: dict[str, str]) -> tuple[list[str], list[str]]:
    if len(text) > 10_000:  # not a list of choices, and splitting it is quadratic
        return [], [text[:80] + " ..."]
    got: list[str] = []
    bad: list[str] = []
    while text:
        for lab in labels:
            if text == lab or text.startswith(lab + " "):
                got.append(lookup[lab])
                text = text[len(lab) :].strip()
                break
        else:
            head, _, text = text.partition(" ")
            bad.append(head)
    return got, bad
