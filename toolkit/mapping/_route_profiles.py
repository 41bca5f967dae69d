"""Society profiles placed on routes: the checks and lookups shared by route coverage
and cooperation.

The profiles are the output of :func:`toolkit.mapping.society_profiles`; a route row
is matched to its Society by ``iso3``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.mapping._route_tables import validate_routes

__all__: list[str] = []


def profile_activities(profiles: pd.DataFrame) -> list[str]:
    """Activity codes of the profiles' ``act__<activity>`` columns, in column order.

    Raises
    ------
    InputError
        The profiles have no ``act__`` column.
    """
    acts = [c[len("act__") :] for c in profiles.columns if c.startswith("act__")]
    if not acts:
        raise InputError(
            "the profiles have no 'act__<activity>' columns.",
            column="act__<activity>",
            hint="pass the output of toolkit.mapping.society_profiles().",
        )
    return acts


def _check_profiles(profiles: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in profiles.columns]
    if missing:
        raise InputError(
            f"the profiles have no column '{missing[0]}'.",
            column=missing[0],
            hint="pass the output of toolkit.mapping.society_profiles().",
        )
    if profiles["iso3"].duplicated().any():
        code = profiles["iso3"][profiles["iso3"].duplicated()].iloc[0]
        raise InputError(
            "a Society appears twice in the profiles.",
            column="iso3",
            value=code,
            hint="profiles must have one row per Society.",
        )


def on_route(routes: pd.DataFrame, profiles: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Canonical routes and, per route row, the index of its Society in ``profiles``."""
    routes = validate_routes(routes)
    _check_profiles(profiles, ["iso3", "zone", "responded", "status"])
    codes = profiles["iso3"].astype(str).str.upper().to_numpy()
    where = pd.Index(codes).get_indexer(pd.Index(routes["iso3"]))
    if (where < 0).any():
        absent = sorted(set(routes["iso3"][where < 0]))
        raise InputError(
            f"{len(absent)} Society(ies) on the routes are not in the profiles: "
            f"{', '.join(absent[:10])}.",
            column="iso3",
            value=absent[0],
            hint="build the profiles from the same membership frame as the routes, or "
            "remove these countries from the route table.",
        )
    return routes, where


def num(values: pd.Series) -> np.ndarray:
    """A numeric column as a float array (NaN = missing)."""
    return (
        pd.to_numeric(values, errors="coerce")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )
