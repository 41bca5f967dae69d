"""Readable titles of a run's reports, figures and tables, for the page for analysts.

A run writes files named for machines (``03_route_central_mediterranean.svg``); the
page for analysts lists them under titles a reader understands ("Route: Central
Mediterranean"), in the run's language.  :func:`output_title` looks a file's stem up
in the tables below; a stem it does not know (a study's own notebook, a new table)
gets a title made from the stem itself, counted as a fallback in a language other
than English.
"""

from __future__ import annotations

import re

from toolkit.publish._brief_terms import ROUTE_NAMES, route_name
from toolkit.publish._i18n import N_, Language

__all__ = ["FIGURE_TITLES", "NOTEBOOK_TITLES", "TABLE_TITLES", "humanise", "output_title"]

#: Notebook stem -> title of the report.
NOTEBOOK_TITLES = {
    "01_data_quality": N_("Data quality: returns, validation issues and completeness"),
    "02_response_and_weighting": N_(
        "Response and weighting: who answered, and what it means for the estimates"
    ),
    "03_activity_mapping": N_("Activities by zone and along migratory routes"),
    "04_interview_sample": N_("Interview sample: a representative selection of Societies"),
    "05_interview_findings": N_("Interview findings: reliability, themes and quotes"),
    "06_programmes_and_change": N_(
        "Programmes for migrants: the register, and what changed since the last mapping"
    ),
}

#: Figure stem -> title (``03_route_<route id>`` is "Route: <route name>").
FIGURE_TITLES = {
    "01_returns_by_zone": N_("Questionnaires returned, by zone"),
    "02_love_plot": N_("Respondents compared with all Societies"),
    "02_weights": N_("Non-response weights"),
    "02_forest_adjusted_unadjusted": N_("Activity shares, adjusted and unadjusted"),
    "03_activity_by_zone": N_("Activities by zone"),
    "03_forest_adjusted_unadjusted": N_("Activity shares, adjusted and unadjusted"),
    "03_tile_map_breadth": N_("Map: breadth of programmes"),
    "03_tile_map_response": N_("Map: who answered"),
    "03_cooperation_network": N_("Cooperation opportunities along a route"),
    "04_sample_balance": N_("Interview sample: balance"),
    "04_nominated_balance": N_("Nominated Societies: balance"),
    "05_reliability": N_("Agreement between coders"),
    "05_code_frequencies": N_("Interview codes by frequency"),
    "05_themes_by_zone": N_("Interview themes by zone"),
    "06_programmes_per_activity": N_("Programmes per activity type"),
    "06_programme_start_years": N_("Programmes by start year"),
    "06_programme_status": N_("Programmes by status"),
    "06_people_reached": N_("People reached by the programmes"),
}

#: Table stem -> title.
TABLE_TITLES = {
    "01_returns_by_zone": N_("Questionnaires returned, by zone"),
    "01_validation_issues": N_("Validation issues"),
    "01_quarantine": N_("Quarantined rows"),
    "01_completeness_by_group": N_("Completeness by question group"),
    "02_response_rates": N_("Response rates"),
    "02_nonresponse_summary": N_("Non-response bias: summary"),
    "02_nonresponse_tests": N_("Non-response bias: tests"),
    "02_weighting_balance": N_("Balance after weighting"),
    "02_adjusted_shares": N_("Activity shares, adjusted and unadjusted"),
    "02_tipping_point": N_("Tipping point"),
    "02_imputed_means": N_("Means after multiple imputation"),
    "03_shares": N_("Shares by activity, stage and group"),
    "03_routes": N_("Migratory routes"),
    "03_route_coverage": N_("Coverage along the routes"),
    "03_cooperation_pairs": N_("Cooperation opportunities"),
    "03_society_profiles": N_("Society profiles"),
    "04_allocation": N_("Interview sample: allocation"),
    "04_contact_list": N_("Interview sample: contact list"),
    "04_contacted_after_refusals": N_("Interview sample: contacts after refusals"),
    "04_representativeness": N_("Interview sample: representativeness"),
    "04_representativeness_summary": N_("Interview sample: representativeness summary"),
    "04_nominated_representativeness": N_("Nominated Societies: representativeness"),
    "04_nominated_swaps": N_("Nominated Societies: replacements"),
    "05_interview_issues": N_("Interview files: issues"),
    "05_interview_quarantine": N_("Interview files: quarantined rows"),
    "05_interview_coverage": N_("Interviews by zone"),
    "05_reliability": N_("Agreement between coders"),
    "05_reliability_by_zone": N_("Agreement between coders, by zone"),
    "05_code_frequencies": N_("Interview codes by frequency"),
    "05_themes_by_zone": N_("Interview themes by zone"),
    "05_cooccurrence": N_("Interview codes found together"),
    "05_themes_vs_questionnaire": N_("Interview themes and questionnaire answers"),
    "05_quotes": N_("Quotes (masked)"),
    "06_programme_register": N_("Register of programmes"),
    "06_programme_counts": N_("Programmes per activity type"),
    "06_programme_changes": N_("Programmes that changed since the last mapping"),
    "06_programme_change_summary": N_("Changes since the last mapping: summary"),
    "06_activity_change": N_("Change in activity shares since the last mapping"),
    "06_carry_forward": N_("Shares with earlier answers carried forward (sensitivity)"),
}

_TITLES = {"notebook": NOTEBOOK_TITLES, "figure": FIGURE_TITLES, "table": TABLE_TITLES}
_ROUTE = re.compile(r"^\d\d_route_(?P<route>.+)$")


def humanise(stem: str) -> str:
    """A title made from a file stem: ``03_programme_reach`` -> ``Programme reach``."""
    text = re.sub(r"^\d+_", "", stem).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else stem


def output_title(lang: Language, kind: str, stem: str) -> str:
    """The title of a run's output in ``lang``.

    Parameters
    ----------
    lang : Language
    kind : {"notebook", "figure", "table"}
    stem : str
        The file name without its extension (``03_route_central_mediterranean``).

    Returns
    -------
    str
        The catalogue's title; for a route figure "Route: <name>"; otherwise the
        stem made readable (:func:`humanise`), recorded as a fallback outside English.
    """
    table = _TITLES.get(kind, {})
    if stem in table:
        return lang.gettext(table[stem])
    hit = _ROUTE.match(stem)
    if hit and kind == "figure":
        route = hit.group("route")
        name = route_name(lang, route, ROUTE_NAMES.get(route, humanise(route)))
        if route not in ROUTE_NAMES and lang.code != "en":
            lang.fallbacks.record(lang.code, stem, kind="title")
        return lang.translate("Route: {route}", route=name)
    if lang.code != "en":
        lang.fallbacks.record(lang.code, stem, kind="title")
    return humanise(stem)
