"""Cooperation chains: consecutive Societies along a route that one established
activity could reach (see :func:`cooperation_chains`)."""

from __future__ import annotations

from collections.abc import Sequence

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
from toolkit.mapping._route_profiles import on_route, profile_activities

__all__ = ["cooperation_chains"]

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
    "tied_recipients",
    "cooperation_source",
]


def cooperation_chains(
    routes: pd.DataFrame,
    profiles: pd.DataFrame,
    *,
    min_length: int = 3,
    direction: str = "both",
    activities: Sequence[str] | None = None,
    require_scale: bool = True,
    programmes: pd.DataFrame | None = None,
    partners: pd.DataFrame | None = None,
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
        As in :func:`toolkit.mapping.cooperation_pairs`.
    min_length : int, default 3
        Fewest Societies in a chain, provider included (2 would be a pair).
    direction : {"both", "forward", "backward"}, default "both"
        "forward" walks in travel order (towards destinations), "backward" against it
        (a destination Society supporting the transit Societies before it).
    activities : sequence of str, optional
        Restrict to these activities.
    require_scale : bool, default True
        See :func:`established_activities`.
    programmes, partners : pandas.DataFrame, optional
        The round's programme register and its partners: existing cooperation as
        recorded (:func:`toolkit.mapping.cooperation_ties`).

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``activity``, ``direction``, ``provider``, ``provider_zone``,
        ``recipients`` and ``members`` (provider first, in walking order; ISO3
        ", "-separated), ``length``, ``n_lacking``, ``n_unknown``, ``status``
        ("lacking", "unknown" or "mixed" over the recipients), ``member_status`` (each
        recipient's status, in order), ``zones`` (crossed, in order),
        ``cross_regional``, ``start_position`` / ``end_position``,
        ``tied_recipients`` (recipients that already work with the provider) and
        ``cooperation_source`` (how that was known: ``recorded``, ``proxy`` or
        ``recorded and proxy``).  In route order, then activity, direction and start
        position.
    """
    if direction not in ("both", "forward", "backward"):
        raise InputError("direction must be 'both', 'forward' or 'backward'.", value=direction)
    if not isinstance(min_length, (int, np.integer)) or min_length < 2:
        raise InputError("min_length must be a whole number >= 2.", value=min_length)
    canon, where = on_route(routes, profiles)
    acts = select_activities(profile_activities(profiles), activities)
    est = established_activities(profiles, require_scale=require_scale)
    state = recipient_state(profiles, acts)
    ties = cooperation_ties(profiles, programmes=programmes, partners=partners)
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
                    tied = [k for k in walk if ties.tie[idx[i], idx[k]]]
                    kinds = {ties.pair_source(idx[i], idx[k]) for k in walk}
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
                            "tied_recipients": ", ".join(codes[idx[tied]]),
                            "cooperation_source": "recorded and proxy"
                            if len(kinds - {"none"}) > 1
                            else next(iter(sorted(kinds - {"none"})), "none"),
                        }
                    )
    out = (
        pd.DataFrame(rows, columns=_CHAIN_COLUMNS)
        if rows
        else pd.DataFrame({c: pd.Series(dtype=object) for c in _CHAIN_COLUMNS})
    )
    out.attrs["cooperation"] = ties.summary()
    return out
