"""Programmes for migrants with known truth, in the demo round and the round before it.

:func:`simulate_programmes` turns the activity transitions of
:func:`~toolkit.synth.simulate_rounds` into programmes, one row per programme and round
in which it exists:

* an activity run in both rounds belongs to a *continued* programme (same name in both
  rounds, a few renamed: cosmetically, which the programme id absorbs, or for real,
  which :attr:`SyntheticProgrammes.renames` records the way an analyst would);
* an activity run only now belongs to a *new* programme, started after the earlier
  round (some were already listed as planned then);
* an activity run only then belongs to an *ended* programme, gone from the current
  round's list;
* some Societies list a programme they plan to start.

Each programme groups one to three activity types, so the union of the activity types
of a Society's programmes that ran (status running or ended in the last 12 months)
equals its true activities of that round.  National Society partners of the current
round's programmes are among the Society's partners in the cooperation question,
preferring those on a migratory route it shares; partners of programmes that ended are
drawn along the Society's routes.  Everything here is SYNTHETIC.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.instrument import Instrument, load_instrument
from toolkit.synth._rounds import SyntheticRounds

__all__ = ["PROGRAMME_TRUTH_COLUMNS", "SyntheticProgrammes", "simulate_programmes"]

#: Columns of :attr:`SyntheticProgrammes.truth`.
PROGRAMME_TRUTH_COLUMNS = (
    "programme",
    "ns_iso3",
    "round",
    "transition",
    "name",
    "status",
    "start_year",
    "end_year",
    "activities",
    "stages",
    "groups",
    "country",
    "places",
    "partner_types",
    "partner_ns",
    "funding",
    "reached",
    "reached_basis",
    "contact_role",
    "lists_programmes",
)

_ROLES = (
    "Migration programme coordinator",
    "Head of health and care",
    "Restoring Family Links officer",
    "Protection, gender and inclusion officer",
    "Branch development coordinator",
    "Disaster management coordinator",
    "Head of social services",
)
_PLACES = (
    "Nationwide",
    "Capital region",
    "Border areas",
    "Northern region; Eastern region",
    "Southern region",
    "Coastal cities",
    "Reception centres",
    "Capital city; second city",
)
_NAMES = {
    "en": "{label} for migrants",
    "fr": "{label} pour les migrants",
    "es": "{label} para personas migrantes",
    "ar": "{label} للمهاجرين",
}
_RENAMED = {
    "en": "{label}: services for people on the move",
    "fr": "{label} : services pour les personnes en déplacement",
    "es": "{label}: servicios para personas en movimiento",
    "ar": "{label}: خدمات للأشخاص المتنقلين",
}
_LANG_COLUMN = {
    "en": "English (en)",
    "fr": "Français (fr)",
    "es": "Español (es)",
    "ar": "العربية (ar)",
}
# partner type -> probability for a programme that ran
_PARTNER_P = {"ifrc": 0.25, "icrc": 0.08, "un": 0.3, "government": 0.35, "ngo": 0.25, "other": 0.04}
_FUNDING_P = {
    "own": 0.6,
    "government": 0.3,
    "partner_ns": 0.15,
    "ifrc": 0.2,
    "icrc": 0.04,
    "un": 0.15,
    "institutional": 0.15,
    "private": 0.1,
}
# funding more likely from a partner that takes part
_FUNDED_BY = {"ns": "partner_ns", "ifrc": "ifrc", "icrc": "icrc", "un": "un"}


@dataclass(frozen=True)
class SyntheticProgrammes:
    """The programmes of two synthetic rounds and their truth.

    Attributes
    ----------
    truth : pandas.DataFrame
        One row per programme and round in which it ran in the 12 months before the
        round or was planned (:data:`PROGRAMME_TRUTH_COLUMNS`): ``programme`` (the true
        identity, constant across rounds), ``ns_iso3``, ``round`` (year),
        ``transition`` (``continued``, ``new``, ``ended`` or ``planned``), the answers
        of the programme repeat (space-separated codes for multiple choices; ``name``
        as reported that round) and ``lists_programmes`` (whether the Society lists
        its programmes that round rather than answering the activity types directly).
    renames : pandas.DataFrame
        Programmes reported under another name in the current round than in the
        earlier one, as an analyst records them for the programme register:
        ``ns_iso3``, ``name`` (the current name) and ``same_as`` (the earlier name).
    years : tuple of int
        ``(earlier, current)``.
    """

    truth: pd.DataFrame
    renames: pd.DataFrame
    years: tuple[int, int]

    def listed(self, year: int) -> pd.DataFrame:
        """The programmes the questionnaire of round ``year`` lists: those of Societies
        that list their programmes, in each Society's order of entry."""
        t = self.truth
        return t[(t["round"] == year) & t["lists_programmes"]].reset_index(drop=True)


def _bundled_routes() -> pd.DataFrame:
    path = Path(str(resources.files("toolkit") / "data" / "routes.csv"))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _neighbours(routes: pd.DataFrame) -> dict[str, set[str]]:
    """Societies (ISO3) sharing at least one route with each Society."""
    out: dict[str, set[str]] = {}
    for _, members in routes.groupby("route_id")["iso3"]:
        codes = set(members)
        for c in codes:
            out.setdefault(c, set()).update(codes - {c})
    return out


def _chunks(codes: list[str], rng: np.random.Generator) -> list[list[str]]:
    """Split activity codes into programmes of one to three types."""
    codes = list(rng.permutation(codes))
    out = []
    while codes:
        size = min(len(codes), int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15])))
        out.append(sorted(codes[:size], key=codes.index))
        codes = codes[size:]
    return out


def _language(languages: str) -> str:
    for code in str(languages).split(";"):
        if code in _NAMES:
            return code
    return "en"


class _Drawer:
    """Draws the answers of one programme."""

    def __init__(
        self,
        rng: np.random.Generator,
        inst: Instrument,
        details: pd.DataFrame,
        neighbours: dict[str, set[str]],
    ) -> None:
        self.rng = rng
        self.inst = inst
        self.details = details.set_index("iso3")
        self.neighbours = neighbours
        self.stages = inst.choice_names("stage")
        self.groups = inst.choice_names("target_group")
        self.zone = self.details["zone"].astype(str)

    def name(self, iso3: str, codes: list[str], taken: set[str], pattern: dict[str, str]) -> str:
        lang = _language(str(self.details.at[iso3, "languages"]))
        label = self.inst.choice_labels("activity", _LANG_COLUMN[lang])[codes[0]]
        if lang != "ar":
            label = label[0].upper() + label[1:]
        base = pattern[lang].format(label=label)
        name, k = base, 1
        while name.casefold() in taken:
            k += 1
            name = f"{base} ({_PLACES[k % len(_PLACES)].split(';')[0]})"
        taken.add(name.casefold())
        return name

    def stage_groups(self, iso3: str, codes: list[str], current: bool) -> tuple[str, str]:
        st: set[str] = set()
        gr: set[str] = set()
        if current:
            for a in codes:
                st.update(str(self.details.at[iso3, f"{a}_stage"] or "").split())
                gr.update(str(self.details.at[iso3, f"{a}_groups"] or "").split())
        if not st:
            st = {s for s in self.stages if self.rng.random() < 0.4} or {self.stages[1]}
        if not gr:
            gr = {g for g in self.groups if self.rng.random() < 0.3} or {self.groups[3]}
        return (
            " ".join(s for s in self.stages if s in st),
            " ".join(g for g in self.groups if g in gr),
        )

    def partners(self, iso3: str, pool: list[str], p_ns: float) -> tuple[str, str]:
        rng = self.rng
        kinds = [k for k, p in _PARTNER_P.items() if rng.random() < p]
        ns: list[str] = []
        if pool and rng.random() < p_ns:
            near = self.neighbours.get(iso3, set())
            weight = np.array([3.0 if c in near else 1.0 for c in pool])
            size = min(len(pool), int(rng.integers(1, 3)))
            ns = sorted(rng.choice(pool, size=size, replace=False, p=weight / weight.sum()))
            kinds.insert(0, "ns")
        return (" ".join(kinds) if kinds else "none"), " ".join(ns)

    def funding(self, kinds: str) -> str:
        rng = self.rng
        chosen = [
            f
            for f, p in _FUNDING_P.items()
            if rng.random() < (0.6 if f in {_FUNDED_BY.get(k) for k in kinds.split()} else p)
        ]
        return " ".join(chosen or ["own"])

    def reach(self, iso3: str, codes: list[str]) -> tuple[object, str]:
        rng = self.rng
        if rng.random() < 0.1:
            return pd.NA, ""
        cells = [self.details.at[iso3, f"{a}_reached"] for a in codes]
        known = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").dropna()
        centre = float(known.max()) if len(known) else float(np.exp(rng.normal(6.0, 1.0)))
        value = max(1.0, centre * float(np.exp(rng.normal(-0.3, 0.4))))
        if rng.random() < 0.6:
            return round(value), "counted"
        step = 100 if value >= 1000 else 10  # estimates are rounded
        return int(max(step, round(value / step) * step)), "estimated"


def simulate_programmes(
    rounds: SyntheticRounds,
    details: pd.DataFrame,
    *,
    seed: int = 2026,
    instrument: Instrument | None = None,
    routes: pd.DataFrame | None = None,
    p_lists: float = 0.85,
    p_renamed: float = 0.05,
    p_planned: float = 0.15,
) -> SyntheticProgrammes:
    """Draw every Society's programmes in both rounds, consistent with the transitions.

    Parameters
    ----------
    rounds : SyntheticRounds
        From :func:`~toolkit.synth.simulate_rounds` (activities of both rounds).
    details : pandas.DataFrame
        The current round's truth (:func:`~toolkit.synth.simulate_truth`, same frame
        order): stages, target groups, reach and cooperation partners per activity.
    seed : int, default 2026
        Seed of a stream of its own (the demo's other draws are unchanged).
    instrument : Instrument, optional
        Supplies the codes and the activity labels in four languages.
    routes : pandas.DataFrame, optional
        Route table (``route_id``, ``iso3``); the bundled one by default.
    p_lists : float, default 0.85
        Probability that a Society lists its programmes in a round (the others answer
        the activity types directly).
    p_renamed : float, default 0.05
        Probability that a continued programme is reported under a new name (half of
        them a cosmetic change of spelling, half a real rename).
    p_planned : float, default 0.15
        Probability that a Society with programmes lists one it plans to start.

    Returns
    -------
    SyntheticProgrammes
    """
    inst = instrument or load_instrument()
    truth = rounds.truth
    codes = rounds.codes
    y0, y1 = rounds.years
    rng = np.random.default_rng([seed, 11])
    draw = _Drawer(rng, inst, details, _neighbours(_bundled_routes() if routes is None else routes))
    iso = truth["iso3"].astype(str).to_numpy()
    zone = truth["zone"].astype(str).to_numpy()
    cur = truth[[f"activities__{a}" for a in codes]].to_numpy(int)
    prev = truth[[f"previous__{a}" for a in codes]].to_numpy(int)
    coop = details.set_index("iso3").reindex(iso)
    rows: list[dict[str, object]] = []
    renames: list[dict[str, str]] = []
    for k, s in enumerate(iso):
        lists = {y0: bool(rng.random() < p_lists), y1: bool(rng.random() < p_lists)}
        same_zone = [c for c in iso[zone == zone[k]] if c != s]
        on_route = sorted(draw.neighbours.get(s, set()) & set(iso)) or same_zone
        partners = coop.at[s, "coop_partners"]
        pool_now = (
            str(partners).split()
            if coop.at[s, "coop_any"] == "yes" and isinstance(partners, str)
            else []
        )
        taken: set[str] = set()
        groups = {
            "continued": [codes[j] for j in range(len(codes)) if cur[k, j] and prev[k, j]],
            "new": [codes[j] for j in range(len(codes)) if cur[k, j] and not prev[k, j]],
            "ended": [codes[j] for j in range(len(codes)) if prev[k, j] and not cur[k, j]],
        }
        n = 0
        for kind, acts in groups.items():
            for chunk in _chunks(acts, rng):
                n += 1
                key = f"{s}-P{n:02d}"
                name = draw.name(s, chunk, taken, _NAMES)
                base = {"programme": key, "ns_iso3": s, "transition": kind, "country": s}
                base["activities"] = " ".join(chunk)
                base["places"] = str(rng.choice(_PLACES))
                base["contact_role"] = str(rng.choice(_ROLES))
                stages, tgroups = draw.stage_groups(s, chunk, current=kind != "ended")
                base.update(stages=stages, groups=tgroups)
                pool = pool_now if kind != "ended" else on_route
                kinds, ns = draw.partners(s, pool, 0.5 if kind != "ended" else 0.35)
                base.update(partner_types=kinds, partner_ns=ns, funding=draw.funding(kinds))
                if kind == "new":
                    start = int(rng.integers(y0 + 1, y1 + 1))
                else:
                    start = y0 - int(min(rng.geometric(0.2), 25))
                end: object = pd.NA
                if kind == "ended":
                    end = int(rng.integers(y0 + 1, y1))
                elif kind == "continued" and rng.random() < 0.1:
                    end = y1  # ended in the 12 months before the current round
                base.update(start_year=start, end_year=end)
                reached, basis = draw.reach(s, chunk)
                if kind in ("continued", "ended"):
                    earlier_name = name
                    rows.append(
                        {**base, "round": y0, "name": name, "status": "running"}
                        | {"reached": reached, "reached_basis": basis}
                        | {"lists_programmes": lists[y0]}
                    )
                    reached, basis = draw.reach(s, chunk)
                    if kind == "continued" and rng.random() < p_renamed:
                        if rng.random() < 0.5:  # spelling only: the same programme id
                            name = name.upper() if rng.random() < 0.5 else name.replace(" ", "  ")
                        else:
                            name = draw.name(s, chunk, taken, _RENAMED)
                            if lists[y0] and lists[y1]:
                                renames.append(
                                    {"ns_iso3": s, "name": name, "same_as": earlier_name}
                                )
                if kind == "new" and rng.random() < 0.3:
                    rows.append(
                        {**base, "round": y0, "name": name, "status": "planned"}
                        | {"reached": pd.NA, "reached_basis": "", "lists_programmes": lists[y0]}
                        | {"transition": "planned", "partner_ns": ""}
                        | {"partner_types": kinds.replace("ns", "").strip() or "none"}
                    )
                if kind != "ended":
                    status = "running" if end is pd.NA else "ended"
                    rows.append(
                        {**base, "round": y1, "name": name, "status": status}
                        | {
                            "reached": reached,
                            "reached_basis": basis,
                            "lists_programmes": lists[y1],
                        }
                    )
        if cur[k].any() and rng.random() < p_planned:
            n += 1
            chunk = [str(rng.choice(codes))]
            stages, tgroups = draw.stage_groups(s, chunk, current=False)
            rows.append(
                {
                    "programme": f"{s}-P{n:02d}",
                    "ns_iso3": s,
                    "round": y1,
                    "transition": "planned",
                    "name": draw.name(s, chunk, taken, _NAMES),
                    "status": "planned",
                    "start_year": y1 + 1,
                    "end_year": pd.NA,
                    "activities": chunk[0],
                    "stages": stages,
                    "groups": tgroups,
                    "country": s,
                    "places": str(rng.choice(_PLACES)),
                    "partner_types": "none",
                    "partner_ns": "",
                    "funding": draw.funding("none"),
                    "reached": pd.NA,
                    "reached_basis": "",
                    "contact_role": str(rng.choice(_ROLES)),
                    "lists_programmes": lists[y1],
                }
            )
    out = pd.DataFrame(rows, columns=list(PROGRAMME_TRUTH_COLUMNS))
    out = out.astype({"start_year": "Int64", "end_year": "Int64", "reached": "Int64"})
    # a Society without any activity that round answers "no" and lists nothing
    ran = {
        (y, s)
        for y, s, st in zip(out["round"], out["ns_iso3"], out["status"], strict=True)
        if st != "planned"
    }
    keep = [(y, s) in ran for y, s in zip(out["round"], out["ns_iso3"], strict=True)]
    out = out[keep].sort_values(["round", "ns_iso3", "programme"], kind="stable")
    return SyntheticProgrammes(
        out.reset_index(drop=True),
        pd.DataFrame(renames, columns=["ns_iso3", "name", "same_as"]),
        (int(y0), int(y1)),
    )
