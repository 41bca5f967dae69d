"""Disclosure control for the activity-share tables of :mod:`toolkit.mapping`."""

from __future__ import annotations

import pandas as pd

from toolkit.publish._disclosure import suppress

__all__ = ["SENSITIVE_COLUMNS", "publishable_shares"]

#: Columns of :func:`toolkit.mapping.activity_shares` that could give a withheld share back.
SENSITIVE_COLUMNS = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "unadjusted",
    "unadj_ci_low",
    "unadj_ci_high",
    "n_yes",
    "bound_low",
    "bound_high",
)


def publishable_shares(
    shares: pd.DataFrame, *, min_cell: int = 3, by: str = "zone"
) -> pd.DataFrame:
    """Apply disclosure control to a table of :func:`activity_shares`.

    Shares based on fewer than ``min_cell`` responding Societies are suppressed, and
    so is, on every line whose all-zones total is published, a complementary cell so
    that the total cannot be used to recover the suppressed one
    (:func:`toolkit.publish.suppress`).  Every column that could give the value
    back (:data:`SENSITIVE_COLUMNS`) is blanked; the ``display`` column says "fewer
    than 3" (or why a complementary cell is hidden).  Run it on the table of all
    zones, then select a zone, so that every zone's report agrees.

    This applies the rule to every indicator alike; the reports publish through
    :meth:`toolkit.publish.Publication.shares`, which withholds only aggregate items
    and decides the pattern with their all-zones shares.

    Returns
    -------
    pandas.DataFrame
        The same rows, with ``suppressed``, ``suppression``, ``secondary`` and
        ``display`` (the share as a percentage, or the reason it is withheld).
    """
    blank = [c for c in SENSITIVE_COLUMNS if c in shares]
    return suppress(
        shares,
        count="n",
        min_cell=min_cell,
        margins={by: "all"},
        by=["dimension", "variable"],
        blank=blank,
        value="estimate",
        fmt="{:.0%}",
    )
