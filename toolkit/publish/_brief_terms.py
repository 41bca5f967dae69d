"""Translatable names used by the briefs and the run's index page: zones, bundled
route names, dimension verbs and the index page's labels.

Every string here is a catalogue message (marked with :func:`N_`); look it up in a
language with :meth:`Language.gettext` or the helpers below.
"""

from __future__ import annotations

from toolkit.publish._i18n import N_, Language

__all__ = [
    "INDEX_LABELS",
    "ROUTE_NAMES",
    "ZONE_NAMES",
    "ZONE_WHERE",
    "dimension_list",
    "route_name",
    "zone_name",
    "zone_where",
]

#: Zone code -> name (titles, table headers).
ZONE_NAMES = {
    "africa": N_("Africa"),
    "americas": N_("Americas"),
    "asia_pacific": N_("Asia Pacific"),
    "europe": N_("Europe"),
    "mena": N_("Middle East and North Africa"),
    "all": N_("All zones"),
}

#: Zone code -> "where" phrase that follows "National Societies" in a sentence.
ZONE_WHERE = {
    "africa": N_("in Africa"),
    "americas": N_("in the Americas"),
    "asia_pacific": N_("in Asia Pacific"),
    "europe": N_("in Europe"),
    "mena": N_("in the Middle East and North Africa"),
    "all": N_("across the network"),
}

#: Route id -> name of the routes bundled in ``toolkit/data/routes.csv``.
ROUTE_NAMES = {
    "central_mediterranean": N_("Central Mediterranean"),
    "western_mediterranean_atlantic": N_("Western Mediterranean and Atlantic (Canary Islands)"),
    "eastern_mediterranean_balkans": N_("Eastern Mediterranean and Western Balkans"),
    "eastern_route": N_("Eastern route (Horn of Africa via Yemen to the Gulf)"),
    "southern_route": N_("Southern route (Horn and East Africa to South Africa)"),
    "central_america_north_america": N_("Central America and Mexico to North America"),
    "andean_venezuelan_outflow": N_("Andean and Venezuelan outflow within South America"),
    "bay_of_bengal_andaman_sea": N_("Bay of Bengal and Andaman Sea"),
    "central_asia_russia": N_("Central Asia to the Russian Federation"),
    "southern_africa_regional": N_("Southern Africa regional labour migration"),
    "south_asia_gulf_labour": N_("South and South-East Asia to the Gulf (labour migration)"),
    "pacific_labour_mobility": N_("Pacific labour mobility to Australia and New Zealand"),
    "english_channel": N_("Northern France and Belgium to the United Kingdom"),
    "ukraine_displacement": N_("Displacement from Ukraine since February 2022"),
    "return_west_africa": N_("Returns from Libya and Niger to West Africa"),
}

#: Dimension of the estimates -> (instrument choice list, verb phrase of the findings).
_DIMENSIONS = {
    "activity": ("activity", N_("run this activity")),
    "stage": ("stage", N_("work with migrants at this stage of the journey")),
    "group": ("target_group", N_("run activities for this group of migrants")),
    "service": ("service_type", N_("provide this type of service")),
}

#: Labels of the run's landing pages and page for analysts (``toolkit.run._landing``).
INDEX_LABELS = {
    "reports": N_("Reports"),
    "notebook": N_("notebook"),
    "figures": N_("Figures"),
    "tables": N_("Tables"),
    "workbook": N_("workbook"),
    "none": N_("none"),
    "skipped": N_("skipped"),
    "failed": N_("failed"),
    "briefs": N_("Policy briefs"),
    "brief_pdf": N_("PDF"),
    "brief_docx": N_("Word"),
    "brief_html": N_("web page"),
    "run": N_("Run {run_id}. Notebooks: {notebooks}; failed: {failed}."),
    "manifest": N_("See manifest.json for the inputs (SHA-256), versions and timings."),
    "synthetic": N_(
        "SYNTHETIC DATA: this run uses generated demo data, not real National Society data."
    ),
    "language": N_("Language"),
    "internal": N_("INTERNAL — not for publication"),
    # The landing page (index.html) and the page for analysts (analysts.html).
    "overview_title": N_("{study}: overview"),
    "analysts_title": N_("{study}: reports for analysts"),
    "headline": N_("What the study found"),
    "network_brief": N_("Brief on all zones"),
    "zones": N_("Zones"),
    "brief": N_("Policy brief"),
    "response_rate": N_("Response rate"),
    "key_figure": N_("Key figure"),
    "interval_note": N_("{level} interval: {range}"),
    "wide_note": N_("Wide interval: only the range is given."),
    "gaps": N_("Gaps along the routes"),
    "gaps_note": N_("Needed stage–activity cells: {needed}; unknown: {unknown}."),
    "no_brief": N_("No brief was written for this zone."),
    "brief_failed": N_("The brief could not be written: {error}"),
    "analysts": N_("For analysts"),
    "analysts_intro": N_(
        "The detailed reports behind the briefs, for analysts: each report as a web page "
        "and as a notebook, its figures (PNG and SVG) and tables (CSV, and one Excel "
        "workbook per zone)."
    ),
    "analysts_link": N_("Detailed reports, figures and tables (for analysts)"),
    "overview_link": N_("Back to the overview"),
    "report_failed": N_("Reports that failed: {failed} of {notebooks}."),
    "run_line": N_("Run {run_id}, {date}."),
    "report_web": N_("web page"),
    "skipped_because": N_("skipped: {reason}"),
    "failed_because": N_("failed: {error}"),
    "audience_public": N_(
        "Audience: public. Answers published only in aggregate and everything from the "
        "interviews are shown by group only; groups of fewer than {min_cell} Societies are "
        "withheld with the cells that would reveal them (primary cells: {primary}; "
        "complementary cells: {secondary})."
    ),
    "audience_internal": N_(
        "Audience: internal. {mark}: per-Society detail of every item, nothing withheld."
    ),
    "disclosure": N_("What was withheld, cell by cell"),
    "brief_languages": N_("The brief in other languages"),
    "excel": N_("The zone's tables in one Excel workbook"),
}


def zone_name(lang: Language, zone: str) -> str:
    """The zone's name in ``lang`` (a study's own zone code is title-cased)."""
    if zone in ZONE_NAMES:
        return lang.gettext(ZONE_NAMES[zone])
    return zone.replace("_", " ").title()


def zone_where(lang: Language, zone: str) -> str:
    """The "in <zone>" phrase in ``lang``."""
    if zone in ZONE_WHERE:
        return lang.gettext(ZONE_WHERE[zone])
    return lang.translate("in {zone}", zone=zone_name(lang, zone))


def route_name(lang: Language, route_id: str, default: str) -> str:
    """A bundled route's name in ``lang``; a study's own route keeps ``default``."""
    if route_id in ROUTE_NAMES and ROUTE_NAMES[route_id] == default:
        return lang.gettext(default)
    return default


def dimension_list(dimension: str) -> tuple[str, str]:
    """``(instrument choice list, verb msgid)`` of a dimension of the estimates."""
    return _DIMENSIONS.get(dimension, (dimension, _DIMENSIONS["activity"][1]))
