"""The membership table (sampling frame) and the Society-name crosswalk.

Every non-response statistic is measured against the membership table, so it must hold
every member National Society — respondent or not — with covariates known for all of
them (:func:`load_frame`, :func:`validate_frame`). An export names a Society however
its respondent wrote it; :func:`match_societies` identifies it against the frame
through the crosswalk shipped with the toolkit (:func:`load_crosswalk`), and records
the rule of every match.
"""

from toolkit.frame._crosswalk import (
    ACCEPTED_RULES,
    CROSSWALK_COLUMNS,
    CROSSWALK_KINDS,
    MATCH_COLUMNS,
    MATCH_RULES,
    bundled_crosswalk_path,
    check_crosswalk,
    load_crosswalk,
    match_societies,
)
from toolkit.frame._membership import (
    COVARIATES,
    FRAME_DATE,
    REQUIRED_COLUMNS,
    ZONES,
    bundled_frame_path,
    load_frame,
    validate_frame,
)
from toolkit.frame._normalise import normalise_name

__all__ = [
    "ACCEPTED_RULES",
    "COVARIATES",
    "CROSSWALK_COLUMNS",
    "CROSSWALK_KINDS",
    "FRAME_DATE",
    "MATCH_COLUMNS",
    "MATCH_RULES",
    "REQUIRED_COLUMNS",
    "ZONES",
    "bundled_crosswalk_path",
    "bundled_frame_path",
    "check_crosswalk",
    "load_crosswalk",
    "load_frame",
    "match_societies",
    "normalise_name",
    "validate_frame",
]
