"""Recorded cooperation: who works with whom, on what and along which route.

The programme register (:func:`toolkit.mapping.programme_register`) names each
programme's partners: other National Societies (chosen from the frame, so cooperation
is recorded, not inferred), the IFRC, the ICRC, UN agencies, government and others.
:func:`programme_partners` makes one row per programme and partner, with the migratory
routes the two Societies share (for a partner that is not a Society, the routes the
Society's country is on), taken from the route table through the Societies' countries.
:func:`recorded_cooperation` lays the Society partnerships out per activity type and
route, the shape route coverage and cooperation opportunities join on.

Existing cooperation
    :func:`cooperation_ties` says which Societies already work together, the way route
    coverage and cooperation opportunities count it.  Where a Society lists its
    programmes (it has rows in the register), its ties are the partner Societies it
    *recorded* on programmes that ran in the last 12 months; only for a Society without
    programme data does the *proxy* remain: the partner Societies it named in the
    Society-level cooperation question (``coop_partners``).  Two Societies are tied
    when either says so; every output built on the ties says which source each
    Society's side came from (:data:`COOPERATION_SOURCES`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit.mapping._route_tables import load_routes

__all__ = [
    "COOPERATION_SOURCES",
    "PARTNER_COLUMNS",
    "CooperationTies",
    "cooperation_ties",
    "programme_partners",
    "recorded_cooperation",
]

#: Where a Society's side of existing cooperation comes from: its programme register
#: entries (``recorded``), the Society-level cooperation question (``proxy``), or
#: nothing (``none``: it did not answer).
COOPERATION_SOURCES = ("recorded", "proxy", "none")
_SPLIT = re.compile(r"[;,\s]+")

#: Columns of :func:`programme_partners`.
PARTNER_COLUMNS = (
    "programme_id",
    "ns_iso3",
    "zone",
    "year",
    "status",
    "ran_last_12_months",
    "partner_type",
    "partner_iso3",
    "partner_zone",
    "activities",
    "routes",
    "on_shared_route",
    "recorded_by_both",
)
_SOCIETY = "ns"
_NONE = "none"


def _route_sets(routes: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rid, iso in zip(routes["route_id"].astype(str), routes["iso3"].astype(str), strict=True):
        out.setdefault(iso.upper(), set()).add(rid)
    return out


def programme_partners(
    programmes: pd.DataFrame, *, frame: pd.DataFrame, routes: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The ``programme_partners`` table: one row per programme and partner.

    Parameters
    ----------
    programmes : pandas.DataFrame
        The programme register (:func:`~toolkit.mapping.programme_register`).
    frame : pandas.DataFrame
        Membership frame (``iso3``, ``zone``).
    routes : pandas.DataFrame, optional
        Route table (:func:`~toolkit.mapping.load_routes`); the bundled one by default.

    Returns
    -------
    pandas.DataFrame
        :data:`PARTNER_COLUMNS`: the programme (id, Society, zone, year, status, whether
        it ran in the last 12 months and its ``activities``), ``partner_type`` (a code
        of the partner-type list; ``none`` is left out), ``partner_iso3`` and
        ``partner_zone`` for a partner Society (one row per partner Society; a Society
        partner without a named Society keeps one row with ``partner_iso3`` missing),
        ``routes`` (space-separated route ids: shared by both Societies for a Society
        partner, else the Society's own), ``on_shared_route`` (a Society partner on a
        route with the Society) and ``recorded_by_both`` (the partner Society names this
        Society as a partner of one of its own programmes of the same year).
    """
    table = routes if routes is not None else load_routes(frame=frame)
    on = _route_sets(table)
    zones = frame.assign(iso3=frame["iso3"].astype(str).str.upper()).set_index("iso3")["zone"]
    rows: list[dict[str, object]] = []
    for rec in programmes.to_dict("records"):
        iso = str(rec["ns_iso3"])
        kinds = str(rec["partner_types"]).split() if isinstance(rec["partner_types"], str) else []
        named = (
            str(rec["partner_societies"]).upper().split()
            if isinstance(rec["partner_societies"], str)
            else []
        )
        base = {c: rec.get(c) for c in ("programme_id", "ns_iso3", "zone", "year", "status")}
        base["ran_last_12_months"] = rec.get("ran_last_12_months")
        base["activities"] = rec.get("activities")
        for kind in kinds:
            if kind == _NONE:
                continue
            partners: list[str | None] = [p for p in named if p != iso] if kind == _SOCIETY else []
            for partner in partners or [None]:
                shared = (
                    on.get(iso, set()) & on.get(partner, set()) if partner else on.get(iso, set())
                )
                rows.append(
                    base
                    | {
                        "partner_type": kind,
                        "partner_iso3": partner,
                        "partner_zone": zones.get(partner) if partner else None,
                        "routes": " ".join(sorted(shared)) or None,
                        "on_shared_route": bool(partner and shared),
                    }
                )
        for partner in [p for p in named if p != iso and _SOCIETY not in kinds]:
            # a partner Society named although "other National Societies" is not ticked
            shared = on.get(iso, set()) & on.get(partner, set())
            rows.append(
                base
                | {
                    "partner_type": _SOCIETY,
                    "partner_iso3": partner,
                    "partner_zone": zones.get(partner),
                    "routes": " ".join(sorted(shared)) or None,
                    "on_shared_route": bool(shared),
                }
            )
    out = pd.DataFrame(rows, columns=[c for c in PARTNER_COLUMNS if c != "recorded_by_both"])
    pairs = set(
        zip(
            out["year"].astype("string").fillna(""),
            out["ns_iso3"].astype("string"),
            out["partner_iso3"].astype("string"),
            strict=True,
        )
    )
    out["recorded_by_both"] = [
        bool(isinstance(p, str) and (str(y), p, s) in pairs)
        for y, s, p in zip(
            out["year"].astype("string").fillna(""),
            out["ns_iso3"],
            out["partner_iso3"],
            strict=True,
        )
    ]
    for col in ("programme_id", "ns_iso3", "zone", "status", "partner_type", "partner_iso3"):
        out[col] = out[col].astype("string")
    for col in ("partner_zone", "activities", "routes"):
        out[col] = out[col].astype("string")
    out["year"] = out["year"].astype("Int64")
    out["ran_last_12_months"] = out["ran_last_12_months"].astype("boolean")
    return out


def recorded_cooperation(partners: pd.DataFrame, *, ran_only: bool = True) -> pd.DataFrame:
    """Society partnerships per activity type and route.

    Parameters
    ----------
    partners : pandas.DataFrame
        :func:`programme_partners`.
    ran_only : bool, default True
        Keep only programmes that ran in the last 12 months (planned cooperation is not
        existing cooperation).

    Returns
    -------
    pandas.DataFrame
        One row per (Society, partner Society, activity, route) with the programmes
        behind it: ``ns_iso3``, ``partner_iso3``, ``activity``, ``route_id`` (missing
        where the two Societies share no route), ``programmes`` (count) and
        ``programme_ids`` (space-separated).  Sorted.
    """
    p = partners[(partners["partner_type"] == _SOCIETY) & partners["partner_iso3"].notna()]
    if ran_only:
        p = p[p["ran_last_12_months"].fillna(True).astype(bool)]
    cols = ["ns_iso3", "partner_iso3", "activity", "route_id", "programmes", "programme_ids"]
    if p.empty:
        return pd.DataFrame(columns=cols)
    long = (
        p.assign(
            activity=p["activities"].fillna("").str.split(),
            route_id=p["routes"].fillna("").str.split().map(lambda r: r or [pd.NA]),
        )
        .explode("activity")
        .explode("route_id")
    )
    long = long[long["activity"].notna() & (long["activity"] != "")]
    out = (
        long.groupby(["ns_iso3", "partner_iso3", "activity", "route_id"], dropna=False)[
            "programme_id"
        ]
        .agg(programmes="nunique", programme_ids=lambda s: " ".join(sorted(set(s))))
        .reset_index()
    )
    for col in ("ns_iso3", "partner_iso3", "activity", "route_id", "programme_ids"):
        out[col] = out[col].astype("string")
    return out[cols].sort_values(cols[:4], ignore_index=True)


@dataclass(frozen=True)
class CooperationTies:
    """Existing cooperation between the Societies of a profiles table.

    Attributes
    ----------
    codes : ndarray of str
        ISO3 codes, in profile order.
    tie : ndarray of bool, shape (n, n)
        Symmetric: the two Societies work together (either says so).
    source : ndarray of str, shape (n,)
        Each Society's side (:data:`COOPERATION_SOURCES`).
    activities : dict
        ``(i, j)`` with ``i < j`` -> activity codes of the recorded programmes the two
        run together (empty for a tie known from the proxy only).
    """

    codes: np.ndarray
    tie: np.ndarray
    source: np.ndarray
    activities: dict[tuple[int, int], set[str]] = field(default_factory=dict)

    def pair_source(self, i: int, j: int) -> str:
        """``"recorded"``, ``"proxy"`` or ``"recorded and proxy"`` for a pair: where
        the two sides of its cooperation status come from."""
        kinds = {str(self.source[i]), str(self.source[j])} - {"none"}
        if kinds == {"recorded"}:
            return "recorded"
        if kinds == {"proxy"}:
            return "proxy"
        return "recorded and proxy" if kinds else "none"

    def pair_activities(self, i: int, j: int) -> str:
        """Space-separated activities the two run together (recorded programmes)."""
        return " ".join(sorted(self.activities.get((min(i, j), max(i, j)), set())))

    def summary(self) -> str:
        """One sentence on the sources used (for captions and table notes)."""
        k = {s: int((self.source == s).sum()) for s in COOPERATION_SOURCES}
        if k["recorded"] and not k["proxy"]:
            return (
                f"existing cooperation as recorded in the programme register "
                f"({k['recorded']} Societies)"
            )
        if k["proxy"] and not k["recorded"]:
            return (
                "existing cooperation from the Society-level cooperation question "
                f"(proxy; no programme data; {k['proxy']} Societies)"
            )
        if not k["proxy"] and not k["recorded"]:
            return "no existing cooperation known"
        return (
            f"existing cooperation as recorded in the programme register for {k['recorded']} "
            f"Societies, and from the Society-level cooperation question (proxy) for the "
            f"{k['proxy']} that answered without listing programmes"
        )


def _codes(value: object) -> set[str]:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return set()
    return {c.upper() for c in _SPLIT.split(str(value).strip()) if c and c.lower() != "other"}


def cooperation_ties(
    profiles: pd.DataFrame,
    *,
    programmes: pd.DataFrame | None = None,
    partners: pd.DataFrame | None = None,
) -> CooperationTies:
    """Which Societies of ``profiles`` already work together (see the module notes).

    Parameters
    ----------
    profiles : pandas.DataFrame
        Society profiles (:func:`toolkit.mapping.society_profiles`): ``iso3``,
        ``responded`` and the proxy ``coop_partners``.
    programmes : pandas.DataFrame, optional
        The programme register of the round; a Society with rows in it has programme
        data.  Without it every Society's side is the proxy.
    partners : pandas.DataFrame, optional
        :func:`programme_partners` of ``programmes`` (required with it): the recorded
        Society partnerships (:func:`recorded_cooperation`, programmes that ran).

    Returns
    -------
    CooperationTies

    Raises
    ------
    InputError
        ``programmes`` without ``partners``.
    """
    from toolkit.errors import InputError

    if programmes is not None and partners is None:
        raise InputError(
            "recorded cooperation needs the partners of the programmes too.",
            hint="pass partners=toolkit.mapping.programme_partners(programmes, frame=frame).",
        )
    codes = profiles["iso3"].astype(str).str.upper().to_numpy()
    n = len(codes)
    at = {c: i for i, c in enumerate(codes)}
    responded = (
        profiles["responded"].fillna(False).astype(bool).to_numpy()
        if "responded" in profiles
        else np.ones(n, bool)
    )
    listed = (
        set(programmes["ns_iso3"].astype(str).str.upper())
        if programmes is not None and len(programmes)
        else set()
    )
    recorded = np.array([c in listed for c in codes], dtype=bool)
    source = np.where(recorded, "recorded", np.where(responded, "proxy", "none")).astype(object)
    says = np.zeros((n, n), dtype=bool)
    proxy = profiles["coop_partners"] if "coop_partners" in profiles else pd.Series([None] * n)
    for i, value in enumerate(proxy):
        if source[i] == "proxy":
            for c in _codes(value):
                j = at.get(c)
                if j is not None and j != i:
                    says[i, j] = True
    acts: dict[tuple[int, int], set[str]] = {}
    if partners is not None and len(partners):
        coop = recorded_cooperation(partners, ran_only=True)
        for s, p, a in zip(coop["ns_iso3"], coop["partner_iso3"], coop["activity"], strict=True):
            si, pj = at.get(str(s).upper()), at.get(str(p).upper())
            if si is None or pj is None or si == pj or not recorded[si]:
                continue
            says[si, pj] = True
            acts.setdefault((min(si, pj), max(si, pj)), set()).add(str(a))
    return CooperationTies(codes, says | says.T, source.astype(str), acts)
