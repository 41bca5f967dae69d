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

from toolkit.ingest._multiple import fold as _fold
from toolkit.ingest._multiple import parse_select_multiple
from toolkit.ingest._stack import factorize_text

__all__ = [
    "MISSING_TOKENS",
    "as_decimals",
    "as_integers",
    "blank_missing",
    "label_lookup",
    "number_values",
    "parse_datetime",
    "parse_geopoint",
    "parse_numeric",
    "parse_option_block",
    "parse_option_column",
    "parse_select_multiple",
    "parse_select_one",
    "parse_time",
]

_TRUEISH = {"1", "1.0", "true", "yes", "y", "x", "vrai", "sí", "si", "oui"}
_FALSEISH = {"0", "0.0", "false", "no", "n", "faux", "non"}

#: Cell values that mean "no answer" in Kobo / Ona / R exports (not invalid answers).
MISSING_TOKENS = ("n/a", "N/A", "NA", "NaN", "nan", "#N/A")

# ODK Briefcase writes dates in the JVM's locale: "Apr 26, 2018 8:58:20 AM", "Apr 26, 2018".
_LOCALISED = ("%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M %p", "%b %d, %Y")
_LITERAL = {**dict.fromkeys(_LOCALISED, ","), "%d/%m/%Y": "/"}  # a cell of the format has it
_TIME = re.compile(
    r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?P<f>\.\d+)?)?\s*(?P<ampm>[AaPp][Mm])?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


def blank_missing(
    table: pd.DataFrame, exempt: dict[str, set[str]] | None = None
) -> tuple[pd.DataFrame, int]:
    """Replace the "no answer" tokens of :data:`MISSING_TOKENS` by empty cells.

    Parameters
    ----------
    table : pandas.DataFrame
        Cells as strings.
    exempt : dict of str to set of str, optional
        Column -> tokens that are real answers there (e.g. a choice named ``NA``).

    Returns
    -------
    table : pandas.DataFrame
        A copy with the tokens blanked (the input is not modified).
    count : int
        Number of cells blanked.
    """
    tokens = set(MISSING_TOKENS)
    hit = table.isin(tokens)
    for col, keep in (exempt or {}).items():
        if col in hit and keep & tokens:
            hit[col] &= ~table[col].isin(keep)
    count = int(hit.to_numpy().sum())
    if not count:
        return table, 0
    return table.mask(hit, ""), count


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
    values, empty = number_values(raw)
    return as_integers(values, empty) if integer else as_decimals(values, empty)


def number_values(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The numbers of a column (as ``pd.to_numeric`` reads them once cleaned) and
    where its cells are empty."""
    s = raw.astype("string").str.strip()
    empty = (s.fillna("") == "").to_numpy(dtype=bool)
    clean = s.str.replace(r"[\s\u202f\u00a0']", "", regex=True)
    # "1.234,5" and "12,5": comma as decimal separator when no dot follows it.
    comma_dec = clean.str.contains(r"^-?[\d.]*,\d+$", regex=True, na=False)
    if comma_dec.any():
        clean = clean.where(
            ~comma_dec, clean.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        )
    return pd.to_numeric(clean.where(~empty), errors="coerce"), empty


def as_integers(values: pd.Series, empty: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_numeric` (integers) from :func:`number_values`."""
    bad = ~empty & values.isna().to_numpy(dtype=bool)
    filled = values.fillna(0)
    frac = (values.notna() & (np.floor(filled) != filled)).to_numpy(dtype=bool)
    values = values.where(~frac)
    return values.round().astype("Int64"), pd.Series(bad | frac, index=values.index)


def as_decimals(values: pd.Series, empty: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_numeric` (decimals) from :func:`number_values`."""
    bad = ~empty & values.isna().to_numpy(dtype=bool)
    return values.astype("Float64"), pd.Series(bad, index=values.index)


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
    empty = pd.Series((s.fillna("") == "").to_numpy(dtype=bool), index=s.index)
    parsed = pd.to_datetime(s.where(~empty), errors="coerce", utc=True, format="ISO8601")
    # ODK Briefcase's localised dates, day-first dates typed by hand (31/12/2024) or
    # Excel serial numbers.  combine_first: the candidates may have a finer unit.
    retry = parsed.isna() & ~empty
    for fmt in (*_LOCALISED, "%d/%m/%Y"):
        if not retry.any():
            break
        if not any(_LITERAL[fmt] in v for v in s[retry].tolist()):
            # No cell has the format's literal ',' or '/': none can match, and an
            # all-NaT result (unit "s", the coarsest) would change nothing.
            continue
        found = pd.to_datetime(s[retry], errors="coerce", utc=True, format=fmt)
        parsed = parsed.combine_first(found).reindex(s.index)
        retry = parsed.isna() & ~empty
    if retry.any():
        serial = pd.to_numeric(s[retry], errors="coerce")
        excel = pd.to_datetime(
            serial.where((serial > 20000) & (serial < 80000)),
            unit="D",
            origin="1899-12-30",
            utc=True,
            errors="coerce",
        )
        parsed = parsed.combine_first(excel).reindex(s.index)
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
    codes, distinct = factorize_text(raw.to_numpy(dtype=object))
    stripped = distinct.astype("string").str.strip().to_numpy(dtype=object)
    valid = set(names)
    values = np.full(len(stripped), None, dtype=object)
    bad = np.zeros(len(stripped), dtype=bool)
    for i, v in enumerate(stripped):
        if v is pd.NA or v == "":
            continue
        if v in valid:
            values[i] = v
        else:
            values[i] = lookup.get(_fold(v))
            bad[i] = values[i] is None
    out = pd.array(values, dtype="string").take(codes)
    return pd.Series(out, index=raw.index), pd.Series(bad[codes], index=raw.index)


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


def parse_option_block(
    raw: pd.DataFrame | np.ndarray, selected: list[set[str]] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse several 0/1 option columns at once (see :func:`parse_option_column`).

    ``selected`` gives, per column, further case-folded cell values that mean the
    option was chosen: exports "with labels" write the option's label (or name) in
    its column instead of ``1``.

    Returns
    -------
    values : numpy.ndarray of int8
        1 where selected, 0 otherwise (meaningless where not ``known``).
    known : numpy.ndarray of bool
        False where the cell is empty ("not asked") or invalid.
    bad : numpy.ndarray of bool
        True where the cell is neither empty nor a recognisable 0/1 value.
    """
    block = np.asarray(raw, dtype=object)
    try:  # the usual cells, compared at C speed: quicker than hashing every cell
        yes, no = block == "1", block == "0"
        empty = np.zeros(block.shape, dtype=bool)
        rest = ~(yes | no)
        empty[rest] = block[rest] == ""
    except TypeError:  # a cell whose comparison has no truth value (pd.NA)
        yes, no, empty = _option_cells(block)
    other = ~(yes | no | empty)
    if other.any():  # "1.0", " TRUE ", "x", a label, a missing cell ...: only those cells
        rows, cols = np.nonzero(other)
        # Each distinct (value, column) is looked at once.
        codes, distinct = factorize_text(block[rows, cols])
        values = distinct.to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = ""
        folded = np.array([str(v).strip().casefold() for v in values], dtype=object)
        low = folded[codes]
        if selected:
            pairs, at = np.unique(codes * block.shape[1] + cols, return_index=True)
            chosen = np.array(
                [folded[codes[i]] in selected[cols[i]] for i in at.tolist()], dtype=bool
            )
            extra = chosen[np.searchsorted(pairs, codes * block.shape[1] + cols)]
        else:
            extra = np.zeros(len(low), dtype=bool)
        yes[rows, cols] = np.isin(folded, list(_TRUEISH))[codes] | extra
        no[rows, cols] = np.isin(folded, list(_FALSEISH))[codes]
        empty[rows, cols] = low == ""
    return yes.astype("int8"), yes | no, ~empty & ~yes & ~no


def _option_cells(block: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the cells of an option block are ``"1"``, ``"0"`` and empty (missing
    cells count as empty), once per distinct value."""
    codes, distinct = factorize_text(block.ravel())
    values = distinct.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = ""
    codes = codes.reshape(block.shape)
    return (values == "1")[codes], (values == "0")[codes], (values == "")[codes]


def parse_time(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse times of day: ISO (``09:23:20.840-06:00``) or 12-hour (``8:56:00 AM``).

    Returns
    -------
    values : pandas.Series (string)
        ``HH:MM:SS`` on the 24-hour clock, with fractions and offsets as written.
    bad : pandas.Series of bool
        True where a non-empty cell is not a time of day.
    """
    s = raw.astype("string").str.strip()
    empty = s.isna() | (s == "")
    parts = s.str.extract(_TIME)
    hour = pd.to_numeric(parts["h"], errors="coerce")
    minute = pd.to_numeric(parts["m"], errors="coerce")
    second = pd.to_numeric(parts["s"], errors="coerce").fillna(0)
    ampm = parts["ampm"].str.upper()
    twelve = ampm.notna()
    ok = hour.notna() & (minute < 60) & (second < 61)
    ok &= (twelve & hour.between(1, 12)) | (~twelve & hour.between(0, 23))
    pm = (ampm == "PM").fillna(False).astype(bool)
    hour = hour.where(~twelve, hour % 12 + pm.astype(int) * 12)
    text = (
        hour.fillna(0).astype(int).astype(str).str.zfill(2)
        + ":"
        + minute.fillna(0).astype(int).astype(str).str.zfill(2)
        + ":"
        + second.astype(int).astype(str).str.zfill(2)
        + parts["f"].fillna("")
        + parts["tz"].fillna("")
    )
    values = text.astype("string").where(ok & ~empty)
    return values, (~empty & ~ok.fillna(False)).astype(bool)


#: The parts of a geopoint, in the order ODK writes them.
GEO_PARTS = ("latitude", "longitude", "altitude", "precision")


def parse_geopoint(raw: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Split geopoints (``"lat lon [alt [accuracy]]"``) into numbers.

    Returns
    -------
    parts : pandas.DataFrame
        ``Float64`` columns ``latitude``, ``longitude``, ``altitude``, ``precision``.
    bad : pandas.Series of bool
        True where a non-empty cell is not a geopoint (two to four numbers, latitude
        within -90..90 and longitude within -180..180).
    """
    s = raw.astype("string").str.strip()
    empty = s.isna() | (s == "")
    split = s.str.split(r"\s+", n=3, expand=True, regex=True).reindex(columns=range(4))
    parts = pd.DataFrame(
        {p: pd.to_numeric(split[k], errors="coerce") for k, p in enumerate(GEO_PARTS)},
        index=raw.index,
    ).astype("Float64")
    n_words = s.str.count(r"\S+").fillna(0)
    ok = parts["latitude"].between(-90, 90) & parts["longitude"].between(-180, 180)
    ok &= n_words.between(2, 4) & ~(
        split[[2, 3]].notna() & parts[["altitude", "precision"]].isna()
    ).any(axis=1)
    bad = (~empty & ~ok.fillna(False)).astype(bool)
    return parts.where(~bad & ~empty), bad
