"""The content of a policy brief, built once from the study's tables for one zone (or
for all zones) and written in any language by :func:`~toolkit.publish.write_brief`.

:class:`Brief` holds language-neutral content: the key findings as records
(:class:`~toolkit.publish._brief_findings.Finding`), the zone's estimates, the gaps along
its routes and its top cooperation opportunities, the response counts and the facts of
the study.  Everything a reader sees is put into words only when the brief is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.errors import InputError
from toolkit.mapping import ROUTE_STAGES
from toolkit.publish._brief_findings import (
    MIN_ANSWERS,
    WIDE_INTERVAL,
    Finding,
    select_findings,
)

__all__ = ["Brief", "BriefFigure", "brief_from_report", "briefs_from_report", "build_brief"]


@dataclass(frozen=True)
class BriefFigure:
    """A figure placed in a brief.

    Attributes
    ----------
    path : Path
        PNG (used by the Word and web versions); an SVG beside it with the same stem
        is used by the PDF.
    caption : str
        In the brief's language.
    alt_text : str
        Text alternative for screen readers (HTML ``alt``, Word description).
    """

    path: Path
    caption: str
    alt_text: str = ""


@dataclass(frozen=True, eq=False)
class Brief:
    """Language-neutral content of one policy brief.

    Attributes
    ----------
    zone : str
        Zone code, or ``"all"`` for the network brief (which compares zones).
    zones : tuple of str
        The study's zones, in order.
    study : str
        Study name.
    date : datetime.date
        Date printed on the brief.
    synthetic : bool
        Whether the data are synthetic (a banner says so on every page).
    n, population : int
        Societies that answered, and all Societies of the zone in the frame.
    level : float
        Confidence level of the intervals.
    min_cell : int
        Disclosure minimum (responding Societies behind a published share).
    min_answers : int
        Fewest answers behind a share stated in a key finding.
    findings : tuple of Finding
        The key findings (3-6, see :func:`select_findings`).
    estimates : pandas.DataFrame
        Estimates of the brief's zone (all zones for the network brief), every
        dimension, as published (suppressed cells keep their mark).
    gaps : pandas.DataFrame
        One row per route and stage with a gap: ``route_id``, ``route_name``,
        ``stage``, ``activities`` (tuple of codes nobody at that stage runs).
    routes : pandas.DataFrame
        Routes through the zone: ``route_id``, ``route_name``, ``needed_cells``,
        ``covered``, ``gaps``, ``unknown``.
    pairs : pandas.DataFrame
        Top cooperation opportunities: ``provider``, ``recipient`` (ISO3),
        ``provider_name``, ``recipient_name``, ``activity``, ``route_id``,
        ``route_name``, ``score``, ``cross_regional``.
    instrument : Instrument or None
        Source of the activity, stage and group labels in each language.
    figures : tuple of BriefFigure
        Figures given by the caller, placed after the brief's own two.
    notice : str
        Printed on every page, translated where the catalogue has it (e.g.
        ``INTERNAL_MARK`` of the publication policy in the internal tier).
    """

    zone: str
    zones: tuple[str, ...]
    study: str
    date: dt.date
    synthetic: bool
    n: int
    population: int
    level: float
    min_cell: int
    min_answers: int
    findings: tuple[Finding, ...]
    estimates: pd.DataFrame
    gaps: pd.DataFrame
    routes: pd.DataFrame
    pairs: pd.DataFrame
    instrument: Any = None
    figures: tuple[BriefFigure, ...] = field(default=())
    notice: str = ""

    @property
    def response_rate(self) -> float:
        """Share of the zone's Societies that answered."""
        return self.n / self.population if self.population else float("nan")


def _response(frame: pd.DataFrame, zone: str) -> tuple[int, int]:
    for col in ("zone", "responded"):
        if col not in frame:
            raise InputError(
                f"the frame table lacks the column '{col}'.",
                column=col,
                hint="pass the membership frame with response status (report.frame).",
            )
    rows = frame if zone == "all" else frame[frame["zone"].astype(str) == zone]
    if "disposition" in rows:  # not eligible Societies are not in the base of the rate
        rows = rows[rows["disposition"].astype(str) != "NE"]
    return int(rows["responded"].astype(bool).sum()), len(rows)


def _route_table(
    coverage: pd.DataFrame | None, summary: pd.DataFrame | None, route_ids: Sequence[str] | None
) -> tuple[list[str], pd.DataFrame]:
    cols = ["route_id", "route_name", "needed_cells", "covered", "gaps", "unknown"]
    if summary is not None and not summary.empty:
        table = summary.reset_index() if "route_id" not in summary else summary
        table = table.copy()
    elif coverage is not None and not coverage.empty:
        need = coverage[coverage["needed"].astype(bool)]
        table = (
            need.groupby(["route_id", "route_name"], sort=False)["status"]
            .agg(
                needed_cells="size",
                covered=lambda s: int((s == "covered").sum()),
                gaps=lambda s: int((s == "gap").sum()),
                unknown=lambda s: int((s == "unknown").sum()),
            )
            .reset_index()
        )
    else:
        return [], pd.DataFrame(columns=cols)
    ids = list(route_ids) if route_ids is not None else table["route_id"].astype(str).tolist()
    table = (
        table.set_index(table["route_id"].astype(str)).reindex(ids).dropna(subset=["route_name"])
    )
    return ids, table[cols].reset_index(drop=True)


def _gaps(coverage: pd.DataFrame | None, ids: Sequence[str]) -> pd.DataFrame:
    cols = ["route_id", "route_name", "stage", "activities"]
    if coverage is None or coverage.empty:
        return pd.DataFrame(columns=cols)
    gap = coverage[(coverage["status"] == "gap") & coverage["route_id"].astype(str).isin(ids)]
    rows = []
    order = {r: i for i, r in enumerate(ids)}
    for (route, name, stage), grp in gap.groupby(["route_id", "route_name", "stage"], sort=False):
        rows.append((str(route), str(name), str(stage), tuple(grp["activity"].astype(str))))
    rows.sort(
        key=lambda r: (
            order.get(r[0], len(order)),
            ROUTE_STAGES.index(r[2]) if r[2] in ROUTE_STAGES else 9,
        )
    )
    return pd.DataFrame(rows, columns=cols)


def _pairs(
    pairs: pd.DataFrame | None, zone: str, frame: pd.DataFrame, names: dict[str, str], top: int
) -> pd.DataFrame:
    cols = [
        "provider",
        "recipient",
        "provider_name",
        "recipient_name",
        "activity",
        "route_id",
        "route_name",
        "score",
        "cross_regional",
    ]
    if pairs is None or pairs.empty or top <= 0:
        return pd.DataFrame(columns=cols)
    p = pairs
    if zone != "all":
        p = p[(p["provider_zone"].astype(str) == zone) | (p["recipient_zone"].astype(str) == zone)]
    if "status" in p:  # a neighbour that did not answer is unknown, never an opportunity
        p = p[p["status"].astype(str) == "lacking"]
    p = p.sort_values(
        ["score", "provider", "recipient", "activity"], ascending=[False, True, True, True]
    )
    p = p.head(top)
    country = frame.set_index(frame["iso3"].astype(str))["country"].astype(str).to_dict()
    out = pd.DataFrame(
        {
            "provider": p["provider"].astype(str).to_numpy(),
            "recipient": p["recipient"].astype(str).to_numpy(),
            "provider_name": [country.get(c, c) for c in p["provider"].astype(str)],
            "recipient_name": [country.get(c, c) for c in p["recipient"].astype(str)],
            "activity": p["activity"].astype(str).to_numpy(),
            "route_id": p["route_id"].astype(str).to_numpy(),
            "route_name": [names.get(r, r) for r in p["route_id"].astype(str)],
            "score": p["score"].astype(float).to_numpy(),
            "cross_regional": p.get("cross_regional", pd.Series(False, index=p.index))
            .astype(bool)
            .to_numpy(),
        }
    )
    return out[cols]


def build_brief(
    estimates: pd.DataFrame,
    *,
    frame: pd.DataFrame,
    zone: str = "all",
    study: str = "",
    coverage: pd.DataFrame | None = None,
    route_summary: pd.DataFrame | None = None,
    route_ids: Sequence[str] | None = None,
    pairs: pd.DataFrame | None = None,
    instrument: Any = None,
    synthetic: bool = False,
    date: dt.date | None = None,
    level: float = 0.95,
    min_cell: int = 3,
    min_answers: int = MIN_ANSWERS,
    wide: float = WIDE_INTERVAL,
    top_pairs: int = 5,
    figures: Sequence[BriefFigure] = (),
    notice: str = "",
) -> Brief:
    """Build the content of the brief of one zone (or ``"all"``).

    Parameters
    ----------
    estimates : pandas.DataFrame
        Disclosure-controlled estimates of **all** zones (the zone brief compares its
        zone with the others): :meth:`toolkit.run.Report.estimates`, i.e.
        :func:`toolkit.mapping.activity_shares` then
        :func:`toolkit.publish.publishable_shares`.
    frame : pandas.DataFrame
        Membership frame with ``iso3``, ``country``, ``zone`` and ``responded``
        (``report.frame``); gives n answered of N.
    zone : str, default "all"
    study : str
        Study name.
    coverage, route_summary : pandas.DataFrame, optional
        :func:`toolkit.mapping.route_coverage` and :func:`toolkit.mapping.route_summary`.
    route_ids : sequence of str, optional
        Routes through the zone, in the order to list them
        (:func:`toolkit.mapping.routes_in_zone`); every route when omitted.
    pairs : pandas.DataFrame, optional
        :func:`toolkit.mapping.cooperation_pairs`; the ``top_pairs`` best-scored pairs
        with the zone as provider or recipient and a neighbour that answered and lacks
        the activity are kept.
    instrument : Instrument, optional
        Labels of activities, stages and groups per language.
    synthetic : bool, default False
    date : datetime.date, optional
        Today when omitted.
    level, min_cell, min_answers, wide
        See :func:`select_findings`; ``min_cell`` is the study's disclosure minimum.
    top_pairs : int, default 5
    figures : sequence of BriefFigure
        Extra figures (at most one fits with the brief's own two).
    notice : str
        Printed on every page (see :class:`Brief`).

    Returns
    -------
    Brief
    """
    zones = tuple(str(z) for z in pd.unique(estimates["zone"].astype(str)) if z != "all")
    if zone != "all" and zone not in zones:
        raise InputError(
            f"the estimates have no zone {zone!r}.",
            column="zone",
            value=zone,
            hint=f"use 'all' or one of {', '.join(zones)}.",
        )
    findings = select_findings(
        estimates, zone, level=level, min_answers=min_answers, wide=wide, zones=zones
    )
    mine = estimates if zone == "all" else estimates[estimates["zone"].astype(str) == zone]
    n, population = _response(frame, zone)
    ids, routes = _route_table(coverage, route_summary, route_ids)
    names = dict(zip(routes["route_id"].astype(str), routes["route_name"].astype(str)))
    return Brief(
        zone=zone,
        zones=zones,
        study=study,
        date=date or dt.date.today(),
        synthetic=synthetic,
        n=n,
        population=population,
        level=level,
        min_cell=min_cell,
        min_answers=min_answers,
        findings=tuple(findings),
        estimates=mine.reset_index(drop=True),
        gaps=_gaps(coverage, ids),
        routes=routes,
        pairs=_pairs(pairs, zone, frame, names, top_pairs),
        instrument=instrument,
        figures=tuple(figures),
        notice=notice,
    )


def brief_from_report(
    report: Any,
    *,
    level: float = 0.95,
    max_distance: int = 2,
    date: dt.date | None = None,
    estimates: pd.DataFrame | None = None,
    profiles: pd.DataFrame | None = None,
    **options: Any,
) -> Brief:
    """:func:`build_brief` from a report opened with :func:`toolkit.run.open_report`.

    Computes the routes' coverage and the cooperation pairs with :mod:`toolkit.mapping`
    as notebook ``03_activity_mapping`` does (``max_distance`` as there).  Pass the
    *published* ``estimates`` and ``profiles`` when a publication policy decides what
    may be shown (default: ``report.estimates(level)`` and ``report.profiles()``).
    ``options`` go to :func:`build_brief`.
    """
    return briefs_from_report(
        report,
        [report.zone],
        level=level,
        max_distance=max_distance,
        date=date,
        estimates=estimates,
        profiles=profiles,
        **options,
    )[report.zone]


def briefs_from_report(
    report: Any,
    zones: Sequence[str],
    *,
    level: float = 0.95,
    max_distance: int = 2,
    date: dt.date | None = None,
    estimates: pd.DataFrame | None = None,
    profiles: pd.DataFrame | None = None,
    cooperation: dict[str, pd.DataFrame] | None = None,
    **options: Any,
) -> dict[str, Brief]:
    """The briefs of several zones (``"all"`` among them if wanted) from one report.

    As :func:`brief_from_report`, but the estimates, route coverage and cooperation
    pairs, which are the same for every zone of a study (a report's tables cover the
    study's zones, whatever its own zone), are computed once.  ``cooperation`` gives
    ``programmes=`` and ``partners=`` for the existing cooperation of route coverage and
    pairs (the recorded partnerships the tier may use, as the notebooks pass them;
    without it, the cooperation proxy is used).

    Returns
    -------
    dict of str to Brief
        Zone -> its brief, in the order of ``zones``.
    """
    from toolkit import mapping

    profiles = report.profiles() if profiles is None else profiles
    estimates = report.estimates(level) if estimates is None else estimates
    frame = report.frame
    routes = mapping.load_routes(frame=frame)
    needs = report.stage_needs()  # the stage needs of the items this tier may show
    coop = cooperation or {}
    programmes, partners = coop.get("programmes"), coop.get("partners")
    coverage = mapping.route_coverage(
        routes, profiles, needs, programmes=programmes, partners=partners
    )
    summary = mapping.route_summary(
        routes, profiles, needs, programmes=programmes, partners=partners
    )
    pairs = mapping.cooperation_pairs(
        routes,
        profiles,
        needs=needs,
        max_distance=max_distance,
        programmes=programmes,
        partners=partners,
    )
    return {
        zone: build_brief(
            estimates,
            frame=frame,
            zone=zone,
            study=report.study.name,
            coverage=coverage,
            route_summary=summary,
            route_ids=mapping.routes_in_zone(routes, frame, zone),
            pairs=pairs,
            instrument=report.instrument,
            synthetic=report.synthetic,
            date=date,
            level=level,
            min_cell=report.min_cell,
            **options,
        )
        for zone in zones
    }
