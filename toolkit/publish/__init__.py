"""What may be published: disclosure control and HXL tables.

:class:`Publication` is the one place that decides what a run publishes: it knows
each item's sensitivity (:func:`item_sensitivity`: ``public`` items may be shown per
Society, ``aggregate`` ones only by group), the audience (public or internal tier)
and the run's suppression pattern (:mod:`toolkit.publish._pattern`), and gives the
report notebooks their published tables (:meth:`Publication.shares`,
:meth:`Publication.profiles`, :meth:`Publication.interviews`) and sentences
(:func:`share_summary`, :func:`robustness`).  :func:`audit_reports` checks a run's
report folder from its published files alone.  The programme register is published
with the same policy (:func:`publish_register`, as a table, an offline HTML table,
:func:`register_html`, and a workbook sheet), and so are the change between rounds,
the carry-forward sensitivity and programme counts (:func:`publish_change`,
:func:`publish_carry_forward`, :func:`publish_programme_counts`).

:func:`suppress` and :func:`suppress_wide` withhold cells whose base is below
``min_cell`` and choose complementary cells so that withheld values cannot be rebuilt
by subtraction; :func:`write_hxl_csv` writes tables with a Humanitarian Exchange
Language hashtag row.
"""

from __future__ import annotations

from toolkit.publish._audit import AuditResult, audit_reports, read_published
from toolkit.publish._brief import (
    Brief,
    BriefFigure,
    brief_from_report,
    briefs_from_report,
    build_brief,
)
from toolkit.publish._brief_card import BriefCard, brief_card
from toolkit.publish._brief_findings import (
    MIN_ANSWERS,
    WIDE_INTERVAL,
    Finding,
    select_findings,
    zone_difference,
)
from toolkit.publish._brief_index import output_title
from toolkit.publish._brief_terms import INDEX_LABELS, ZONE_NAMES, zone_name
from toolkit.publish._brief_write import BRIEF_FORMATS, brief_filename, write_brief, write_briefs
from toolkit.publish._change import (
    publish_carry_forward,
    publish_change,
    publish_programme_counts,
    publish_transitions,
)
from toolkit.publish._disclosure import (
    MIN_CELL,
    SUPPRESSION_KINDS,
    WideSuppression,
    primary_label,
    secondary_label,
    suppress,
    suppress_wide,
    suppression_note,
)
from toolkit.publish._findings import Robustness, robustness, share_summary, top_share
from toolkit.publish._hxl import (
    HXL_TAGS,
    hxl_tags,
    read_hxl_csv,
    write_hxl_csv,
)
from toolkit.publish._i18n import (
    LANGUAGES,
    Fallbacks,
    Language,
    available_languages,
    check_languages,
    get_language,
)
from toolkit.publish._interviews import InterviewPublication
from toolkit.publish._pattern import MARGIN, REASONS, decide_lines, hidden_zones
from toolkit.publish._policy import (
    AUDIENCES,
    INTERNAL_MARK,
    PER_SOCIETY_COLUMNS,
    Publication,
    mark_suppressed,
)
from toolkit.publish._register import (
    REGISTER_COLUMNS,
    REGISTER_TABLE,
    is_register_table,
    publish_register,
    register_html,
    register_labels,
    style_register_sheet,
    tier_programmes,
)
from toolkit.publish._sensitivity import (
    AGGREGATE,
    INTERVIEWS,
    PUBLIC,
    SENSITIVITY_LEVELS,
    Sensitivity,
    item_sensitivity,
)
from toolkit.publish._shares import SENSITIVE_COLUMNS, publishable_shares

__all__ = [
    "AGGREGATE",
    "AUDIENCES",
    "BRIEF_FORMATS",
    "HXL_TAGS",
    "INDEX_LABELS",
    "INTERNAL_MARK",
    "INTERVIEWS",
    "LANGUAGES",
    "MARGIN",
    "MIN_ANSWERS",
    "MIN_CELL",
    "PER_SOCIETY_COLUMNS",
    "PUBLIC",
    "REASONS",
    "REGISTER_COLUMNS",
    "REGISTER_TABLE",
    "SENSITIVE_COLUMNS",
    "SENSITIVITY_LEVELS",
    "SUPPRESSION_KINDS",
    "WIDE_INTERVAL",
    "ZONE_NAMES",
    "AuditResult",
    "Brief",
    "BriefCard",
    "BriefFigure",
    "Fallbacks",
    "Finding",
    "InterviewPublication",
    "Language",
    "Publication",
    "Robustness",
    "Sensitivity",
    "WideSuppression",
    "audit_reports",
    "available_languages",
    "brief_card",
    "brief_filename",
    "brief_from_report",
    "briefs_from_report",
    "build_brief",
    "check_languages",
    "decide_lines",
    "get_language",
    "hidden_zones",
    "hxl_tags",
    "is_register_table",
    "item_sensitivity",
    "mark_suppressed",
    "output_title",
    "primary_label",
    "publish_carry_forward",
    "publish_change",
    "publish_programme_counts",
    "publish_register",
    "publish_transitions",
    "publishable_shares",
    "read_hxl_csv",
    "read_published",
    "register_html",
    "register_labels",
    "robustness",
    "secondary_label",
    "select_findings",
    "share_summary",
    "style_register_sheet",
    "suppress",
    "suppress_wide",
    "suppression_note",
    "tier_programmes",
    "top_share",
    "write_brief",
    "write_briefs",
    "write_hxl_csv",
    "zone_difference",
    "zone_name",
]
