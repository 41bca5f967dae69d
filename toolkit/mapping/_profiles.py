"""Activity profiles: one row per Society of the frame, with its response status."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.instrument import Instrument

__all__ = [
    "STATUS_LEVELS",
    "activity_breadth",
    "activity_codes",
    "activity_indicators",
    "society_indicators",
    "society_profiles",
]

#: Response status of a Society in profiles, tables and figures.
STATUS_LEVELS = ("responded", "quarantined only", "not responded")


def activity_codes(instrument: Instrument, question: str = "activities") -> list[str]:
    """Activity codes of the instrument's activity list (``other`` excluded)."""
    q = instrument.question(question)
    return [c for c in instrument.choice_names(q["list_name"]) if c != "other"]


def activity_indicators(
    responses: pd.DataFrame,
    codes: Sequence[str],
    *,
    question: str = "activities",
    gate: str = "has_migration_programme",
) -> pd.DataFrame:
    """0/1 indicator of each activity per returned questionnaire.

    A Society that answered "no" to ``gate`` (no activity for migrants) runs none of
    them (0, not missing); an activity question left unanswered is item non-response
    (missing), never silently turned into "no".

    Returns
    -------
    pandas.DataFrame
        Columns ``act__<code>`` (``Int8``), aligned with ``responses``.
    """
    out = {}
    no_programme = (
        responses[gate].eq("no").fillna(False).to_numpy(bool)
        if gate in responses
        else np.zeros(len(responses), bool)
    )
    for code in codes:
        src = f"{question}__{code}"
        col = (
            responses[src].astype("Int8")
            if src in responses
            else pd.Series(pd.NA, index=responses.index, dtype="Int8")
        )
        col = col.mask(pd.Series(no_programme, index=responses.index), 0)
        out[f"act__{code}"] = col
    return pd.DataFrame(out, index=responses.index)


def society_profiles(
    frame: pd.DataFrame,
    responses: pd.DataFrame,
    activities: pd.DataFrame,
    instrument: Instrument,
    *,
    quarantine: pd.DataFrame | None = None,
    unit: str = "ns_iso3",
) -> pd.DataFrame:
    """Activity profile of every Society in the frame, respondent or not.

    Parameters
    ----------
    frame : pandas.DataFrame
        Membership frame.
    responses : pandas.DataFrame
        Accepted returns (``responses`` table), one row per Society (or per branch:
        a Society then runs an activity if any of its branches does).
    activities : pandas.DataFrame
        The ``activities`` long table.
    instrument : Instrument
    quarantine : pandas.DataFrame, optional
        Quarantined rows; Societies whose only submissions were quarantined get the
        status ``"quarantined only"``.
    unit : str, default "ns_iso3"

    Returns
    -------
    pandas.DataFrame
        One row per frame Society: frame columns; ``status`` (one of
        :data:`STATUS_LEVELS`) and ``responded``; ``act__<a>`` (0/1, missing for
        non-respondents: never imputed); ``stage__<a>__<s>`` (boolean: runs ``a`` at
        stage ``s``); ``reached__<a>``; the scale answers (``people_reached``,
        ``branches_total``, ``branches_migration``, ``staff_migration``,
        ``volunteers_migration``); ``work_languages`` and ``coop_partners``.
    """
    codes = activity_codes(instrument)
    stages = instrument.choice_names("stage") if "stage" in instrument.choices else []
    ind = activity_indicators(responses, codes)
    per = pd.concat([responses[["ns_iso3"]], ind], axis=1)
    scale_cols = [
        c
        for c in (
            "people_reached",
            "branches_total",
            "branches_migration",
            "staff_migration",
            "volunteers_migration",
        )
        if c in responses
    ]
    if unit != "ns_iso3":  # branch level: a Society runs what any of its branches runs
        agg = per.groupby("ns_iso3")[list(ind.columns)].max()
        scale = responses.groupby("ns_iso3")[scale_cols].sum(min_count=1)
        text = pd.DataFrame(index=agg.index)
    else:
        agg = per.set_index("ns_iso3")[list(ind.columns)]
        scale = responses.set_index("ns_iso3")[scale_cols]
        text = responses.set_index("ns_iso3")[
            [c for c in ("work_languages", "coop_partners") if c in responses]
        ]
    out = frame.copy()
    codes_frame = out["iso3"].astype(str)
    responded = codes_frame.isin(agg.index)
    q_codes = (
        set(quarantine["ns_iso3"].dropna().astype(str))
        if quarantine is not None and "ns_iso3" in quarantine
        else set()
    )
    status = np.where(
        responded,
        STATUS_LEVELS[0],
        np.where(codes_frame.isin(q_codes), STATUS_LEVELS[1], STATUS_LEVELS[2]),
    )
    out["status"] = pd.Categorical(status, categories=list(STATUS_LEVELS))
    out["responded"] = responded.to_numpy()
    joined = agg.reindex(codes_frame)
    for col in ind.columns:
        out[col] = joined[col].astype("Int8").array
    # stages per activity, from the long table
    if stages and not activities.empty and "activity" in activities:
        long = activities.copy()
        long["activity"] = long["activity"].astype(str)
        for a in codes:
            sub = long[long["activity"] == a]
            for s in stages:
                col = f"stage__{s}"
                name = f"stage__{a}__{s}"
                runs = out[f"act__{a}"]
                # False where the Society does not run the activity, unknown where it does
                values = pd.array(np.zeros(len(runs), dtype=bool), dtype="boolean")
                values[runs.fillna(0).to_numpy() == 1] = pd.NA
                if col in sub:
                    by_soc = (
                        sub.groupby("ns_iso3")[col].max()
                        if unit != "ns_iso3"
                        else sub.set_index("ns_iso3")[col]
                    )
                    hit = by_soc.reindex(codes_frame).astype("boolean").to_numpy()
                    values = pd.array(
                        np.where(runs.fillna(0).to_numpy() == 1, hit, False), dtype="boolean"
                    )
                values[~responded.to_numpy()] = pd.NA
                out[name] = values
            if "people_reached" in sub:
                reach = (
                    sub.groupby("ns_iso3")["people_reached"].sum(min_count=1)
                    if unit != "ns_iso3"
                    else sub.set_index("ns_iso3")["people_reached"]
                )
                out[f"reached__{a}"] = reach.reindex(codes_frame).astype("Int64").array
    for col in scale_cols:
        out[col] = scale[col].reindex(codes_frame).array
    for col in text.columns:
        out[col] = text[col].reindex(codes_frame).astype("string").array
    return out.reset_index(drop=True)


def activity_breadth(profiles: pd.DataFrame) -> pd.DataFrame:
    """How many of the activity types each Society runs.

    Returns
    -------
    pandas.DataFrame
        ``iso3``, ``zone``, ``status``, ``n_activities`` and ``breadth`` (share of
        the activity types run); both missing for non-respondents (unknown, not 0).
    """
    acts = [c for c in profiles.columns if c.startswith("act__")]
    block = profiles[acts]
    n = block.sum(axis=1, min_count=1).astype("Float64")
    n = n.where(profiles["responded"].to_numpy())
    return pd.DataFrame(
        {
            "iso3": profiles["iso3"],
            "zone": profiles["zone"],
            "status": profiles["status"],
            "n_activities": n,
            "breadth": n / len(acts),
        }
    )


def society_indicators(profiles: pd.DataFrame) -> pd.DataFrame:
    """The responding Societies' ``act__<a>`` indicators, one row per Society.

    In a branch-level study a Society runs an activity when any of its branches does.
    The input of the Society-level sensitivity analyses
    (:func:`toolkit.nonresponse.bounds`, :func:`~toolkit.nonresponse.tipping_point`).

    Returns
    -------
    pandas.DataFrame
        ``ns_iso3`` and the ``act__*`` columns of the responding Societies.
    """
    acts = [c for c in profiles.columns if c.startswith("act__")]
    resp = profiles[profiles["responded"].astype(bool)]
    return pd.concat([resp["iso3"].astype(str).rename("ns_iso3"), resp[acts]], axis=1).reset_index(
        drop=True
    )
