"""Cooperation pairs between Societies along migratory routes, ranked by a transparent
score.

A *pair* is a provider and a recipient on the same route, at most ``max_distance``
positions apart (either direction: a destination Society can support the transit
Society before it), where the provider has the activity **established** and the
recipient does not run it (``"lacking"``) or is not known to (``"unknown"``); both
sides are defined in :mod:`toolkit.mapping._established`.

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
        1 when the two Societies already work together (either says so), else 0.
        Where a Society lists its programmes, its side is the partner Societies
        recorded on its programmes that ran in the last 12 months (the programme
        register, ``programmes=`` and ``partners=``); only a Society without
        programme data keeps the proxy, the partners it names in ``coop_partners``
        (:func:`toolkit.mapping.cooperation_ties`).  Each pair says which was used
        (``cooperation_source``) and what the two already run together
        (``partnership_activities``).
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
from toolkit.mapping._established import (
    PAIR_STATUSES,
    established_activities,
    recipient_state,
    select_activities,
)
from toolkit.mapping._partnerships import cooperation_ties
from toolkit.mapping._route_profiles import num, on_route, profile_activities
from toolkit.mapping._route_tables import needs_set

__all__ = ["DEFAULT_WEIGHTS", "cooperation_network_data", "cooperation_pairs"]

#: Default weights of the score components of :func:`cooperation_pairs`.
DEFAULT_WEIGHTS: dict[str, float] = {
    "adjacency": 0.30,
    "capacity": 0.25,
    "shared_language": 0.15,
    "existing_cooperation": 0.15,
    "recipient_need": 0.15,
}

_SPLIT = re.compile(r"[;,\s]+")


def _codes(value: object) -> set[str]:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return set()
    return {c for c in _SPLIT.split(str(value).strip().lower()) if c and c != "other"}


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


def _shared_languages(profiles: pd.DataFrame) -> np.ndarray:
    """Society x Society: the two share a language."""
    n = len(profiles)
    none = [None] * n
    langs = [
        _codes(a) | _codes(b)
        for a, b in zip(profiles.get("languages", none), profiles.get("work_languages", none))
    ]
    vocab = {c: k for k, c in enumerate(sorted(set().union(*langs)))} if n else {}
    member = np.zeros((n, len(vocab)), dtype=np.int32)
    for i, ls in enumerate(langs):
        member[i, [vocab[c] for c in ls]] = 1
    return (member @ member.T) > 0


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
    "cooperation_source",
    "partnership_activities",
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
    programmes: pd.DataFrame | None = None,
    partners: pd.DataFrame | None = None,
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
    programmes, partners : pandas.DataFrame, optional
        The programme register of the round and its :func:`programme_partners`: the
        recorded cooperation that ``existing_cooperation`` counts for the Societies
        that list programmes (see :func:`toolkit.mapping.cooperation_ties`).

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
        (1 = best, counted separately within each status), ``cooperation_source``
        (``recorded``, ``proxy`` or ``recorded and proxy``: where the two sides of
        ``existing_cooperation`` come from) and ``partnership_activities`` (what the
        two already run together, space-separated).  ``attrs["cooperation"]`` is a
        sentence on the sources.  Sorted by status
        ("lacking" first), score (descending), then provider, recipient and
        activity.  Pass it as ``edges`` to :func:`toolkit.figures.cooperation_network`
        (see :func:`cooperation_network_data`).
    """
    if not isinstance(max_distance, (int, np.integer)) or max_distance < 1:
        raise InputError("max_distance must be a whole number >= 1.", value=max_distance)
    w = _check_weights(weights)
    canon, where = on_route(routes, profiles)
    acts = select_activities(profile_activities(profiles), activities)
    need = needs_set(needs, profile_activities(profiles))
    est = established_activities(profiles, require_scale=require_scale)
    state = recipient_state(profiles, acts)
    shared = _shared_languages(profiles)
    ties = cooperation_ties(profiles, programmes=programmes, partners=partners)
    coop = ties.tie
    codes = profiles["iso3"].astype(str).str.upper().to_numpy()
    zone = profiles["zone"].astype(str).to_numpy()
    vol = (
        num(profiles["volunteers_migration"])
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
            num(profiles[f"reached__{a}"])
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
                "cooperation_source": [ties.pair_source(i, j) for i, j in zip(p, q)],
                "partnership_activities": [ties.pair_activities(i, j) for i, j in zip(p, q)],
            }
        )
        pieces.append(piece)
    if not pieces:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in _PAIR_COLUMNS})
        empty.attrs["cooperation"] = ties.summary()
        return empty
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
    result = out[_PAIR_COLUMNS].reset_index(drop=True)
    result.attrs["cooperation"] = ties.summary()
    return result


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
    canon, _ = on_route(routes, profiles)
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
