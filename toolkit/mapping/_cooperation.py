"""Cooperation opportunities between Societies along migratory routes.

A *pair* is a provider and a recipient on the same route, at most ``max_distance``
positions apart (either direction: a destination Society can support the transit
Society before it), where the provider has the activity **established** and the
recipient does not run it.

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

Score
    A weighted mean of five components, each in [0, 1] and kept as its own column so
    that a reader can see why a pair ranks where it does (weights in
    :data:`DEFAULT_WEIGHTS`, overridable):

    ``adjacency``  (weight 0.30)
        ``(max_distance - distance + 1) / max_distance``: 1 for route neighbours,
        falling linearly to ``1 / max_distance`` at the largest distance allowed.
    ``capacity``  (0.25)
        Mean of two percentile ranks among all Societies with the activity established
        (in the whole profiles table, so the value does not depend on which routes are
        passed): people reached by the activity and migration volunteers.  The
        percentile is the share of providers with a value no larger (the largest gets
        1); an unreported value counts 0 (no evidence shown).
    ``shared_language``  (0.15)
        1 when the two Societies share a language: official languages of the frame
        (``languages``, ISO 639-1) or working languages answered in the questionnaire
        (``work_languages``; "other" ignored); else 0.
    ``existing_cooperation``  (0.15)
        1 when either Society lists the other in ``coop_partners``; else 0.
    ``recipient_need``  (0.15)
        1 when migrants need the activity at the stage the recipient plays on the route
        (the stage-needs table); else 0.

    The defaults put route adjacency first (the route is the reason to cooperate),
    then demonstrated capacity; language, existing ties and need each break ties
    within the same distance.  They are a documented judgement, not an estimate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.mapping._routes import _needs_set, _num, _on_route, _profile_activities

__all__ = [
    "DEFAULT_WEIGHTS",
    "PAIR_STATUSES",
    "cooperation_chains",
    "cooperation_network_data",
    "cooperation_pairs",
    "established_activities",
]

#: Default weights of the score components of :func:`cooperation_pairs`.
DEFAULT_WEIGHTS: dict[str, float] = {
    "adjacency": 0.30,
    "capacity": 0.25,
    "shared_language": 0.15,
    "existing_cooperation": 0.15,
    "recipient_need": 0.15,
}

#: Status of the recipient of a pair: does not run the activity, or not known.
PAIR_STATUSES: tuple[str, ...] = ("lacking", "unknown")

_SPLIT = re.compile(r"[;,\s]+")


def _codes(value: object) -> set[str]:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return set()
    return {c for c in _SPLIT.split(str(value).strip().lower()) if c and c != "other"}


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
    acts = _profile_activities(profiles)
    responded = (
        profiles["responded"].fillna(False).astype(bool).to_numpy()
        if "responded" in profiles
        else np.ones(len(profiles), bool)
    )
    people = np.zeros(len(profiles))
    for col in ("staff_migration", "volunteers_migration"):
        if col in profiles:
            people = people + np.nan_to_num(_num(profiles[col]), nan=0.0)
    out = {}
    for a in acts:
        runs = _num(profiles[f"act__{a}"]) == 1
        ok = runs & responded
        if require_scale:
            reach = (
                _num(profiles[f"reached__{a}"])
                if f"reached__{a}" in profiles
                else np.full(len(profiles), np.nan)
            )
            ok &= np.where(np.isnan(reach), people > 0, reach > 0)
        out[a] = ok
    return pd.DataFrame(out, index=pd.Index(profiles["iso3"].astype(str).str.upper(), name="iso3"))


def _check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    w = dict(DEFAULT_WEIGHTS)
    if weights is not None:
        for k, v in weights.items():
            if k not in DEFAULT_WEIGHTS:
                raise InputError(
                    f"unknown score component '{k}'.",
                    value=k,
                    hint=f"use some of {', '.join(DEFAULT_WEIGHTS)}.",
                )
            if not np.isfinite(float(v)) or float(v) < 0:
                raise InputError(f"the weight of '{k}' must be a number >= 0.", value=v)
            w[k] = float(v)
    if sum(w.values()) <= 0:
        raise InputError(
            "at least one score weight must be positive.",
            value=weights,
            hint="e.g. weights={'adjacency': 1}.",
        )
    return w


def _pct_rank(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Share of ``members`` with a value no larger than each value (NaN -> 0)."""
    out = np.zeros(len(values))
    ref = values[members & ~np.isnan(values)]
    n = int(members.sum())
    if n == 0 or ref.size == 0:
        return out
    ref = np.sort(ref)
    ok = ~np.isnan(values)
    out[ok] = np.searchsorted(ref, values[ok], side="right") / n
    return np.clip(out, 0.0, 1.0)


def _society_matrices(profiles: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Society x Society: shares a language; either lists the other as a partner."""
    codes = profiles["iso3"].astype(str).str.upper().to_numpy()
    n = len(codes)
    none = [None] * n
    langs = [
        _codes(a) | _codes(b)
        for a, b in zip(profiles.get("languages", none), profiles.get("work_languages", none))
    ]
    vocab = {c: k for k, c in enumerate(sorted(set().union(*langs)))} if n else {}
    member = np.zeros((n, len(vocab)), dtype=np.int32)
    for i, ls in enumerate(langs):
        member[i, [vocab[c] for c in ls]] = 1
    shared = (member @ member.T) > 0
    at = {c: i for i, c in enumerate(codes)}
    listed = np.zeros((n, n), dtype=bool)
    for i, ps in enumerate(profiles.get("coop_partners", none)):
        for c in _codes(ps):
            j = at.get(c.upper())
            if j is not None:
                listed[i, j] = True
    return shared, listed | listed.T


def _recipient_state(profiles: pd.DataFrame, acts: Sequence[str]) -> pd.DataFrame:
    """Per Society x activity: "runs", "lacking" or "unknown"."""
    responded = profiles["responded"].fillna(False).astype(bool).to_numpy()
    out = {}
    for a in acts:
        v = _num(profiles[f"act__{a}"])
        state = np.where(np.isnan(v) | ~responded, "unknown", np.where(v == 1, "runs", "lacking"))
        out[a] = state
    return pd.DataFrame(out, index=profiles["iso3"].astype(str).str.upper().to_numpy())


def _select_activities(acts: list[str], activities: Sequence[str] | None) -> list[str]:
    if activities is None:
        return acts
    bad = [a for a in activities if a not in acts]
    if bad:
        raise InputError(
            f"unknown activity '{bad[0]}'.", value=bad[0], hint=f"use some of {', '.join(acts)}."
        )
    return [a for a in acts if a in set(activities)]


_PAIR_COLUMNS = [
    "provider",
    "recipient",
    "provider_zone",
    "recipient_zone",
    "cross_regional",
    "route_id",
    "routes",
    "activity",
    "distance",
    "provider_position",
    "recipient_position",
    "recipient_stage",
    "status",
    "provider_reached",
    "provider_volunteers",
    *DEFAULT_WEIGHTS,
    "score",
    "rank",
]


def cooperation_pairs(
    routes: pd.DataFrame,
    profiles: pd.DataFrame,
    *,
    max_distance: int = 2,
    weights: Mapping[str, float] | None = None,
    min_score: float = 0.0,
    needs: pd.DataFrame | None = None,
    activities: Sequence[str] | None = None,
    require_scale: bool = True,
) -> pd.DataFrame:
    """Provider -> recipient pairs along routes, ranked by a transparent score.

    Parameters
    ----------
    routes : pandas.DataFrame
        Route table (:func:`toolkit.mapping.load_routes`).
    profiles : pandas.DataFrame
        Society profiles (:func:`toolkit.mapping.society_profiles`).
    max_distance : int, default 2
        Largest number of route positions between provider and recipient.
    weights : mapping, optional
        Weights of the score components (keys of :data:`DEFAULT_WEIGHTS`); the ones
        not given keep their default.  The score is the weighted mean of the
        components, so it stays in [0, 1].
    min_score : float, default 0
        Leave out pairs scoring below this.
    needs : pandas.DataFrame, optional
        Stage-needs table for ``recipient_need`` (default: the bundled one).
    activities : sequence of str, optional
        Restrict to these activities.
    require_scale : bool, default True
        See :func:`established_activities`.

    Returns
    -------
    pandas.DataFrame
        One row per (provider, recipient, activity): ``provider``, ``recipient``,
        ``provider_zone``, ``recipient_zone``, ``cross_regional`` (zones differ),
        ``route_id`` (the route where the pair scores best: highest score, then
        shortest distance, then route order), ``routes`` (every route on which the
        pair was found, ", "-separated), ``activity``, ``distance``,
        ``provider_position``, ``recipient_position``, ``recipient_stage`` (on
        ``route_id``), ``status`` (:data:`PAIR_STATUSES`), ``provider_reached`` and
        ``provider_volunteers`` (the raw scale answers behind ``capacity``), the
        components ``adjacency``, ``capacity``, ``shared_language``,
        ``existing_cooperation``, ``recipient_need``, then ``score`` and ``rank``
        (1 = best, counted separately within each status).  Sorted by status
        ("lacking" first), score (descending), then provider, recipient and
        activity.  Pass it as ``edges`` to :func:`toolkit.figures.cooperation_network`
        (see :func:`cooperation_network_data`).
    """
    if not isinstance(max_distance, (int, np.integer)) or max_distance < 1:
        raise InputError("max_distance must be a whole number >= 1.", value=max_distance)
    w = _check_weights(weights)
    canon, where = _on_route(routes, profiles)
    acts = _select_activities(_profile_activities(profiles), activities)
    need = _needs_set(needs, _profile_activities(profiles))
    est = established_activities(profiles, require_scale=require_scale)
    state = _recipient_state(profiles, acts)
    shared, coop = _society_matrices(profiles)
    codes = profiles["iso3"].astype(str).str.upper().to_numpy()
    zone = profiles["zone"].astype(str).to_numpy()
    vol = (
        _num(profiles["volunteers_migration"])
        if "volunteers_migration" in profiles
        else np.full(len(profiles), np.nan)
    )

    r = canon.assign(_soc=where)
    pairs = r.merge(r, on="route_id", suffixes=("_p", "_r"))
    pairs["distance"] = (pairs["position_p"] - pairs["position_r"]).abs()
    pairs = pairs[(pairs["distance"] >= 1) & (pairs["distance"] <= max_distance)]
    pi = pairs["_soc_p"].to_numpy()
    ri = pairs["_soc_r"].to_numpy()
    route_rank = {rid: i for i, rid in enumerate(dict.fromkeys(canon["route_id"]))}
    pieces = []
    for a in acts:
        e = est[a].to_numpy()
        st = state[a].to_numpy()
        keep = e[pi] & np.isin(st[ri], PAIR_STATUSES)
        if not keep.any():
            continue
        sub = pairs[keep]
        p, q = pi[keep], ri[keep]
        reach = (
            _num(profiles[f"reached__{a}"])
            if f"reached__{a}" in profiles
            else np.full(len(profiles), np.nan)
        )
        capacity = (_pct_rank(reach, e) + _pct_rank(vol, e)) / 2
        d = sub["distance"].to_numpy()
        piece = pd.DataFrame(
            {
                "provider": codes[p],
                "recipient": codes[q],
                "provider_zone": zone[p],
                "recipient_zone": zone[q],
                "cross_regional": zone[p] != zone[q],
                "route_id": sub["route_id"].to_numpy(),
                "activity": a,
                "distance": d.astype(int),
                "provider_position": sub["position_p"].to_numpy(),
                "recipient_position": sub["position_r"].to_numpy(),
                "recipient_stage": sub["stage_role_r"].to_numpy(),
                "status": st[q],
                "provider_reached": pd.array(reach[p]).astype("Int64"),
                "provider_volunteers": pd.array(vol[p]).astype("Int64"),
                "adjacency": (max_distance - d + 1) / max_distance,
                "capacity": capacity[p],
                "shared_language": shared[p, q].astype(float),
                "existing_cooperation": coop[p, q].astype(float),
                "recipient_need": np.isin(
                    sub["stage_role_r"].to_numpy(), [st_ for st_, a_ in need if a_ == a]
                ).astype(float),
                "_route_rank": sub["route_id"].map(route_rank).to_numpy(),
            }
        )
        pieces.append(piece)
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _PAIR_COLUMNS})
    out = pd.concat(pieces, ignore_index=True)
    total = sum(w.values())
    out["score"] = sum(w[k] * out[k] for k in DEFAULT_WEIGHTS) / total
    key = ["provider", "recipient", "activity"]
    out = out.sort_values(
        [*key, "score", "distance", "_route_rank"],
        ascending=[True, True, True, False, True, True],
        kind="stable",
    )
    names = list(route_rank)
    seen: dict[tuple[str, str, str], set[int]] = {}
    for k in zip(out["provider"], out["recipient"], out["activity"], out["_route_rank"]):
        seen.setdefault(k[:3], set()).add(int(k[3]))
    out = out.drop_duplicates(key, keep="first")
    out["routes"] = [
        ", ".join(names[i] for i in sorted(seen[k]))
        for k in zip(out["provider"], out["recipient"], out["activity"])
    ]
    out = out[out["score"] >= min_score]
    out["_status"] = out["status"].map({s: i for i, s in enumerate(PAIR_STATUSES)})
    out = out.sort_values(
        ["_status", "score", "provider", "recipient", "activity"],
        ascending=[True, False, True, True, True],
        kind="stable",
    )
    out["rank"] = out.groupby("_status").cumcount() + 1
    return out[_PAIR_COLUMNS].reset_index(drop=True)


_CHAIN_COLUMNS = [
    "route_id",
    "activity",
    "direction",
    "provider",
    "provider_zone",
    "recipients",
    "members",
    "length",
    "n_lacking",
    "n_unknown",
    "status",
    "member_status",
    "zones",
    "cross_regional",
    "start_position",
    "end_position",
]


def cooperation_chains(
    routes: pd.DataFrame,
    profiles: pd.DataFrame,
    *,
    min_length: int = 3,
    direction: str = "both",
    activities: Sequence[str] | None = None,
    require_scale: bool = True,
) -> pd.DataFrame:
    """Chains of consecutive Societies along a route that an established activity could
    reach.

    A chain starts at a Society with the activity established
    (:func:`established_activities`) and takes the next Societies along the route, one
    position at a time, for as long as each of them does not run the activity
    (``"lacking"``) or is ``"unknown"`` (did not respond / did not answer); it stops
    before the first Society that runs the activity (established or not) or at the
    end of the route.  Only maximal chains of at least ``min_length`` Societies
    (provider included) are kept.

    Parameters
    ----------
    routes, profiles
        As in :func:`cooperation_pairs`.
    min_length : int, default 3
        Fewest Societies in a chain, provider included (2 would be a pair).
    direction : {"both", "forward", "backward"}, default "both"
        "forward" walks in travel order (towards destinations), "backward" against it
        (a destination Society supporting the transit Societies before it).
    activities : sequence of str, optional
        Restrict to these activities.
    require_scale : bool, default True
        See :func:`established_activities`.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``activity``, ``direction``, ``provider``, ``provider_zone``,
        ``recipients`` and ``members`` (provider first, in walking order; ISO3
        ", "-separated), ``length``, ``n_lacking``, ``n_unknown``, ``status``
        ("lacking", "unknown" or "mixed" over the recipients), ``member_status`` (each
        recipient's status, in order), ``zones`` (crossed, in order),
        ``cross_regional`` and ``start_position`` / ``end_position``.  In route
        order, then activity, direction and start position.
    """
    if direction not in ("both", "forward", "backward"):
        raise InputError("direction must be 'both', 'forward' or 'backward'.", value=direction)
    if not isinstance(min_length, (int, np.integer)) or min_length < 2:
        raise InputError("min_length must be a whole number >= 2.", value=min_length)
    canon, where = _on_route(routes, profiles)
    acts = _select_activities(_profile_activities(profiles), activities)
    est = established_activities(profiles, require_scale=require_scale)
    state = _recipient_state(profiles, acts)
    codes = profiles["iso3"].astype(str).str.upper().to_numpy()
    zone = profiles["zone"].astype(str).to_numpy()
    dirs = ["forward", "backward"] if direction == "both" else [direction]
    rows = []
    r = canon.assign(_soc=where)
    for rid, g in r.groupby("route_id", sort=False):
        g = g.sort_values("position")
        idx = g["_soc"].to_numpy()
        pos = g["position"].to_numpy()
        for a in acts:
            e = est[a].to_numpy()[idx]
            st = state[a].to_numpy()[idx]
            for dname in dirs:
                step = 1 if dname == "forward" else -1
                for i in np.flatnonzero(e):
                    j = i + step
                    walk = []
                    while 0 <= j < len(idx) and st[j] in PAIR_STATUSES:
                        walk.append(j)
                        j += step
                    if len(walk) + 1 < min_length:
                        continue
                    members = [i, *walk]
                    stats = [str(st[k]) for k in walk]
                    n_l, n_u = stats.count("lacking"), stats.count("unknown")
                    zs = list(dict.fromkeys(zone[idx[members]]))
                    rows.append(
                        {
                            "route_id": rid,
                            "activity": a,
                            "direction": dname,
                            "provider": codes[idx[i]],
                            "provider_zone": zone[idx[i]],
                            "recipients": ", ".join(codes[idx[walk]]),
                            "members": ", ".join(codes[idx[members]]),
                            "length": len(members),
                            "n_lacking": n_l,
                            "n_unknown": n_u,
                            "status": "lacking"
                            if n_u == 0
                            else ("unknown" if n_l == 0 else "mixed"),
                            "member_status": ", ".join(stats),
                            "zones": ", ".join(zs),
                            "cross_regional": len(zs) > 1,
                            "start_position": int(pos[i]),
                            "end_position": int(pos[walk[-1]]),
                        }
                    )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _CHAIN_COLUMNS})
    return pd.DataFrame(rows, columns=_CHAIN_COLUMNS)


def cooperation_network_data(
    pairs: pd.DataFrame,
    profiles: pd.DataFrame,
    *,
    routes: pd.DataFrame | None = None,
    route_id: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edges and nodes for :func:`toolkit.figures.cooperation_network`.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Output of :func:`cooperation_pairs` (possibly filtered, e.g. one activity or
        ``status == "lacking"``).
    profiles : pandas.DataFrame
        Society profiles (for zone and response status).
    routes : pandas.DataFrame, optional
        Route table; needed with ``route_id``.
    route_id : str, optional
        Keep the pairs found on this route and return every Society on it as a node,
        with ``order`` = its position (the figure then uses the route layout).

    Returns
    -------
    edges : pandas.DataFrame
        The pairs (on ``route_id`` if given), unchanged columns.
    nodes : pandas.DataFrame
        ``iso3``, ``zone``, ``responded`` and, with ``route_id``, ``order``.
    """
    info = pd.DataFrame(
        {
            "iso3": profiles["iso3"].astype(str).str.upper().to_numpy(),
            "zone": profiles["zone"].astype(str).to_numpy(),
            "responded": profiles["responded"].fillna(False).astype(bool).to_numpy(),
        }
    ).set_index("iso3")
    if route_id is None:
        edges = pairs.reset_index(drop=True)
        codes = list(dict.fromkeys([*edges["provider"], *edges["recipient"]]))
        missing = [c for c in codes if c not in info.index]
        if missing:
            raise InputError(
                "a Society in the pairs is not in the profiles.",
                column="provider",
                value=missing[0],
            )
        return edges, info.loc[codes].reset_index()
    if routes is None:
        raise InputError(
            "route_id needs the route table.",
            value=route_id,
            hint="pass routes=load_routes() as well.",
        )
    canon, _ = _on_route(routes, profiles)
    on = canon["route_id"] == route_id
    if not on.any():
        raise InputError(
            "unknown route.",
            column="route_id",
            value=route_id,
            hint=f"use one of {', '.join(dict.fromkeys(canon['route_id']))}.",
        )
    found = pairs["routes"].astype(str).map(lambda s: route_id in s.split(", "))
    edges = pairs[found.to_numpy(bool)].reset_index(drop=True)
    g = canon[on].sort_values("position")
    nodes = info.loc[g["iso3"]].reset_index()
    nodes["order"] = g["position"].to_numpy()
    return edges, nodes
