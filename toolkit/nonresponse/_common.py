"""Private helpers shared by the modules of :mod:`toolkit.nonresponse` (and
:mod:`toolkit.sampling`): aligning ingested data with the frame, resolving a
``responded`` indicator, and small numeric utilities.

Nothing here is public API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError

__all__: list[str] = []


def as_list(x: str | Sequence[str] | None) -> list[str]:
    """Return ``x`` as a list of column names (``None`` -> ``[]``)."""
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def check_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise :class:`InputError` naming the first column of ``columns`` missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"the {what} has no column {missing[0]!r}"
            + (f" (also missing: {', '.join(map(repr, missing[1:]))})" if len(missing) > 1 else "")
            + ".",
            column=missing[0],
            hint=f"check the spelling; the {what} has columns {', '.join(map(str, df.columns[:25]))}"
            + (" ..." if len(df.columns) > 25 else ""),
        )


def frame_units(frame: pd.DataFrame, frame_unit: str) -> pd.Series:
    """The unit codes of the frame, checked to be present and unique."""
    check_columns(frame, [frame_unit], "frame")
    units = frame[frame_unit]
    if units.isna().any():
        row = int(np.flatnonzero(units.isna().to_numpy())[0])
        raise InputError(
            f"the frame has a missing unit code in row {row + 1}.",
            column=frame_unit,
            hint="every frame row must carry its unit code (ISO3 for Societies).",
        )
    dup = units[units.duplicated()]
    if len(dup):
        raise InputError(
            "the frame lists a unit more than once.",
            column=frame_unit,
            value=dup.iloc[0],
            hint="each unit must appear exactly once in the frame.",
        )
    return units


def returned_units(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    *,
    unit: str,
    frame_unit: str,
) -> np.ndarray:
    """Which frame units have a row in ``data`` (boolean array in frame order).

    Raises
    ------
    InputError
        If ``data`` lacks the unit column, has a missing unit code, repeats a unit,
        or holds units that are not in the frame (nothing is dropped silently).
    """
    units = frame_units(frame, frame_unit)
    check_columns(data, [unit], "data")
    du = data[unit]
    if du.isna().any():
        row = int(np.flatnonzero(du.isna().to_numpy())[0])
        raise InputError(
            f"a returned row has no unit code (data row {row + 1}).",
            column=unit,
            hint="fix or quarantine the row before analysis.",
        )
    if du.duplicated().any():
        raise InputError(
            "the data hold more than one row for a unit.",
            column=unit,
            value=du[du.duplicated()].iloc[0],
            hint="deduplicate the returns (toolkit.ingest does this) before analysis.",
        )
    u = units.to_numpy(dtype=object)
    d = du.to_numpy(dtype=object)
    extra_mask = ~np.isin(d, u)
    if extra_mask.any():
        extra = d[extra_mask].tolist()
        raise InputError(
            f"{len(extra)} returned unit(s) are not in the frame: "
            f"{', '.join(map(str, extra[:10]))}{' ...' if len(extra) > 10 else ''}.",
            column=unit,
            value=extra[0],
            hint="correct the unit codes in the data or add the units to the frame.",
        )
    return np.isin(u, d)


def align_data(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    *,
    unit: str,
    frame_unit: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Align returned data with the frame.

    Returns
    -------
    aligned : DataFrame
        ``data`` reindexed to the frame's row order (``len(frame)`` rows, the frame's
        index); rows of units that returned nothing are all missing.  Boolean and
        integer columns become nullable (``boolean``, ``Int64``) so they can hold the
        missing rows.
    returned : ndarray of bool
        Whether the frame unit has a row in ``data``.

    Raises
    ------
    InputError
        As :func:`returned_units`.
    """
    returned = returned_units(frame, data, unit=unit, frame_unit=frame_unit)
    units = frame[frame_unit]
    # Nullable dtypes so that rows of non-returning units can be missing without
    # turning booleans into objects or integers into floats.
    conv: dict[str, str] = {}
    for c in data.columns:
        if c == unit:
            continue
        dtype = data[c].dtype
        if not isinstance(dtype, np.dtype):
            continue
        if dtype == np.bool_:
            conv[c] = "boolean"
        elif np.issubdtype(dtype, np.integer):
            conv[c] = "Int64"
    keyed = (data.astype(conv) if conv else data).set_index(unit, drop=False)
    aligned = keyed.reindex(units.to_numpy())
    aligned.index = frame.index
    aligned[unit] = units.to_numpy()
    return aligned[list(data.columns)], returned


def resolve_responded(
    frame: pd.DataFrame,
    responded: Any,
    *,
    name: str = "responded",
) -> np.ndarray:
    """Turn ``responded`` into a boolean array aligned with the frame's rows.

    ``responded`` may be the name of a frame column, a Series aligned with the frame's
    index, or an array-like of ``len(frame)`` booleans (or 0/1).
    """
    if isinstance(responded, str):
        check_columns(frame, [responded], "frame")
        s = frame[responded]
    elif isinstance(responded, pd.Series):
        if not responded.index.equals(frame.index):
            missing = frame.index.difference(responded.index)
            if len(missing):
                raise InputError(
                    f"the {name} indicator has no value for frame row label {missing[0]!r}.",
                    hint="pass a Series indexed like the frame (e.g. a column of the "
                    "dispositions table) or a plain array in frame order.",
                )
            s = responded.reindex(frame.index)
        else:
            s = responded
    else:
        arr = np.asarray(responded)
        if arr.ndim != 1 or len(arr) != len(frame):
            raise InputError(
                f"the {name} indicator has {arr.size} values but the frame has {len(frame)} rows.",
                hint="pass one value per frame row, in frame order.",
            )
        s = pd.Series(arr, index=frame.index)
    if s.isna().any():
        raise InputError(
            f"the {name} indicator is missing for {int(s.isna().sum())} frame unit(s).",
            value=s.index[s.isna()][0],
            hint="code every frame unit as responded (True) or not (False).",
        )
    vals = pd.unique(s.to_numpy())
    ok = {True, False}
    bad = [
        v
        for v in vals
        if not (isinstance(v, (bool, np.bool_, int, np.integer, float, np.floating)) and v in ok)
    ]
    if bad:
        raise InputError(
            f"the {name} indicator must be True/False (or 1/0); found {bad[0]!r}.",
            value=bad[0],
            hint="convert the indicator to booleans before passing it.",
        )
    return s.to_numpy().astype(bool)


def is_answered(s: pd.Series) -> np.ndarray:
    """True where a value counts as an answer (not missing, not a blank string)."""
    ok = s.notna().to_numpy()
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        txt = s.astype("string").str.strip()
        ok = ok & (txt.fillna("") != "").to_numpy()
    return ok


def is_binary(s: pd.Series) -> bool:
    """Whether ``s`` is boolean or numeric with only 0/1 (and missing) values."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return True
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = pd.unique(s.dropna().to_numpy(dtype=float))
        return bool(np.all(np.isin(vals, [0.0, 1.0])))
    return False


def is_categorical(s: pd.Series) -> bool:
    """Whether ``s`` should be treated as categorical (string, category or bool)."""
    return (
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(s.dtype)
        or s.dtype == object
        or pd.api.types.is_string_dtype(s.dtype)
    )


def to_float(s: pd.Series) -> np.ndarray:
    """Numeric/boolean Series -> float array with NaN for missing."""
    return pd.to_numeric(
        s.astype("Float64") if pd.api.types.is_bool_dtype(s.dtype) else s, errors="raise"
    ).to_numpy(dtype=float, na_value=np.nan)


def levels_of(s: pd.Series) -> list[Any]:
    """Observed levels of a categorical Series, in category or sorted order."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(s.dropna().tolist())
        return [c for c in s.cat.categories if c in present]
    vals = s.dropna().unique().tolist()
    try:
        return sorted(vals)
    except TypeError:
        return sorted(vals, key=str)


def group_keys(df: pd.DataFrame, by: list[str]) -> tuple[list[tuple], np.ndarray]:
    """Distinct group keys (sorted) and each row's group code. ``by=[]`` -> one group."""
    if not by:
        return [()], np.zeros(len(df), dtype=np.intp)
    check_columns(df, by, "table")
    for b in by:
        if df[b].isna().any():
            raise InputError(
                f"the grouping column has missing values ({int(df[b].isna().sum())} rows).",
                column=b,
                hint="fill the grouping column for every row or choose another column.",
            )
    codes, uniques = pd.MultiIndex.from_frame(df[by]).factorize(sort=True)
    return [tuple(u) if isinstance(u, tuple) else (u,) for u in uniques], codes


ALL_LABEL = "All"
