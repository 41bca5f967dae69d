"""Counts of the programme register by zone: programmes per activity type.

A programme groups one or more activity types, so it counts once under each of its
types: the counts of a zone add up to more than its number of programmes.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from toolkit.errors import InputError

__all__ = ["programme_counts"]

_ALL = "all"


def programme_counts(
    programmes: pd.DataFrame,
    *,
    codes: Sequence[str] | None = None,
    zones: Sequence[str] | None = None,
    ran_only: bool = True,
) -> pd.DataFrame:
    """Programmes and Societies per zone and activity type, with an all-zones margin.

    Parameters
    ----------
    programmes : pandas.DataFrame
        The programme register (``programme_id``, ``ns_iso3``, ``zone``,
        ``activities`` as space-separated codes, ``ran_last_12_months``).
    codes : sequence of str, optional
        Activity codes, in display order (default: those found, in order of first
        appearance); codes without a programme get zero rows.
    zones : sequence of str, optional
        Zones to report (default: those found); the ``"all"`` rows cover them.
    ran_only : bool, default True
        Count only programmes that ran in the last 12 months (not planned ones).

    Returns
    -------
    pandas.DataFrame
        One row per zone (then ``"all"``) and activity: ``zone``, ``activity``,
        ``programmes`` (programmes with that activity type) and ``societies``
        (Societies running at least one of them).

    Raises
    ------
    InputError
        A required column is missing.
    """
    need = ["programme_id", "ns_iso3", "zone", "activities"]
    missing = [c for c in need if c not in programmes]
    if missing:
        raise InputError(
            f"the programme register has no column {missing[0]!r}.",
            column=missing[0],
            hint="pass the programmes table of the analytical database.",
        )
    p = programmes
    if ran_only and "ran_last_12_months" in p:
        p = p[p["ran_last_12_months"].fillna(True).astype(bool)]
    long = p.assign(activity=p["activities"].fillna("").astype(str).str.split()).explode("activity")
    long = long[long["activity"].notna() & (long["activity"].astype(str) != "")]
    zone_list = list(zones) if zones is not None else sorted(set(p["zone"].dropna().astype(str)))
    long = long[long["zone"].astype(str).isin(zone_list)]
    acts = list(codes) if codes is not None else list(dict.fromkeys(long["activity"].astype(str)))
    rows = []
    for z in [*zone_list, _ALL]:
        sub = long if z == _ALL else long[long["zone"].astype(str) == z]
        g = sub.groupby(sub["activity"].astype(str))
        n_prog = g["programme_id"].nunique()
        n_soc = g["ns_iso3"].nunique()
        for a in acts:
            rows.append((z, a, int(n_prog.get(a, 0)), int(n_soc.get(a, 0))))
    return pd.DataFrame(rows, columns=["zone", "activity", "programmes", "societies"])
