"""AAPOR outcome rates: response, cooperation, refusal and contact rates computed from
final dispositions (:func:`toolkit.nonresponse.dispositions`).

References
----------
AAPOR (2023). *Standard Definitions: Final Dispositions of Case Codes and Outcome
Rates for Surveys*, 10th edition. American Association for Public Opinion Research.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.nonresponse._common import ALL_LABEL, as_list, check_columns, group_keys
from toolkit.nonresponse._dispositions import DISPOSITION_CODES

__all__ = ["RATE_COLUMNS", "response_rates"]

#: AAPOR outcome rates computed by :func:`response_rates`, in column order.
RATE_COLUMNS: tuple[str, ...] = (
    "RR1",
    "RR2",
    "RR3",
    "RR4",
    "RR5",
    "RR6",
    "COOP1",
    "COOP2",
    "COOP3",
    "COOP4",
    "REF1",
    "REF2",
    "REF3",
    "CON1",
    "CON2",
    "CON3",
)


def aapor_rates(counts: Mapping[str, float], e: float) -> dict[str, float]:
    """AAPOR outcome rates from disposition counts (or weighted sums) and ``e``."""
    # AAPOR's own symbols: I complete, P partial, R refusal, NC non-contact, O other.
    I, P, R, NC, O, UH, UO, _NE = (float(counts[k]) for k in DISPOSITION_CODES)  # noqa: E741
    U = UH + UO
    eU = 0.0 if U == 0 else e * U  # e is irrelevant (possibly undefined) when U == 0

    def div(a: float, b: float) -> float:
        return a / b if b > 0 else np.nan

    IP = I + P
    known = IP + R + NC + O
    contacted = IP + R + O
    return {
        "RR1": div(I, known + U),
        "RR2": div(IP, known + U),
        "RR3": div(I, known + eU),
        "RR4": div(IP, known + eU),
        "RR5": div(I, known),
        "RR6": div(IP, known),
        "COOP1": div(I, IP + R + O),
        "COOP2": div(IP, IP + R + O),
        "COOP3": div(I, IP + R),
        "COOP4": div(IP, IP + R),
        "REF1": div(R, known + U),
        "REF2": div(R, known + eU),
        "REF3": div(R, known),
        "CON1": div(contacted, contacted + NC + U),
        "CON2": div(contacted, contacted + NC + eU),
        "CON3": div(contacted, contacted + NC),
    }


def response_rates(
    dispositions: pd.DataFrame | pd.Series,
    by: str | Sequence[str] | None = None,
    e: float | Mapping[Any, float] | None = None,
    weights: str | Sequence[float] | np.ndarray | pd.Series | None = None,
    *,
    column: str = "disposition",
) -> pd.DataFrame:
    """AAPOR response, cooperation, refusal and contact rates.

    Parameters
    ----------
    dispositions : DataFrame or Series
        A table with a column of AAPOR codes (as returned by :func:`toolkit.nonresponse.dispositions`) or a
        Series of codes.
    by : str or list of str, optional
        Grouping column(s); rates are given per group and overall.
    e : float or mapping, optional
        Estimated share of unknown-eligibility cases (UH + UO) that are eligible, used
        by RR3, RR4, REF2 and CON2.  Default (None): the proportional estimate
        ``(I+P+R+NC+O) / (I+P+R+NC+O+NE)``, computed within each group.  A mapping
        gives one value per group label (the overall row uses ``e["All"]`` if present,
        else the proportional estimate).
    weights : str or array-like, optional
        A weight column (or one weight per row); rates are then ratios of weighted
        sums (AAPOR's weighted response rates).
    column : str, default "disposition"
        Column holding the codes.

    Returns
    -------
    DataFrame
        One row per group plus a row ``"All"`` (just ``"All"`` when ``by`` is None);
        index named after ``by``.  Columns: the counts (or weighted sums) I, P, R, NC,
        O, UH, UO, NE; ``e``; and RR1-RR6, COOP1-COOP4, REF1-REF3, CON1-CON3.  A rate
        whose denominator is zero is NaN.

    Notes
    -----
    With U = UH + UO (AAPOR 2023):

    - RR1 = I / ((I+P) + (R+NC+O) + U), RR2 = (I+P) / (same),
      RR3 = I / ((I+P) + (R+NC+O) + eU), RR4 = (I+P) / (same),
      RR5 = I / ((I+P) + (R+NC+O)), RR6 = (I+P) / (same);
    - COOP1 = I / ((I+P) + R + O), COOP2 = (I+P) / (same),
      COOP3 = I / ((I+P) + R), COOP4 = (I+P) / (same);
    - REF1 = R / ((I+P) + (R+NC+O) + U), REF2 = R / (... + eU), REF3 = R / ((I+P) + (R+NC+O));
    - CON1 = ((I+P)+R+O) / ((I+P)+R+O+NC+U), CON2 = (... + eU), CON3 = (... + NC).

    NE cases are excluded from every denominator.
    """
    if isinstance(dispositions, pd.Series):
        df = dispositions.rename(column).to_frame()
    else:
        df = dispositions
    check_columns(df, [column], "dispositions table")
    codes = df[column].astype("object")
    bad = ~codes.isin(DISPOSITION_CODES)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} disposition(s) are not AAPOR codes.",
            column=column,
            value=codes[bad].iloc[0],
            hint=f"use one of {', '.join(DISPOSITION_CODES)} (see toolkit.nonresponse.dispositions).",
        )
    if weights is None:
        w = np.ones(len(df))
    elif isinstance(weights, str):
        check_columns(df, [weights], "dispositions table")
        w = pd.to_numeric(df[weights]).to_numpy(dtype=float, na_value=np.nan)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(df),):
            raise InputError(
                f"weights has {w.size} values for {len(df)} dispositions.",
                hint="pass one weight per row of the dispositions table.",
            )
    if np.isnan(w).any() or (w < 0).any():
        raise InputError(
            "weights must be non-negative and not missing.",
            value=float(w[np.isnan(w) | (w < 0)][0]),
        )
    by_l = as_list(by)
    keys, gcode = group_keys(df, by_l)
    ccode = pd.Categorical(codes, categories=list(DISPOSITION_CODES)).codes
    table = np.zeros((len(keys), len(DISPOSITION_CODES)))
    np.add.at(table, (gcode, ccode), w)
    rows = [table[g] for g in range(len(keys))]
    labels: list[Any] = [k if len(k) != 1 else k[0] for k in keys]
    if by_l:
        rows.append(table.sum(axis=0))
        labels.append(tuple([ALL_LABEL] * len(by_l)) if len(by_l) > 1 else ALL_LABEL)
    else:
        labels = [ALL_LABEL]

    records = []
    for lab, cnt in zip(labels, rows):
        counts = dict(zip(DISPOSITION_CODES, cnt))
        ee = _resolve_e(e, lab, counts)
        rec = {**counts, "e": ee, **aapor_rates(counts, ee if np.isfinite(ee) else 0.0)}
        if not np.isfinite(ee) and counts["UH"] + counts["UO"] > 0:
            for k in ("RR3", "RR4", "REF2", "CON2"):
                rec[k] = np.nan
        records.append(rec)
    out = pd.DataFrame.from_records(records)
    if len(by_l) > 1:
        out.index = pd.MultiIndex.from_tuples(labels, names=by_l)
    else:
        out.index = pd.Index(labels, name=by_l[0] if by_l else None, dtype=object)
    if weights is None:
        out[list(DISPOSITION_CODES)] = out[list(DISPOSITION_CODES)].astype("int64")
    return out


def _resolve_e(e: Any, label: Any, counts: Mapping[str, float]) -> float:
    if e is None:
        num = sum(counts[k] for k in ("I", "P", "R", "NC", "O"))
        den = num + counts["NE"]
        return num / den if den > 0 else np.nan
    if isinstance(e, Mapping):
        if label not in e:
            if label == ALL_LABEL or (isinstance(label, tuple) and ALL_LABEL in label):
                return _resolve_e(None, label, counts)
            raise InputError(
                f"e has no value for group {label!r}.",
                value=label,
                hint="give e for every group, a single number, or None for the "
                "proportional estimate.",
            )
        e = e[label]
    ef = float(e)
    if not 0 <= ef <= 1:
        raise InputError(f"e must lie in [0, 1]; got {ef}.", value=ef)
    return ef
