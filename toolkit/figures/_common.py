"""Input checks and labels shared by the plotting helpers of :mod:`toolkit.figures`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from toolkit.errors import InputError
from toolkit.figures._style import ACTIVITY_LABELS, OKABE_ITO, ZONE_LABELS

__all__ = [
    "MARKERS",
    "METHOD_COLOURS",
    "PERCENT",
    "ZONE_ORDER",
    "activity_labels",
    "as_bool",
    "as_float",
    "check_proportions",
    "check_unique",
    "ordered",
    "pct_range",
    "spreadsheet_row",
    "zone_label",
]

ZONE_ORDER: tuple[str, ...] = (
    "africa",
    "americas",
    "asia_pacific",
    "europe",
    "mena",
    "all",
    "overall",
)


#: Markers and colours of successive methods / groups in point-and-interval plots.
MARKERS = ("o", "s", "D", "^", "v", "P")
METHOD_COLOURS = (
    OKABE_ITO["orange"],
    OKABE_ITO["blue"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
)

PERCENT = FuncFormatter(lambda v, _pos: f"{100 * v:.0f}")


def spreadsheet_row(df: pd.DataFrame, mask: Any) -> int | None:
    """1-based position (as a spreadsheet shows data rows after a header) of the first
    True in ``mask``, or None."""
    pos = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(pos[0]) + 2 if pos.size else None


def as_bool(df: pd.DataFrame, column: str, *, what: str) -> np.ndarray:
    """A boolean column as a numpy array; missing or non-boolean values are errors."""
    s = df[column]
    if s.dtype == bool:
        return s.to_numpy()
    try:
        b = s.astype("boolean")
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{what}: column '{column}' must hold True/False.",
            column=column,
            value=str(s.dtype),
            hint="Convert it to booleans.",
        ) from exc
    if b.isna().any():
        raise InputError(
            f"{what}: column '{column}' has missing values; each row must say True or False.",
            column=column,
            row=spreadsheet_row(df, b.isna()),
            hint="Fill the gaps (False where the cell was not suppressed).",
        )
    return b.to_numpy(dtype=bool)


def as_float(df: pd.DataFrame, column: str, *, what: str) -> np.ndarray:
    """A numeric column as float (NaN for missing); non-numeric values are errors."""
    try:
        return (
            pd.to_numeric(df[column], errors="raise")
            .astype("Float64")
            .to_numpy(dtype=float, na_value=np.nan)
        )
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{what}: column '{column}' must be numeric.",
            column=column,
            value=str(df[column].dtype),
            hint="Pass numbers (proportions between 0 and 1 for shares).",
        ) from exc


def check_proportions(
    df: pd.DataFrame,
    values: np.ndarray,
    column: str,
    *,
    what: str,
    interval: bool = False,
) -> None:
    """Proportions must lie in [0, 1] (NaN allowed).

    With ``interval=True`` (confidence limits) Wald limits slightly outside [0, 1] are
    accepted (the caller clips them to the axis); values beyond [-0.5, 1.5] are taken
    for percentages and refused.
    """
    tol = 0.5 if interval else 1e-9
    bad = np.isfinite(values) & ((values < -tol) | (values > 1 + tol))
    if bad.any():
        raise InputError(
            f"{what}: column '{column}' must hold proportions between 0 and 1.",
            column=column,
            row=spreadsheet_row(df, bad),
            value=float(values[bad][0]),
            hint="Give 0.45 for 45%, not 45.",
        )


def check_unique(df: pd.DataFrame, keys: Sequence[str], *, what: str) -> None:
    """Each combination of ``keys`` may occur once."""
    dup = df.duplicated(list(keys), keep=False).to_numpy()
    if dup.any():
        first = df.loc[dup, list(keys)].iloc[0].tolist()
        raise InputError(
            f"{what}: the combination {dict(zip(keys, first))} occurs more than once.",
            row=spreadsheet_row(df, dup),
            value=first,
            hint="Pass one row per " + " x ".join(keys) + ".",
        )


def ordered(
    values: Iterable[Any], order: Sequence[Any] | None, preferred: Sequence[Any] = ()
) -> list[Any]:
    """Distinct values in ``order`` (all must be listed) or preferred order then appearance."""
    seen = list(dict.fromkeys(v for v in values))
    if order is not None:
        order = list(order)
        missing = [v for v in seen if v not in order]
        if missing:
            raise InputError(
                f"The order given does not list {missing[:5]!r}; every value in the data "
                "must be placed.",
                value=missing[0],
                hint="Add the missing values to the order (nothing is dropped silently).",
            )
        return [v for v in order if v in seen]
    pref = [v for v in preferred if v in seen]
    return pref + [v for v in seen if v not in pref]


def activity_labels(df: pd.DataFrame, activity: str, label: str | None) -> dict[Any, str]:
    """Human-readable label of each activity code: the label column if any, else the
    toolkit's labels for the instrument's codes, else the code itself."""
    if label is None and "activity_label" in df.columns:
        label = "activity_label"
    out: dict[Any, str] = {}
    if label is not None:
        for code, lab in zip(df[activity], df[label]):
            if code not in out and isinstance(lab, str) and lab.strip():
                out[code] = lab.strip()
    for code in df[activity]:
        if code not in out:
            out[code] = ACTIVITY_LABELS.get(str(code), str(code).replace("_", " ").capitalize())
    return out


def zone_label(z: Any) -> str:
    return ZONE_LABELS.get(str(z), str(z).replace("_", " ").title())


def pct_range(low: float, high: float) -> str:
    """Interval as "32–58" (whole percentages, en dash)."""
    return f"{100 * low:.0f}–{100 * high:.0f}"
