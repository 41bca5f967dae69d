"""Carry-forward sensitivity: this round's shares if non-respondents' last answers held.

Mapping studies repeat.  A Society that did not answer this round may have answered an
earlier one; :func:`carry_forward` finds its most recent answer no older than
``max_age`` years, and :func:`carry_forward_shares` re-estimates the shares with those
answers standing in for the missing ones.  The result is a *sensitivity analysis*,
always labelled ``"carry-forward (labelled sensitivity)"`` and always returned beside
the non-response weighted estimate, never in its place: it assumes nothing changed
since the Society last answered, which is false when programmes end or start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import norm

from toolkit.errors import InputError
from toolkit.nonresponse._common import check_columns, returned_units
from toolkit.nonresponse._design import nonresponse_design

if TYPE_CHECKING:
    from toolkit.survey import Design

__all__ = ["CARRY_FORWARD_METHOD", "WEIGHTED_METHOD", "carry_forward", "carry_forward_shares"]

#: Label of the carry-forward rows (a sensitivity analysis, not an estimate).
CARRY_FORWARD_METHOD = "carry-forward (labelled sensitivity)"
#: Label of the non-response weighted rows (the study's estimate).
WEIGHTED_METHOD = "weighted"
_PREFIX = "activities__"
_ALL = "all"


def _variables(tables: Sequence[pd.DataFrame], variables: Sequence[str] | None) -> list[str]:
    if variables is not None:
        return list(variables)
    found: list[str] = []
    for t in tables:
        found += [c for c in t.columns if c.startswith(_PREFIX) and c not in found]
    found = [c for c in found if c != f"{_PREFIX}other"]
    if not found:
        raise InputError(
            f"the responses have no {_PREFIX}<code> columns.",
            hint="pass variables=[...] naming the 0/1 indicators to estimate.",
        )
    return found


def _indicators(
    responses: pd.DataFrame, variables: Sequence[str], unit: str, gate: str | None
) -> pd.DataFrame:
    """``unit`` and the 0/1 variables; a Society without a programme (gate "no") runs none."""
    check_columns(responses, [unit, *variables], "responses")
    block = responses[list(variables)]
    try:
        values = block.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        values = block.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    if gate is not None and gate in responses:
        values[responses[gate].eq("no").fillna(False).to_numpy(bool)] = 0.0
    out = pd.DataFrame(values, columns=list(variables))
    out.insert(0, unit, responses[unit].astype(str).to_numpy())
    return out.reset_index(drop=True)


def carry_forward(
    frame: pd.DataFrame,
    current: pd.DataFrame,
    history: Mapping[int, pd.DataFrame],
    *,
    year: int,
    max_age: int = 2,
    variables: Sequence[str] | None = None,
    gate: str | None = "has_migration_programme",
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
) -> pd.DataFrame:
    """The last known answers of this round's non-respondents.

    Parameters
    ----------
    frame : pandas.DataFrame
        Membership frame.
    current : pandas.DataFrame
        This round's responses (one row per answering Society).
    history : mapping of int to pandas.DataFrame
        Earlier rounds' responses, by year.
    year : int
        Year of this round.
    max_age : int, default 2
        Answers older than this many years are not carried forward.
    variables : sequence of str, optional
        0/1 columns to carry (default: every ``activities__<code>`` but ``other``).
    gate : str or None, default "has_migration_programme"
        A Society that answered "no" runs none of the activities (0, not missing).
    unit, frame_unit : str
        Society code columns of the responses and of the frame.

    Returns
    -------
    pandas.DataFrame
        One row per frame Society that did not answer this round but answered a round
        of ``history`` at most ``max_age`` years before ``year``: ``unit``,
        ``carried_from`` (the year of that answer, the most recent one), ``age``
        (years) and the variables as answered then.
    """
    if max_age < 0:
        raise InputError(f"max_age must be 0 or more; got {max_age!r}.", value=max_age)
    later = [y for y in history if y >= year]
    if later:
        raise InputError(
            f"history holds round {later[0]}, not earlier than this round ({year}).",
            value=later[0],
            hint="history holds earlier rounds only, keyed by their year.",
        )
    cols = _variables([current, *history.values()], variables)
    answered = returned_units(frame, current, unit=unit, frame_unit=frame_unit)
    missing = set(frame.loc[~answered, frame_unit].astype(str))
    parts = []
    for y in sorted(history, reverse=True):  # most recent first
        if year - y > max_age:
            continue
        returned_units(frame, history[y], unit=unit, frame_unit=frame_unit)  # checks
        old = _indicators(history[y], cols, unit, gate)
        old = old[old[unit].isin(missing)]
        missing -= set(old[unit])
        parts.append(old.assign(carried_from=y, age=year - y))
    if not parts:
        return pd.DataFrame(
            {unit: pd.Series(dtype=str), "carried_from": pd.Series(dtype=int)}
        ).assign(age=pd.Series(dtype=int), **{c: pd.Series(dtype="Float64") for c in cols})
    out = pd.concat(parts, ignore_index=True)
    return out[[unit, "carried_from", "age", *cols]]


def _years(carried_from: pd.Series) -> str:
    """``"2024: 12; 2022: 3"``: how many Societies were carried forward from each year."""
    counts = carried_from.value_counts().sort_index(ascending=False)
    return "; ".join(f"{y}: {k}" for y, k in counts.items())


def _shares(design: Design, cols: list[str], by: str) -> pd.DataFrame:
    """Domain and overall means of the 0/1 columns in the long layout."""
    zone = design.mean(cols, by=by, na_rm=True)
    overall = pd.concat({_ALL: design.mean(cols, na_rm=True)}, names=[by])
    table = pd.concat([zone, overall])
    table.index = table.index.set_names([by, "variable"])
    return table.reset_index()


def carry_forward_shares(
    frame: pd.DataFrame,
    current: pd.DataFrame,
    history: Mapping[int, pd.DataFrame],
    *,
    year: int,
    max_age: int = 2,
    variables: Sequence[str] | None = None,
    by: str = "zone",
    classes: Sequence[str] = ("zone", "income_group"),
    min_respondents: int = 5,
    level: float = 0.95,
    gate: str | None = "has_migration_programme",
    unit: str = "ns_iso3",
    frame_unit: str = "iso3",
) -> pd.DataFrame:
    """This round's weighted shares beside the carry-forward sensitivity analysis.

    Parameters
    ----------
    frame, current, history, year, max_age, variables, gate, unit, frame_unit
        As :func:`carry_forward`.
    by : str, default "zone"
        Frame column of the domains; an ``"all"`` domain is added.
    classes : sequence of str, default ("zone", "income_group")
        Weighting classes of :func:`toolkit.nonresponse.nonresponse_design` (sparse
        classes collapsed to ``min_respondents``).
    min_respondents : int, default 5
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Two rows per domain and variable, next to each other: ``method``
        :data:`WEIGHTED_METHOD` (the non-response weighted estimate of this round's
        respondents) and :data:`CARRY_FORWARD_METHOD` (the same weighting with the
        carried-forward Societies counted as respondents, their last answers standing
        in for this round's).  Columns ``by``, ``variable``, ``code``, ``method``,
        ``estimate``, ``se``, ``ci_low``, ``ci_high`` (normal; for the carry-forward
        row the SE treats the carried answers as if they were this round's, so it is
        too small by the unknown change since), ``n_answered`` (this round's
        respondents with an answer), ``n_carried`` (Societies carried forward, with an
        answer), ``carried_from`` (e.g. ``"2024: 12; 2022: 3"``; empty for the weighted
        rows) and ``n_frame``.

    Notes
    -----
    Carrying forward assumes that a Society's programmes did not change since it last
    answered.  In simulations (``benchmarks/sim_rounds.py``) it reduces the bias of the
    weighted estimate when programmes are stable and adds bias when many programmes
    end between rounds; it is reported as a sensitivity analysis only.
    """
    cols = _variables([current, *history.values()], variables)
    now = _indicators(current, cols, unit, gate)
    carried = carry_forward(
        frame,
        current,
        history,
        year=year,
        max_age=max_age,
        variables=cols,
        gate=gate,
        unit=unit,
        frame_unit=frame_unit,
    )
    both = pd.concat([now, carried[[unit, *cols]]], ignore_index=True)
    tables = []
    for method, data in ((WEIGHTED_METHOD, now), (CARRY_FORWARD_METHOD, both)):
        des = nonresponse_design(
            frame,
            data=data,
            classes=list(classes),
            collapse=True,
            min_respondents=min_respondents,
            unit=unit,
            frame_unit=frame_unit,
        )
        t = _shares(des, cols, by)
        t["method"] = method
        tables.append(t)
    out = pd.concat(tables, ignore_index=True)
    out[by] = out[by].astype(str)
    q = float(norm.ppf(0.5 + level / 2))
    out["ci_low"] = (out["estimate"] - q * out["se"]).clip(0, 1)
    out["ci_high"] = (out["estimate"] + q * out["se"]).clip(0, 1)
    # how many Societies were carried forward (with an answer), and from which years
    dom = frame.set_index(frame[frame_unit].astype(str))[by].astype(str)
    c_dom = carried[unit].map(dom).to_numpy(dtype=object)
    known = carried[cols].notna()
    n_by = known.groupby(c_dom).sum() if len(carried) else pd.DataFrame(columns=cols)
    n_by.loc[_ALL] = known.sum()
    years = {_ALL: _years(carried["carried_from"])}
    years |= {str(d): _years(g) for d, g in carried["carried_from"].groupby(c_dom)}
    cf = (out["method"] == CARRY_FORWARD_METHOD).to_numpy()
    n_long = n_by.stack()
    idx = pd.MultiIndex.from_arrays([out[by], out["variable"]])
    out["n_carried"] = np.where(cf, n_long.reindex(idx).fillna(0).to_numpy(dtype=float), 0)
    out["n_carried"] = out["n_carried"].astype(int)
    out["n_answered"] = out["n"].astype(int) - out["n_carried"]
    out["carried_from"] = np.where(cf, out[by].map(years).fillna(""), "")
    n_frame = frame[by].astype(str).value_counts()
    n_frame[_ALL] = len(frame)
    out["n_frame"] = out[by].map(n_frame).astype(int)
    out["code"] = out["variable"].str.removeprefix(_PREFIX)
    levels = [*sorted(set(out[by]) - {_ALL}), _ALL]
    out["_d"] = out[by].map({d: i for i, d in enumerate(levels)})
    out["_v"] = out["variable"].map({v: i for i, v in enumerate(cols)})
    out = out.sort_values(["_d", "_v"], kind="stable").reset_index(drop=True)
    keep = [by, "variable", "code", "method", "estimate", "se", "ci_low", "ci_high"]
    return out[[*keep, "n_answered", "n_carried", "carried_from", "n_frame"]]
