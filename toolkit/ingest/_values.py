"""Typed parsing and cell-level checks of export answers.

Each function takes a column of raw strings (as read from the export) and returns the
typed values plus the positions and reasons of the cells that failed, so that
:mod:`toolkit.ingest` can write one issue per failed cell and keep the row as item
non-response.  All work is vectorised over the column.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "label_lookup",
    "parse_datetime",
    "parse_numeric",
    "parse_option_block",
    "parse_option_column",
    "parse_select_multiple",
    "parse_select_one",
]

_TRUEISH = {"1", "1.0", "true", "yes", "y", "x", "vrai", "sí", "si", "oui"}
_FALSEISH = {"0", "0.0", "false", "no", "n", "faux", "non"}


def parse_numeric(raw: pd.Series, *, integer: bool) -> tuple[pd.Series, pd.Series]:
    """Parse numbers written by Kobo/ODK or spreadsheet programs.

    Accepts a decimal comma (``"12,5"``) and thousands separators written as spaces,
    thin spaces or apostrophes.

    Returns
    -------
    values : pandas.Series
        ``Int64`` (integer questions) or ``Float64``; missing where empty or invalid.
    bad : pandas.Series of bool
        True where a non-empty cell is not a number (or, for integers, not whole).
    """
    s = raw.astype("string").str.strip()
    empty = s.isna() | (s == "")
    clean = s.str.replace(r"[\s\u202f\u00a0']", "", regex=True)
    # "1.234,5" and "12,5": comma as decimal separator when no dot follows it.
    comma_dec = clean.str.contains(r"^-?[\d.]*,\d+$", regex=True, na=False)
    clean = clean.where(
        ~comma_dec, clean.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    )
    values = pd.to_numeric(clean.where(~empty), errors="coerce")
    bad = ~empty & values.isna()
    if integer:
        frac = values.notna() & (np.floor(values.fillna(0)) != values.fillna(0))
        bad = bad | frac
        values = values.where(~frac)
        return values.round().astype("Int64"), bad
    return values.astype("Float64"), bad


def parse_datetime(raw: pd.Series, *, date_only: bool) -> tuple[pd.Series, pd.Series]:
    """Parse ISO 8601 dates and times (with or without offsets) and day-first dates.

    Returns
    -------
    values : pandas.Series
        ``datetime64`` (timezone-naive UTC for times; midnight for dates).
    bad : pandas.Series of bool
        True where a non-empty cell is not a date.
    """
    s = raw.astype("string").str.strip()
    empty = s.isna() | (s == "")
    parsed = pd.to_datetime(s.where(~empty), errors="coerce", utc=True, format="ISO8601")
    # Day-first dates typed by hand (31/12/2024) or Excel serial numbers.
    retry = parsed.isna() & ~empty
    if retry.any():
        alt = pd.to_datetime(s[retry], errors="coerce", utc=True, dayfirst=True, format="%d/%m/%Y")
        serial = pd.to_numeric(s[retry], errors="coerce")
        excel = pd.to_datetime(
            serial.where((serial > 20000) & (serial < 80000)),
            unit="D",
            origin="1899-12-30",
            utc=True,
            errors="coerce",
        )
        parsed.loc[retry] = alt.fillna(excel)
    values = parsed.dt.tz_convert(None)
    if date_only:
        values = values.dt.normalize()
    bad = ~empty & values.isna()
    return values, bad


def label_lookup(choices: pd.DataFrame) -> dict[str, str]:
    """Map every choice name and label (any language, case-folded) to the name."""
    out: dict[str, str] = {}
    for col in [c for c in choices.columns if c.startswith("label")]:
        for name, lab in zip(choices["name"], choices[col]):
            if isinstance(lab, str) and lab.strip():
                out.setdefault(_fold(lab), str(name))
    for name in choices["name"]:
        out[_fold(str(name))] = str(name)
    return out


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def parse_select_one(
    raw: pd.Series, names: list[str], lookup: dict[str, str]
) -> tuple[pd.Series, pd.Series]:
    """Validate a select_one column; labels are translated to choice names.

    Returns
    -------
    values : pandas.Series (string)
    bad : pandas.Series of bool
        True where a non-empty cell is neither a choice name nor a label.
    """
    s = raw.astype("string").str.strip()
    empty = s.isna() | (s == "")
    valid = set(names)
    direct = s.isin(valid)
    mapped = s.where(direct)
    need = ~direct & ~empty
    if need.any():
        mapped.loc[need] = s[need].map(lambda v: lookup.get(_fold(v), pd.NA))
    bad = ~empty & mapped.isna()
    return mapped.astype("string"), bad


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
    s = raw.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    empty = (s.isna() | (s == "")).to_numpy()
    valid = set(names)
    order = {n: i for i, n in enumerate(names)}
    # Vectorised check: remove every valid name; whatever is left is not a choice name.
    # Doubling the separators gives every token its own leading and trailing space.
    pattern = " (?:" + "|".join(re.escape(n) for n in sorted(valid, key=len, reverse=True)) + ") "
    left = (" " + s.fillna("").str.replace(" ", "  ", regex=False) + " ").str.replace(
        pattern, "", regex=True
    )
    rest = (left.str.strip() != "").to_numpy() & ~empty
    out = s.where(~pd.Series(empty, index=s.index)).astype("string")
    unknown = pd.Series(pd.NA, index=s.index, dtype="string")
    if rest.any():
        labels = sorted(lookup, key=len, reverse=True)
        for pos in np.flatnonzero(rest).tolist():
            got, bad_parts = _greedy(_fold(str(s.iloc[pos])), labels, lookup)
            got = [g for g in got if g in valid]
            # None is stored as <NA> in the string dtype
            out.iloc[pos] = (
                " ".join(sorted(dict.fromkeys(got), key=order.__getitem__)) if got else None
            )
            if bad_parts:
                unknown.iloc[pos] = " ".join(bad_parts)
    bad = unknown.notna()
    return out, bad, unknown


def _greedy(text: str, labels: list[str], lookup: dict[str, str]) -> tuple[list[str], list[str]]:
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


def parse_option_column(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a 0/1 option column of a select_multiple question.

    An empty cell means "not asked", not "no".

    Returns
    -------
    values : pandas.Series (Int8, 0/1/NA)
    bad : pandas.Series of bool
        True where the cell is neither empty nor a recognisable 0/1 value.
    """
    s = raw.astype("string").str.strip().str.casefold().fillna("")
    empty = (s == "").to_numpy()
    yes = s.isin(_TRUEISH).to_numpy()
    no = s.isin(_FALSEISH).to_numpy()
    values = pd.Series(pd.arrays.IntegerArray(yes.astype("int8"), ~(yes | no)), index=raw.index)
    bad = pd.Series(~empty & ~yes & ~no, index=raw.index)
    return values, bad


def parse_option_block(raw: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse several 0/1 option columns at once (see :func:`parse_option_column`).

    Returns
    -------
    values : numpy.ndarray of int8
        1 where selected, 0 otherwise (meaningless where not ``known``).
    known : numpy.ndarray of bool
        False where the cell is empty ("not asked") or invalid.
    bad : numpy.ndarray of bool
        True where the cell is neither empty nor a recognisable 0/1 value.
    """
    block = raw.fillna("").to_numpy(dtype=object)
    yes = block == "1"
    no = block == "0"
    empty = block == ""
    other = ~(yes | no | empty)
    if other.any():  # "1.0", " TRUE ", "x" ...: normalise only those cells
        low = np.array([str(v).strip().casefold() for v in block[other]], dtype=object)
        yes[other] = np.isin(low, list(_TRUEISH))
        no[other] = np.isin(low, list(_FALSEISH))
        empty[other] = low == ""
    return yes.astype("int8"), yes | no, ~empty & ~yes & ~no
