"""Structured answers given in interviews, in the questionnaire's variable names.

Private helper module of :mod:`toolkit.interviews`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import InterviewDataError
from toolkit.interviews._io import (
    InterviewImport,
    Issues,
    quarantine_frame,
    read_table,
    spreadsheet_row,
)

__all__: list[str] = []

AnswerSpec = Collection[str] | str | None


def _check_value(v: str, spec: AnswerSpec) -> tuple[object, str | None]:
    """Converted value and a problem text (``None`` if valid)."""
    if spec is None or spec == "text":
        return v, None
    if spec == "integer":
        try:
            f = float(v.replace(",", "")) if v.strip() else np.nan
        except ValueError:
            return pd.NA, "not a whole number"
        if not float(f).is_integer() or f < 0:
            return pd.NA, "not a non-negative whole number"
        return int(f), None
    if spec == "number":
        try:
            return float(v.replace(",", "")), None
        except ValueError:
            return pd.NA, "not a number"
    if isinstance(spec, str):
        raise InterviewDataError(
            f"unknown answer type {spec!r}.",
            value=spec,
            hint="use None/'text', 'integer', 'number' or a list of allowed values.",
        )
    allowed = {str(a) for a in spec}
    tokens = v.split()
    bad = [t for t in tokens if t not in allowed]
    if bad:
        return pd.NA, f"{bad[0]!r} is not an allowed value"
    return " ".join(tokens), None


def read_answers(
    source: str | Path | pd.DataFrame,
    *,
    allowed: Mapping[str, AnswerSpec],
    frame: pd.DataFrame,
    sheet: str | int | None = None,
) -> InterviewImport:
    """Read and validate structured interview answers.

    Parameters
    ----------
    source : path or DataFrame
        CSV/XLSX with ``ns_iso3`` and columns named like the questionnaire's variables
        (e.g. ``activities``, ``activities__rfl``, ``people_reached``).
    allowed : mapping column -> spec
        The columns that may appear and what they may hold: ``None`` or ``"text"``
        (anything), ``"integer"`` (non-negative whole number), ``"number"``, or a
        collection of allowed values — a cell may hold several space-separated values
        (select_multiple), each of which must be allowed (XLSForm choice names have
        no spaces).  E.g. ``{"activities": ACTIVITIES, "activities__rfl": ["0", "1"],
        "people_reached": "integer"}``.
    frame : DataFrame
        Membership table, to validate ``ns_iso3``.
    sheet : str or int, optional
        Worksheet of an XLSX file.

    Returns
    -------
    InterviewImport
        ``data``: ``ns_iso3`` plus the allowed columns present (``Int64`` for integer,
        ``Float64`` for number, strings otherwise).  Rows without a valid Society, or
        whose Society appears on several rows, are quarantined; an invalid value is set
        to missing (and reported); a column not in ``allowed`` is not imported
        (reported once, with the number of non-empty cells).

    Raises
    ------
    InterviewDataError
        If the file cannot be read or has no ``ns_iso3`` column.
    """
    raw, file, notes = read_table(source, what="interview answers", sheet=sheet)
    issues = Issues(file)
    for note in notes:
        issues.add(None, None, None, note, "accepted")
    if "ns_iso3" not in raw.columns:
        raise InterviewDataError(
            "the interview answers have no 'ns_iso3' column (found: "
            + ", ".join(raw.columns)
            + ").",
            file=file,
            hint="name the Society column ns_iso3, as in the questionnaire.",
        )
    known = set(frame["iso3"].astype(str))
    cols = [c for c in raw.columns if c in allowed]
    for c in raw.columns:
        if c != "ns_iso3" and c not in allowed:
            filled = int((raw[c].astype(str).str.strip() != "").sum())
            issues.add(
                None,
                c,
                None,
                f"column is not a questionnaire variable allowed here ({filled} non-empty cell(s))",
                "column not imported",
            )
    n = len(raw)
    problems: list[list[str]] = [[] for _ in range(n)]
    iso = raw["ns_iso3"].astype(str).str.strip().str.upper().reset_index(drop=True)
    for i in range(n):
        if not iso[i]:
            problems[i].append("Society (ns_iso3) is empty")
            issues.add(
                spreadsheet_row(i), "ns_iso3", "", "Society (ns_iso3) is empty", "quarantined"
            )
        elif iso[i] not in known:
            problems[i].append("Society not in the frame")
            issues.add(
                spreadsheet_row(i),
                "ns_iso3",
                raw["ns_iso3"].iloc[i],
                "Society not in the frame",
                "quarantined",
            )
    valid = [i for i in range(n) if not problems[i]]
    counts = iso.iloc[valid].value_counts()
    for i in valid:
        if counts[iso[i]] > 1:
            rows = [spreadsheet_row(j) for j in valid if iso[j] == iso[i]]
            msg = f"Society answered on several rows ({', '.join(map(str, rows))})"
            problems[i].append(msg)
            issues.add(spreadsheet_row(i), "ns_iso3", iso[i], msg, "quarantined")
    ok = [i for i in range(n) if not problems[i]]
    out: dict[str, list[object]] = {"ns_iso3": [iso[i] for i in ok]}
    for c in cols:
        spec = allowed[c]
        vals: list[object] = []
        for i in ok:
            v = str(raw[c].iloc[i]).strip()
            if v == "":
                vals.append(pd.NA)
                continue
            conv, prob = _check_value(v, spec)
            if prob:
                issues.add(spreadsheet_row(i), c, v, prob, "set to missing")
            vals.append(conv)
        out[c] = vals
    data = pd.DataFrame(out)
    for c in cols:
        spec = allowed[c]
        if spec == "integer":
            data[c] = data[c].astype("Int64")
        elif spec == "number":
            data[c] = data[c].astype("Float64")
        else:
            data[c] = data[c].astype("string")
    data["ns_iso3"] = data["ns_iso3"].astype("string")
    qrows = [i for i in range(n) if problems[i]]
    quarantine = quarantine_frame(
        raw.reset_index(drop=True), file, qrows, ["; ".join(problems[i]) for i in qrows]
    )
    return InterviewImport(
        data=data, issues=issues.frame(), quarantine=quarantine, format="answers", n_rows=n
    )
