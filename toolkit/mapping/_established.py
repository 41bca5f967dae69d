"""Which Society can give an activity and which can receive it.

A provider needs the activity *established*; a recipient is *lacking* or *unknown*.
:func:`toolkit.mapping.cooperation_pairs` and :func:`toolkit.mapping.cooperation_chains`
build on both.

Established
    The provider responded, runs the activity (``act__<a> == 1``) and shows capacity
    for it: it reports people reached by that activity (``reached__<a> > 0``) or, where
    it left the reach question empty, it reports migration staff or volunteers
    (``staff_migration + volunteers_migration > 0``).  A Society that reports
    ``reached__<a> == 0`` has no established activity.  With ``require_scale=False``
    every responding Society that runs the activity counts.  The stage at which the
    provider runs it does not matter: capacity transfers across stages.

Recipient status
    ``"lacking"`` — it responded and answered that it does not run the activity;
    ``"unknown"`` — it did not respond, was quarantined only, or left the activity
    question unanswered.  A non-respondent is listed as an opportunity to explore,
    never called lacking.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.mapping._route_profiles import num, profile_activities

__all__ = ["PAIR_STATUSES", "established_activities"]

#: Status of the recipient of a pair: does not run the activity, or not known.
PAIR_STATUSES: tuple[str, ...] = ("lacking", "unknown")


def established_activities(profiles: pd.DataFrame, *, require_scale: bool = True) -> pd.DataFrame:
    """Which Society has which activity established (see the module docstring).

    Parameters
    ----------
    profiles : pandas.DataFrame
        Society profiles (:func:`toolkit.mapping.society_profiles`).
    require_scale : bool, default True
        Require evidence of capacity (people reached by the activity, or else migration
        staff or volunteers); ``False``: running the activity is enough.

    Returns
    -------
    pandas.DataFrame
        Boolean, index ``iso3`` (in profile order), one column per activity code.
    """
    acts = profile_activities(profiles)
    responded = (
        profiles["responded"].fillna(False).astype(bool).to_numpy()
        if "responded" in profiles
        else np.ones(len(profiles), bool)
    )
    people = np.zeros(len(profiles))
    for col in ("staff_migration", "volunteers_migration"):
        if col in profiles:
            people = people + np.nan_to_num(num(profiles[col]), nan=0.0)
    out = {}
    for a in acts:
        runs = num(profiles[f"act__{a}"]) == 1
        ok = runs & responded
        if require_scale:
            reach = (
                num(profiles[f"reached__{a}"])
                if f"reached__{a}" in profiles
                else np.full(len(profiles), np.nan)
            )
            ok &= np.where(np.isnan(reach), people > 0, reach > 0)
        out[a] = ok
    return pd.DataFrame(out, index=pd.Index(profiles["iso3"].astype(str).str.upper(), name="iso3"))


def recipient_state(profiles: pd.DataFrame, acts: Sequence[str]) -> pd.DataFrame:
    """Per Society x activity: "runs", "lacking" or "unknown"."""
    responded = profiles["responded"].fillna(False).astype(bool).to_numpy()
    out = {}
    for a in acts:
        v = num(profiles[f"act__{a}"])
        state = np.where(np.isnan(v) | ~responded, "unknown", np.where(v == 1, "runs", "lacking"))
        out[a] = state
    return pd.DataFrame(out, index=profiles["iso3"].astype(str).str.upper().to_numpy())


def select_activities(acts: list[str], activities: Sequence[str] | None) -> list[str]:
    """The profile activities ``acts``, restricted to ``activities`` when given.

    Raises
    ------
    InputError
        ``activities`` names a code that is not in ``acts``.
    """
    if activities is None:
        return acts
    bad = [a for a in activities if a not in acts]
    if bad:
        raise InputError(
            f"unknown activity '{bad[0]}'.", value=bad[0], hint=f"use some of {', '.join(acts)}."
        )
    return [a for a in acts if a in set(activities)]
