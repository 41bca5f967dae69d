"""A :class:`~toolkit.publish.Brief` put into words in one language.

:func:`localise` turns the language-neutral content into :class:`BriefText`: every
heading, sentence and table cell as a string in the target language, numbers written
the locale's way.  The PDF, Word and web renderers only lay these strings out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from toolkit.publish._brief import Brief, BriefFigure
from toolkit.publish._brief_findings import WIDE_INTERVAL, Finding
from toolkit.publish._brief_terms import dimension_list, route_name, zone_name, zone_where
from toolkit.publish._i18n import N_, Language

__all__ = ["BriefText", "TextFinding", "TextTable", "label", "localise"]

_SHARE = {
    # Translators: {k} in {ten}: "About 6 in 10"; {where}: "in Africa"; {verb}: "run
    # this activity"; {level}: "95%"; {range}: "48–70%".
    "about": N_(
        "About {k} in {ten} National Societies {where} {verb} ({level} interval: {range})."
    ),
    "nearly_all": N_("Nearly all National Societies {where} {verb} ({level} interval: {range})."),
    "very_few": N_("Very few National Societies {where} {verb} ({level} interval: {range})."),
    "between": N_(
        "Between {low} and {high} of National Societies {where} {verb}; "
        "the interval is too wide for a closer estimate."
    ),
}
_DIFFERENCE = {
    # Translators: {other_where}: "in Europe"; {share}, {other}: "95%", "65%".
    "more": N_(
        "National Societies {where} {verb} more often than those {other_where}: "
        "{share} against {other} (difference: {diff} percentage points; "
        "{level} interval: {dlow} to {dhigh})."
    ),
    "less": N_(
        "National Societies {where} {verb} less often than those {other_where}: "
        "{share} against {other} (difference: {diff} percentage points; "
        "{level} interval: {dlow} to {dhigh})."
    ),
}
_HOW_TO_READ = (
    N_(
        "Weighting: each National Society that answered also stands for similar Societies "
        "(same zone and weighting class) that did not, so the shares describe all "
        "National Societies, not only those that answered."
    ),
    N_(
        "Intervals: the {level} interval is the range in which the true share most likely "
        "lies. A wide interval means few answers: when it spans more than {wide} "
        "percentage points, only the range is given. A difference between zones is "
        "stated only when its interval excludes zero."
    ),
    N_(
        "Bounds: the share if none, or all, of the Societies that did not answer ran the "
        "activity. They hold whatever those Societies do."
    ),
    N_(
        "Unknown: a Society that did not answer is unknown, never counted as running "
        "nothing. A gap along a route is claimed only where every Society at that stage "
        "answered."
    ),
    N_(
        "Withheld: a share based on fewer than {min_cell} answers is withheld, and so is "
        "any share that would reveal it. Key findings use only shares with at least "
        "{min_answers} answers."
    ),
)
HEADINGS = {
    "findings": N_("Key findings"),
    "figures": N_("Figures"),
    "gaps": N_("Gaps along migratory routes"),
    "pairs": N_("Cooperation opportunities"),
    "how_to_read": N_("How to read this brief"),
    "annex": N_("Annex: estimates"),
    "figure_word": N_("Figure"),
}


@dataclass(frozen=True)
class TextTable:
    """A table of strings: header, rows, which columns are numbers, relative widths."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    widths: tuple[float, ...]


@dataclass(frozen=True)
class TextFinding:
    """A key finding in words: the indicator's label (with its colon) and the sentence."""

    lead: str
    text: str
    finding: Finding


@dataclass(frozen=True)
class BriefText:
    """Every string of a brief in one language (see :func:`localise`)."""

    lang: str
    rtl: bool
    title: str
    subtitle: str
    synthetic: str
    notice: str
    data_note: str
    headings: Mapping[str, str]
    findings_intro: str
    findings: tuple[TextFinding, ...]
    how_to_read: tuple[str, ...]
    gaps_intro: str
    gaps: TextTable | None
    gaps_note: str
    pairs_intro: str
    pairs: TextTable | None
    annex_intro: str
    annex: TextTable
    footer: str
    figures: tuple[BriefFigure, ...] = field(default=())


def label(lang: Language, brief: Brief, dimension: str, code: str) -> str:
    """Label of an indicator in ``lang``, from the brief's instrument (English from the
    estimates table, counted as a fallback, where the instrument lacks it)."""
    list_name, _ = dimension_list(dimension)
    est = brief.estimates
    hit = est[(est["dimension"] == dimension) & (est["code"].astype(str) == code)]
    default = str(hit["label"].iloc[0]) if "label" in est and len(hit) else code
    return lang.choice_label(brief.instrument, list_name, code, default)


def _level(lang: Language, level: float) -> str:
    return lang.percent(level, 1 if round(level * 100) != level * 100 else 0)


def finding_text(lang: Language, brief: Brief, f: Finding) -> TextFinding:
    """One finding as a sentence (the numbers are those of :meth:`Finding.shown`)."""
    _, verb_msg = dimension_list(f.dimension)
    where = zone_where(lang, f.zone)
    common = {"where": where, "verb": lang.gettext(verb_msg), "level": _level(lang, brief.level)}
    if f.kind == "no_data":
        text = lang.translate(
            "Too few National Societies {where} answered for any share to be stated.",
            where=where,
        )
        return TextFinding(_lead(lang, zone_name(lang, f.zone)), text, f)
    if f.wording in _DIFFERENCE:
        lo, hi = sorted((abs(f.diff_low), abs(f.diff_high)))
        text = lang.translate(
            _DIFFERENCE[f.wording],
            other_where=zone_where(lang, f.other_zone),
            share=lang.percent(f.estimate),
            other=lang.percent(f.other_estimate),
            diff=lang.integer(round(abs(f.difference) * 100)),
            dlow=lang.integer(round(lo * 100)),
            dhigh=lang.integer(round(hi * 100)),
            **common,
        )
    elif f.wording == "between":
        text = lang.translate(
            _SHARE["between"], low=lang.percent(f.ci_low), high=lang.percent(f.ci_high), **common
        )
    else:
        text = lang.translate(
            _SHARE[f.wording],
            k=lang.integer(round(f.estimate * 10)),
            ten=lang.integer(10),
            range=lang.percent_range(f.ci_low, f.ci_high),
            **common,
        )
    return TextFinding(_lead(lang, label(lang, brief, f.dimension, f.code)), text, f)


def _lead(lang: Language, name: str) -> str:
    # Translators: the bold label before a finding; French puts a space before ":".
    return lang.translate("{label}:", label=name)


def _withheld(lang: Language, row: pd.Series, min_cell: int) -> str | None:
    suppressed = bool(row.get("suppressed", False)) or bool(row.get("secondary", False))
    if not suppressed and pd.notna(row.get("estimate")):
        return None
    if str(row.get("suppression", "")) == "secondary" or bool(row.get("secondary", False)):
        return lang.gettext("withheld (protects a small cell)")
    return lang.translate("withheld (fewer than {min_cell} answers)", min_cell=min_cell)


def _zone_annex(lang: Language, brief: Brief) -> TextTable:
    rows = []
    est = brief.estimates
    for dim in ("activity", "stage"):
        part = est[est["dimension"] == dim].sort_values("estimate", ascending=False, kind="stable")
        for _, r in part.iterrows():
            name = label(lang, brief, dim, str(r["code"]))
            answers = lang.integer(int(r["n"])) if pd.notna(r.get("n")) else ""
            withheld = _withheld(lang, r, brief.min_cell)
            if withheld is not None:
                rows.append((name, withheld, "", "", answers))
                continue
            bounds = ""
            if pd.notna(r.get("bound_low")) and pd.notna(r.get("bound_high")):
                bounds = lang.percent_range(r["bound_low"], r["bound_high"])
            rows.append(
                (
                    name,
                    lang.percent(r["estimate"]),
                    lang.percent_range(r["ci_low"], r["ci_high"]),
                    bounds,
                    answers,
                )
            )
    columns = (
        lang.gettext("Activity or stage"),
        lang.gettext("Share"),
        lang.translate("{level} interval", level=_level(lang, brief.level)),
        lang.gettext("Bounds"),
        lang.gettext("Answers"),
    )
    return TextTable(columns, tuple(rows), (False, True, True, True, True), (3.2, 1.2, 1.4, 1.4, 1))


def _network_annex(lang: Language, brief: Brief) -> TextTable:
    est = brief.estimates[brief.estimates["dimension"] == "activity"]
    zones = [*brief.zones, "all"]
    cells = {(str(r["zone"]), str(r["code"])): r for _, r in est.iterrows()}
    overall = est[est["zone"].astype(str) == "all"].sort_values("estimate", ascending=False)
    answers = [lang.gettext("Answers")]
    for z in zones:
        ns = est.loc[est["zone"].astype(str) == z, "n"]
        answers.append(lang.integer(int(ns.max())) if len(ns) and pd.notna(ns.max()) else "")
    rows = [tuple(answers)]
    for code in overall["code"].astype(str):
        line = [label(lang, brief, "activity", code)]
        for z in zones:
            r = cells.get((z, code))
            if r is None or _withheld(lang, r, brief.min_cell) is not None:
                line.append(lang.gettext("withheld"))
            else:
                line.append(lang.percent(r["estimate"]))
        rows.append(tuple(line))
    columns = (lang.gettext("Activity"), *(zone_name(lang, z) for z in zones))
    numeric = (False, *([True] * len(zones)))
    return TextTable(columns, tuple(rows), numeric, (3.0, *([1.0] * len(zones))))


def _gaps(lang: Language, brief: Brief, where: str, max_rows: int) -> tuple[str, TextTable | None]:
    gaps = brief.gaps
    if gaps.empty:
        return (
            lang.translate(
                "No gap can be shown on the routes {where}: wherever migrants need an "
                "activity, a Society there runs it or did not answer.",
                where=where,
            ),
            None,
        )
    rows = []
    for _, g in gaps.head(max_rows).iterrows():
        acts = [lang.choice_label(brief.instrument, "activity", a, a) for a in g["activities"]]
        rows.append(
            (
                route_name(lang, str(g["route_id"]), str(g["route_name"])),
                lang.choice_label(brief.instrument, "stage", str(g["stage"]), str(g["stage"])),
                lang.join(acts),
            )
        )
    note = ""
    if len(gaps) > max_rows:
        note = lang.translate(
            "Further gaps, listed in the report's route tables: {more}.",
            more=lang.integer(len(gaps) - max_rows),
        )
    columns = (
        lang.gettext("Route"),
        lang.gettext("Stage"),
        lang.gettext("Needed, and run by no Society there"),
    )
    return note, TextTable(columns, tuple(rows), (False, False, False), (2.2, 1.2, 3.2))


def _pairs(lang: Language, brief: Brief) -> TextTable | None:
    if brief.pairs.empty:
        return None
    rows = []
    for _, p in brief.pairs.iterrows():
        route = route_name(lang, str(p["route_id"]), str(p["route_name"]))
        if bool(p["cross_regional"]):
            route = lang.translate("{route} (cross-regional)", route=route)
        rows.append(
            (
                lang.country(str(p["provider"]), str(p["provider_name"])),
                lang.country(str(p["recipient"]), str(p["recipient_name"])),
                lang.choice_label(
                    brief.instrument, "activity", str(p["activity"]), str(p["activity"])
                ),
                route,
                lang.number(float(p["score"]), 2),
            )
        )
    columns = (
        lang.gettext("Could share its experience"),
        lang.gettext("With"),
        lang.gettext("Activity"),
        lang.gettext("Route"),
        lang.gettext("Score"),
    )
    return TextTable(
        columns, tuple(rows), (False, False, False, False, True), (1.5, 1.5, 2, 2.4, 0.8)
    )


def localise(
    brief: Brief, lang: Language, *, figures: tuple[BriefFigure, ...] = (), max_gaps: int = 8
) -> BriefText:
    """Put ``brief`` into words in ``lang`` (see :class:`BriefText`).

    ``figures`` are the figures drawn for this language; the brief's own extra
    figures follow them.
    """
    where = zone_where(lang, brief.zone)
    level = _level(lang, brief.level)
    routes = brief.routes
    needed = int(routes["needed_cells"].sum()) if not routes.empty else 0
    unknown = int(routes["unknown"].sum()) if not routes.empty else 0
    no_gap, gap_table = _gaps(lang, brief, where, max_gaps)
    gaps_note = no_gap if gap_table is not None else ""
    if needed:
        gaps_note = " ".join(
            s
            for s in (
                gaps_note,
                lang.translate(
                    "Unknown because a Society did not answer: {unknown} of the {needed} "
                    "needed stage–activity cells on these routes. They may hide further gaps.",
                    unknown=lang.integer(unknown),
                    needed=lang.integer(needed),
                ),
            )
            if s
        )
    pairs = _pairs(lang, brief)
    wide = lang.integer(round(WIDE_INTERVAL * 100))
    return BriefText(
        lang=lang.code,
        rtl=lang.rtl,
        title=lang.translate(
            "National Society programmes for migrants: {zone}", zone=zone_name(lang, brief.zone)
        ),
        subtitle=lang.translate(
            "Policy brief · {study} · {date}",
            study=lang.isolate(brief.study),
            date=lang.isolate(lang.date(brief.date)),
        ),
        synthetic=lang.gettext(
            "SYNTHETIC DATA: generated for demonstration, not real National Society data."
        )
        if brief.synthetic
        else "",
        notice=lang.gettext(brief.notice) if brief.notice else "",
        data_note=lang.translate(
            "{n} of the {population} National Societies {where} answered the questionnaire "
            "(response rate: {rate}). The shares are estimated for all of them from those "
            "that answered, weighted for non-response.",
            n=lang.integer(brief.n),
            population=lang.integer(brief.population),
            where=where,
            rate=lang.percent(brief.response_rate) if brief.population else "–",
        ),
        headings={k: lang.gettext(v) for k, v in HEADINGS.items()},
        findings_intro=lang.translate(
            "Chosen by a fixed rule: the most and least common activities, the clearest "
            "differences between zones and the least covered stage of the journey. The "
            "numbers are shares of all National Societies {where}.",
            where=where,
        ),
        findings=tuple(finding_text(lang, brief, f) for f in brief.findings),
        how_to_read=tuple(
            lang.translate(
                m,
                level=level,
                wide=wide,
                min_cell=lang.integer(brief.min_cell),
                min_answers=lang.integer(brief.min_answers),
            )
            for m in _HOW_TO_READ
        ),
        gaps_intro=lang.translate(
            "Stages of the migratory routes {where} where migrants need an activity and no "
            "National Society at that stage runs it, although all of them answered.",
            where=where,
        ),
        gaps=gap_table,
        gaps_note=gaps_note if gap_table is not None or needed else no_gap,
        pairs_intro=lang.translate(
            "Pairs of National Societies on the same route where one has an established "
            "activity and a neighbour that answered does not run it, by cooperation score "
            "(0 to 1). The score ranks opportunities for discussion; it is not a "
            "recommendation.",
        )
        if pairs is not None
        else lang.translate(
            "No cooperation opportunity was found on the routes {where}.", where=where
        ),
        pairs=pairs,
        annex_intro=lang.translate(
            "Share of National Societies {where} running each activity and working at each "
            "stage of the journey, weighted for non-response, with the {level} interval, the "
            "non-response bounds and the number of answers.",
            where=where,
            level=level,
        )
        if brief.zone != "all"
        else lang.translate(
            "Share of National Societies running each activity, by zone, weighted for "
            "non-response. Intervals and bounds are in the tables of the full report."
        ),
        annex=_zone_annex(lang, brief) if brief.zone != "all" else _network_annex(lang, brief),
        footer=lang.translate(
            "{study} · {zone} · policy brief",
            study=lang.isolate(brief.study),
            zone=zone_name(lang, brief.zone),
        ),
        figures=(*figures, *brief.figures),
    )
