"""Mapping programme activities by zone and along migratory routes.

* :func:`society_profiles`: every Society of the frame with its response status and
  activity profile (non-respondents stay unknown, never imputed);
* :func:`activity_shares`: weighted shares of Societies running each activity, stage,
  target group and service type, by zone, with design-based intervals, unadjusted
  shares and non-response bounds, the respondents behind each cell and disclosure
  control;
* routes and cooperation opportunities along migratory routes.
"""

from __future__ import annotations

from toolkit.mapping._profiles import (
    STATUS_LEVELS,
    activity_codes,
    activity_indicators,
    society_profiles,
)

__all__ = [
    "STATUS_LEVELS",
    "activity_codes",
    "activity_indicators",
    "society_profiles",
]
