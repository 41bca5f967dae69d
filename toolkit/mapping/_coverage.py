"""Coverage along migratory routes: who runs what, and where a stage has no coverage.

Crossing the route table (:func:`toolkit.mapping.load_routes`) and the stage-needs
table (:func:`toolkit.mapping.load_stage_needs`) with the Societies' activity profiles
(:func:`toolkit.mapping.society_profiles`) gives, for every route x stage x activity,
one of four statuses:

``"covered"``
    at least one responding Society at that stage of the route runs the activity *at
    that stage* (the questionnaire's ``<a>_stage`` answer);
``"gap"``
    the activity is needed at the stage, every Society at the stage responded (and
    answered the activity questions) and none runs it there;
``"unknown"``
    no responding Society covers it, but at least one Society at the stage did not
    respond or left the activity question unanswered: a non-respondent is unknown,
    never "lacking";
``"not needed"``
    the activity is not in the stage-needs table for that stage and nobody covers it
    (a Society that does run it there still makes the cell "covered").

Existing cooperation along a route
    With the round's programme register (``programmes=`` and ``partners=``), each cell
    also lists the Societies at the stage that already run the activity together with
    another Society on the route (``cooperating``: a partnership recorded on a
    programme that ran), and :func:`route_summary` lists the pairs of Societies on the
    route that already work together (:func:`toolkit.mapping.cooperation_ties`:
    recorded where a Society lists programmes, the Society-level cooperation question
    as a proxy for the others) with ``cooperation_source`` saying which was used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.mapping._partnerships import cooperation_ties, recorded_cooperation
from toolkit.mapping._route_profiles import num, on_route, profile_activities
from toolkit.mapping._route_tables import ROUTE_STAGES, needs_set

__all__ = [
    "COVERAGE_STATUSES",
    "route_activities",
    "route_coverage",
    "route_summary",
]

#: Coverage status of a route x stage x activity cell, in display order.
COVERAGE_STATUSES: tuple[str, ...] = ("covered", "gap", "unknown", "not needed")


def route_activities(routes: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """Long table route x Society x activity: who runs what along each route.

    Parameters
    ----------
    routes : pandas.DataFrame
        Route table (:func:`toolkit.mapping.load_routes`).
    profiles : pandas.DataFrame
        Society profiles (:func:`toolkit.mapping.society_profiles`), with ``iso3``,
        ``zone``, ``status``, ``responded``, ``act__<a>``, ``stage__<a>__<s>`` and
        optionally ``reached__<a>``.

    Returns
    -------
    pandas.DataFrame
        One row per route row x activity, in route order then activity order:
        ``route_id``, ``route_name``, ``position``, ``iso3``, ``zone``,
        ``stage_role``, ``status`` (the Society's response status), ``activity``,
        ``runs`` (``Int8`` 0/1, missing when the Society did not respond or left the
        question unanswered), ``runs_at_stage`` (``boolean``: runs the activity at
        the stage it plays on this route; missing when unknown) and ``reached``
        (``Int64`` people reached by the activity, missing when not reported).

    Raises
    ------
    InputError
        A route country absent from the profiles, or a missing
        ``stage__<a>__<stage>`` column for a stage used by the routes when other
        stages of that activity are present.  Profiles with no stage columns at all
        for an activity (an instrument that does not ask the stage) count a Society
        running the activity as running it at its role on the route.
    """
    routes, where = on_route(routes, profiles)
    acts = profile_activities(profiles)
    n, k = len(routes), len(acts)
    runs = np.empty((n, k))
    at_stage = np.empty((n, k))
    reached = np.full((n, k), np.nan)
    roles = routes["stage_role"].to_numpy()
    for j, a in enumerate(acts):
        runs[:, j] = num(profiles[f"act__{a}"])[where]
        col_vals = np.full(n, np.nan)
        has_stages = any(c.startswith(f"stage__{a}__") for c in profiles.columns)
        for s in np.unique(roles):
            name = f"stage__{a}__{s}"
            m = roles == s
            if name in profiles.columns:
                col_vals[m] = num(profiles[name])[where[m]]
            elif not has_stages:
                # The instrument asks no stage per activity (e.g. a branch-level form):
                # a Society running the activity is taken to run it at its role on
                # the route.
                col_vals[m] = runs[m, j]
            else:
                raise InputError(
                    f"the profiles have no column '{name}'.",
                    column=name,
                    hint="build the profiles with an instrument whose stage "
                    "list has every stage role used by the routes.",
                )
        # a Society known not to run the activity does not run it at any stage
        col_vals[runs[:, j] == 0] = 0.0
        at_stage[:, j] = col_vals
        if f"reached__{a}" in profiles.columns:
            reached[:, j] = num(profiles[f"reached__{a}"])[where]
    rep = np.repeat(np.arange(n), k)
    zone = profiles["zone"].astype(str).to_numpy()[where]
    status = profiles["status"].astype(str).to_numpy()[where]
    out = pd.DataFrame(
        {
            "route_id": routes["route_id"].to_numpy()[rep],
            "route_name": routes["route_name"].to_numpy()[rep],
            "position": routes["position"].to_numpy()[rep],
            "iso3": routes["iso3"].to_numpy()[rep],
            "zone": zone[rep],
            "stage_role": roles[rep],
            "status": status[rep],
            "activity": np.tile(np.asarray(acts, dtype=object), n),
        }
    )
    out["runs"] = pd.array(runs.ravel()).astype("Int8")
    out["runs_at_stage"] = pd.array(at_stage.ravel()).astype("boolean")
    out["reached"] = pd.array(reached.ravel()).astype("Int64")
    return out


def _join(codes: Sequence[str]) -> str:
    return ", ".join(codes)


def route_coverage(
    routes: pd.DataFrame,
    profiles: pd.DataFrame,
    needs: pd.DataFrame | None = None,
    *,
    only_needed: bool = False,
    programmes: pd.DataFrame | None = None,
    partners: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Coverage of each needed activity at each stage of each route.

    Parameters
    ----------
    routes : pandas.DataFrame
        Route table (:func:`toolkit.mapping.load_routes`).
    profiles : pandas.DataFrame
        Society profiles (:func:`toolkit.mapping.society_profiles`).
    needs : pandas.DataFrame, optional
        Stage-needs table (``stage``, ``activity``); default the bundled one
        (:func:`toolkit.mapping.load_stage_needs`).
    only_needed : bool, default False
        Keep only the activities needed at each stage (drops the "not needed" and the
        covered-but-not-needed cells).
    programmes, partners : pandas.DataFrame, optional
        The programme register of the round and its
        :func:`toolkit.mapping.programme_partners`: the recorded partnerships.

    Returns
    -------
    pandas.DataFrame
        One row per route x stage role present on the route x activity, in route
        order, stage order (:data:`toolkit.mapping.ROUTE_STAGES`) and activity order, with
        ``route_id``, ``route_name``, ``stage`` (the stage role), ``activity``,
        ``needed`` (bool), ``status`` (one of :data:`COVERAGE_STATUSES`, see the
        module docstring), ``n_societies`` (Societies at the stage), ``n_covering``
        (run the activity at that stage), ``n_unknown`` (did not respond or did not
        answer), ``countries``, ``covering`` and ``unknown`` (ISO3 lists in route
        order, separated by ", "); ``n_cooperating`` and ``cooperating``: the
        Societies at the stage with a recorded partnership on the activity with another
        Society on the route (``n_cooperating`` is missing where none is recorded and
        no Society at the stage lists programmes: the proxy does not say on which
        activity).  Select one
        route and pass it straight to :func:`toolkit.figures.route_diagram`.
    """
    long = route_activities(routes, profiles)
    acts = list(dict.fromkeys(long["activity"]))
    need = needs_set(needs, acts)
    if long.empty:
        return pd.DataFrame(
            columns=[
                "route_id",
                "route_name",
                "stage",
                "activity",
                "needed",
                "status",
                "n_societies",
                "n_covering",
                "n_unknown",
                "countries",
                "covering",
                "unknown",
                "n_cooperating",
                "cooperating",
            ]
        )
    together = _cooperating(programmes, partners)
    v = long["runs_at_stage"]
    cov_flag = v.fillna(False).to_numpy(bool)
    unk_flag = v.isna().to_numpy(bool)
    route_rank = {r: i for i, r in enumerate(dict.fromkeys(long["route_id"]))}
    stage_rank = {s: i for i, s in enumerate(ROUTE_STAGES)}
    act_rank = {a: i for i, a in enumerate(acts)}
    order = np.lexsort((long["position"].to_numpy(), long["route_id"].map(route_rank).to_numpy()))
    cells: dict[tuple[str, str, str], list[list[str]]] = {}
    names: dict[str, str] = {}
    cols = [
        long[c].to_numpy() for c in ("route_id", "route_name", "stage_role", "activity", "iso3")
    ]
    for i in order:
        rid, rname, s, a, code = (c[i] for c in cols)
        names[rid] = rname
        cell = cells.setdefault((rid, s, a), [[], [], []])
        cell[0].append(code)
        if cov_flag[i]:
            cell[1].append(code)
        if unk_flag[i]:
            cell[2].append(code)
    rows = []
    for (rid, s, a), (codes, cov, unk) in cells.items():
        mates = [c for c in codes if (rid, a, c) in together[1]]
        known = mates or any(c in together[0] for c in codes)
        n_mates = len(mates) if known else pd.NA
        needed = (s, a) in need
        if cov:
            status = "covered"
        elif not needed:
            status = "not needed"
        elif unk:
            status = "unknown"
        else:
            status = "gap"
        rows.append(
            (
                rid,
                names[rid],
                s,
                a,
                needed,
                status,
                len(codes),
                len(cov),
                len(unk),
                _join(codes),
                _join(cov),
                _join(unk),
                n_mates,
                _join(mates),
                route_rank[rid],
                stage_rank[s],
                act_rank[a],
            )
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "route_id",
            "route_name",
            "stage",
            "activity",
            "needed",
            "status",
            "n_societies",
            "n_covering",
            "n_unknown",
            "countries",
            "covering",
            "unknown",
            "n_cooperating",
            "cooperating",
            "_r",
            "_s",
            "_a",
        ],
    )
    out["n_cooperating"] = out["n_cooperating"].astype("Int64")
    out = out.sort_values(["_r", "_s", "_a"], kind="stable").drop(columns=["_r", "_s", "_a"])
    if only_needed:
        out = out[out["needed"]]
    return out.reset_index(drop=True)


def _cooperating(
    programmes: pd.DataFrame | None, partners: pd.DataFrame | None
) -> tuple[set[str], set[tuple[str, str, str]]]:
    """Societies with programme data, and (route, activity, Society) of each Society
    with a recorded partnership on that activity along that route (either side)."""
    if programmes is None or partners is None or not len(programmes):
        return set(), set()
    listed = set(programmes["ns_iso3"].astype(str).str.upper())
    coop = recorded_cooperation(partners, ran_only=True)
    coop = coop[coop["route_id"].notna()]
    keys: set[tuple[str, str, str]] = set()
    for s, p, a, r in zip(
        coop["ns_iso3"], coop["partner_iso3"], coop["activity"], coop["route_id"], strict=True
    ):
        keys.add((str(r), str(a), str(s).upper()))
        keys.add((str(r), str(a), str(p).upper()))
    return listed, keys


def route_summary(
    routes: pd.DataFrame,
    profiles: pd.DataFrame,
    needs: pd.DataFrame | None = None,
    *,
    programmes: pd.DataFrame | None = None,
    partners: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per route: zones crossed, response, gaps and unknown cells.

    Parameters
    ----------
    routes, profiles, needs, programmes, partners
        As in :func:`route_coverage`.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``route_name``, ``n_societies``, ``responded`` (Societies on the
        route that responded), ``not_responded`` (their ISO3, ", "-separated),
        ``zones`` (zones crossed, in route order), ``n_zones``, ``cross_zone`` (bool),
        ``zone_changes`` (consecutive positions in different zones), ``needed_cells``
        (stage x activity cells where the activity is needed), ``covered``, ``gaps``,
        ``unknown`` (counts of needed cells by status), ``gap_cells`` (the gaps as
        "stage: activity, activity; stage: ..."), ``n_cooperating_pairs`` and
        ``cooperating_pairs`` (pairs of Societies on the route that already work
        together, "AAA-BBB, ...") and ``cooperation_source`` (``recorded``, ``proxy``,
        ``recorded and proxy`` or ``none``: how the Societies on the route that
        answered are counted, see :func:`toolkit.mapping.cooperation_ties`).
        ``attrs["cooperation"]`` is a sentence on the sources.
    """
    canon, where = on_route(routes, profiles)
    cov = route_coverage(canon, profiles, needs)
    ties = cooperation_ties(profiles, programmes=programmes, partners=partners)
    responded = profiles["responded"].fillna(False).astype(bool).to_numpy()[where]
    zone = profiles["zone"].astype(str).to_numpy()[where]
    frame = canon.assign(_resp=responded, _zone=zone, _soc=where).sort_values(
        ["position"], kind="stable"
    )
    rows = []
    for rid, g in frame.groupby("route_id", sort=False):
        zones = list(dict.fromkeys(g["_zone"]))
        zseq = g["_zone"].to_numpy()
        c = cov[(cov["route_id"] == rid) & cov["needed"]]
        gaps = c[c["status"] == "gap"]
        gap_text = "; ".join(
            f"{s}: {', '.join(gg['activity'])}" for s, gg in gaps.groupby("stage", sort=False)
        )
        members = [int(i) for i in dict.fromkeys(g["_soc"])]
        tied = [
            f"{ties.codes[i]}-{ties.codes[j]}"
            for k, i in enumerate(members)
            for j in members[k + 1 :]
            if ties.tie[i, j]
        ]
        kinds = {str(ties.source[i]) for i in members} - {"none"}
        source = (
            "recorded and proxy" if len(kinds) == 2 else (next(iter(kinds)) if kinds else "none")
        )
        rows.append(
            {
                "route_id": rid,
                "route_name": g["route_name"].iloc[0],
                "n_societies": len(g),
                "responded": int(g["_resp"].sum()),
                "not_responded": _join(g["iso3"][~g["_resp"]].tolist()),
                "zones": _join(zones),
                "n_zones": len(zones),
                "cross_zone": len(zones) > 1,
                "zone_changes": int((zseq[1:] != zseq[:-1]).sum()),
                "needed_cells": len(c),
                "covered": int((c["status"] == "covered").sum()),
                "gaps": len(gaps),
                "unknown": int((c["status"] == "unknown").sum()),
                "gap_cells": gap_text,
                "n_cooperating_pairs": len(tied),
                "cooperating_pairs": _join(tied),
                "cooperation_source": source,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["cooperation"] = ties.summary()
    return out
