"""Mapping programme activities by zone and along migratory routes.

* :func:`society_profiles`: every Society of the frame with its response status and
  activity profile (non-respondents stay unknown, never imputed);
* :func:`activity_shares`: weighted shares of Societies running each activity, stage,
  target group and service type, by zone, with design-based intervals, unadjusted
  shares and non-response bounds and the respondents behind each cell;
  :func:`toolkit.publish.publishable_shares` applies disclosure control to them;
* :func:`route_coverage`, :func:`route_activities`, :func:`route_summary`: which
  Societies along each migratory route run which activities at their stage, and
  where a stage has a gap (or is unknown because of non-response);
* :func:`cooperation_pairs`, :func:`cooperation_chains`: capacity-transfer
  opportunities between Societies on the same route, ranked by a transparent score.
* :func:`programme_register`, :func:`programme_partners`, :func:`recorded_cooperation`:
  the programme register (one row per programme, with an id stable across rounds:
  :func:`programme_id`, overrides read by :func:`read_programme_ids`), its recorded
  partnerships along migratory routes, and :func:`activities_from_programmes`, the
  Society-level activity types taken from the programmes;
* :func:`activity_change`, :func:`activity_transitions`, :func:`round_classes`: change
  in each activity share between two mapping rounds with a design-based interval that
  uses the Societies answering both rounds, and per Society whether an activity is
  new, continued, ended, not run or not known;
* :func:`programme_transitions`: per programme, whether it is new, continued, ended,
  planned or not known between two rounds' registers; :func:`programme_counts`:
  programmes per zone and activity type;
* :func:`cooperation_ties`: existing cooperation as route coverage and cooperation
  opportunities count it (recorded partnerships where a Society lists programmes, the
  Society-level cooperation question as a proxy for the others).
"""

from __future__ import annotations

from toolkit.mapping._chains import cooperation_chains
from toolkit.mapping._change import (
    TRANSITION_STATUSES,
    activity_change,
    activity_transitions,
    round_classes,
)
from toolkit.mapping._coverage import (
    COVERAGE_STATUSES,
    route_activities,
    route_coverage,
    route_summary,
)
from toolkit.mapping._established import PAIR_STATUSES, established_activities
from toolkit.mapping._pairs import (
    DEFAULT_WEIGHTS,
    cooperation_network_data,
    cooperation_pairs,
)
from toolkit.mapping._partnerships import (
    COOPERATION_SOURCES,
    PARTNER_COLUMNS,
    CooperationTies,
    cooperation_ties,
    programme_partners,
    recorded_cooperation,
)
from toolkit.mapping._profiles import (
    STATUS_LEVELS,
    activity_breadth,
    activity_codes,
    activity_indicators,
    society_indicators,
    society_profiles,
)
from toolkit.mapping._programme_change import (
    PROGRAMME_CHANGE_COLUMNS,
    PROGRAMME_TRANSITIONS,
    programme_transitions,
    society_programme_changes,
)
from toolkit.mapping._programme_counts import programme_counts
from toolkit.mapping._programmes import (
    PROGRAMME_COLUMNS,
    PROGRAMME_IDS_FILE,
    PROGRAMME_QUESTIONS,
    PROGRAMME_REPEAT,
    PROGRAMME_STATUSES,
    activities_from_programmes,
    programme_id,
    programme_register,
    programme_slug,
    read_programme_ids,
)
from toolkit.mapping._route_tables import (
    ROUTE_STAGES,
    ROUTES_DATE,
    STAGE_NEEDS_DATE,
    bundled_routes_path,
    bundled_stage_needs_path,
    load_routes,
    load_stage_needs,
    routes_in_zone,
    validate_routes,
)
from toolkit.mapping._shares import (
    DIMENSIONS,
    activity_shares,
    design_columns,
    forest_table,
    study_design,
    unit_indicators,
)

__all__ = [
    "COOPERATION_SOURCES",
    "COVERAGE_STATUSES",
    "DEFAULT_WEIGHTS",
    "DIMENSIONS",
    "PAIR_STATUSES",
    "PARTNER_COLUMNS",
    "PROGRAMME_CHANGE_COLUMNS",
    "PROGRAMME_COLUMNS",
    "PROGRAMME_IDS_FILE",
    "PROGRAMME_QUESTIONS",
    "PROGRAMME_REPEAT",
    "PROGRAMME_STATUSES",
    "PROGRAMME_TRANSITIONS",
    "ROUTES_DATE",
    "ROUTE_STAGES",
    "STAGE_NEEDS_DATE",
    "STATUS_LEVELS",
    "TRANSITION_STATUSES",
    "CooperationTies",
    "activities_from_programmes",
    "activity_breadth",
    "activity_change",
    "activity_codes",
    "activity_indicators",
    "activity_shares",
    "activity_transitions",
    "bundled_routes_path",
    "bundled_stage_needs_path",
    "cooperation_chains",
    "cooperation_network_data",
    "cooperation_pairs",
    "cooperation_ties",
    "design_columns",
    "established_activities",
    "forest_table",
    "load_routes",
    "load_stage_needs",
    "programme_counts",
    "programme_id",
    "programme_partners",
    "programme_register",
    "programme_slug",
    "programme_transitions",
    "read_programme_ids",
    "recorded_cooperation",
    "round_classes",
    "route_activities",
    "route_coverage",
    "route_summary",
    "routes_in_zone",
    "society_indicators",
    "society_profiles",
    "society_programme_changes",
    "study_design",
    "unit_indicators",
    "validate_routes",
]
