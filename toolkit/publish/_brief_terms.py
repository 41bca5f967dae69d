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

#: Labels of the run's index page (``nsmap run``), for the lead's runner.
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
