"""Route and stage-needs tables: the bundled CSV files, their loading and validation.

A route (``toolkit/data/routes.csv``) is an ordered sequence of countries, each with
the *stage role* it plays on that route (origin, transit, destination, return).  The
stage-needs table (``toolkit/data/stage_needs.csv``) says which activity types migrants
need at each stage.  Both are checked cell by cell: a problem names the file, row,
column and value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.ingest import read_table_file

__all__ = [
    "ROUTES_DATE",
    "ROUTE_STAGES",
    "STAGE_NEEDS_DATE",
    "bundled_routes_path",
    "bundled_stage_needs_path",
    "load_routes",
    "load_stage_needs",
    "routes_in_zone",
    "validate_routes",
]

#: Stage roles a country can play on a route, in travel order (the questionnaire's
#: ``stage`` choice list).
ROUTE_STAGES: tuple[str, ...] = ("origin", "transit", "destination", "return")

#: Date the bundled route table was compiled (see toolkit/data/README.md).
ROUTES_DATE = "2026-11-27"

#: Date the bundled stage-needs table was compiled (see toolkit/data/README.md).
STAGE_NEEDS_DATE = "2026-11-27"

_ROUTE_COLUMNS = ("route_id", "route_name", "position", "iso3", "stage_role")
_NEEDS_COLUMNS = ("stage", "activity")
_ID = re.compile(r"[a-z][a-z0-9_]*")
_ISO3 = re.compile(r"[A-Z]{3}")


# ------------------------------------------------------------------------ loading


def bundled_routes_path() -> Path:
    """Path of the bundled route table ``toolkit/data/routes.csv``."""
    return Path(str(resources.files("toolkit") / "data" / "routes.csv"))


def bundled_stage_needs_path() -> Path:
    """Path of the bundled stage-needs table ``toolkit/data/stage_needs.csv``."""
    return Path(str(resources.files("toolkit") / "data" / "stage_needs.csv"))


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    table = read_table_file(
        path, f"{what} file", missing_hint="check the path, or omit it to use the bundled table."
    )
    assert table is not None  # an empty file is an error here
    return table


def _text(col: pd.Series) -> np.ndarray:
    """A column as stripped strings, missing values as ""."""
    return np.array(
        [
            ""
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
            else str(v).strip()
            for v in col.to_numpy(dtype=object)
        ],
        dtype=object,
    )


def _raise_first(
    problems: list[tuple[int | None, str | None, object, str]], file: str | Path | None, hint: str
) -> None:
    """Raise an :class:`InputError` for the first problem, listing how many others."""
    if not problems:
        return
    row, column, value, problem = problems[0]
    if len(problems) > 1:
        others = "; ".join(
            f"row {r}, column '{c}', value {v!r}: {p}" for r, c, v, p in problems[1:6]
        )
        more = f" (and {len(problems) - 6} more)" if len(problems) > 6 else ""
        problem = f"{problem} {len(problems) - 1} other problem(s): {others}{more}."
    raise InputError(problem, file=file, row=row, column=column, value=value, hint=hint)


def validate_routes(
    routes: pd.DataFrame, frame: pd.DataFrame | None = None, *, file: str | Path | None = None
) -> pd.DataFrame:
    """Check a route table and return it in canonical form.

    Parameters
    ----------
    routes : pandas.DataFrame
        Columns ``route_id``, ``route_name``, ``position``, ``iso3``, ``stage_role`` and
        optionally ``note``.  Row ``i`` (0-based) is reported as spreadsheet row
        ``i + 2``.
    frame : pandas.DataFrame, optional
        Membership frame; when given, every ``iso3`` must be one of its Societies.
    file : str or Path, optional
        File name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``route_name``, ``position`` (int), ``iso3`` (upper case),
        ``stage_role``, ``note`` (empty string when absent), rows in the input order.

    Raises
    ------
    InputError
        Missing column; empty or malformed ``route_id`` / ``iso3``; non-integer or
        non-contiguous ``position`` (each route must run 1..k); unknown ``stage_role``;
        a country twice on one route; a route with two names; an ``iso3`` not in
        ``frame``.  Every problem is collected; the message names the first (file,
        row, column, value) and lists the others.
    """
    missing = [c for c in _ROUTE_COLUMNS if c not in routes.columns]
    if missing:
        raise InputError(
            f"the route table has no column '{missing[0]}'.",
            file=file,
            column=missing[0],
            hint=f"the route table needs the columns {', '.join(_ROUTE_COLUMNS)}"
            " (and optionally note).",
        )
    out = pd.DataFrame(
        {
            "route_id": _text(routes["route_id"]),
            "route_name": _text(routes["route_name"]),
            "position": routes["position"].to_numpy(),
            "iso3": np.char.upper(_text(routes["iso3"]).astype(str)).astype(object),
            "stage_role": np.char.lower(_text(routes["stage_role"]).astype(str)).astype(object),
            "note": (
                _text(routes["note"])
                if "note" in routes
                else np.full(len(routes), "", dtype=object)
            ),
        }
    )
    problems: list[tuple[int | None, str | None, object, str]] = []
    rows = np.arange(len(out)) + 2
    pos = pd.to_numeric(pd.Series(routes["position"].to_numpy()), errors="coerce")
    bad_id = ~out["route_id"].str.fullmatch(_ID.pattern).to_numpy(bool)
    bad_iso = ~out["iso3"].str.fullmatch(_ISO3.pattern).to_numpy(bool)
    known = set(frame["iso3"].astype(str)) if frame is not None else None
    not_in_frame = (
        ~bad_iso & ~out["iso3"].isin(known).to_numpy(bool)
        if known is not None
        else np.zeros(len(out), bool)
    )
    bad_role = ~out["stage_role"].isin(ROUTE_STAGES).to_numpy(bool)
    pv = pos.to_numpy(dtype=float, na_value=np.nan)
    bad_pos = ~(np.isfinite(pv) & (np.mod(pv, 1) == 0) & (pv >= 1))
    for i in np.flatnonzero(bad_id | bad_iso | not_in_frame | bad_role | bad_pos):
        r = int(rows[i])
        if bad_id[i]:
            problems.append(
                (
                    r,
                    "route_id",
                    out.at[i, "route_id"],
                    "a route_id must be snake_case (lower-case letters, digits, _).",
                )
            )
        if bad_iso[i]:
            problems.append((r, "iso3", out.at[i, "iso3"], "not a three-letter ISO3 code."))
        if not_in_frame[i]:
            problems.append(
                (r, "iso3", out.at[i, "iso3"], "this Society is not in the membership frame.")
            )
        if bad_role[i]:
            problems.append(
                (
                    r,
                    "stage_role",
                    routes["stage_role"].iloc[i],
                    f"unknown stage role; use one of {', '.join(ROUTE_STAGES)}.",
                )
            )
        if bad_pos[i]:
            problems.append(
                (
                    r,
                    "position",
                    routes["position"].iloc[i],
                    "a position must be a whole number 1, 2, 3, ...",
                )
            )
    ok_pos = pd.Series(~bad_pos)
    out["position"] = np.where(bad_pos, 0, np.nan_to_num(pv)).astype(int)
    for rid, idx in out.groupby("route_id", sort=False).indices.items():
        names = out["route_name"].iloc[idx].unique()
        if len(names) > 1:
            j = idx[1:][out["route_name"].iloc[idx[1:]].to_numpy() != names[0]][0]
            several = ", ".join(map(repr, names))
            problems.append(
                (
                    int(rows[j]),
                    "route_name",
                    rid,
                    f"route '{rid}' has several names: {several}; use one.",
                )
            )
        dup = out["iso3"].iloc[idx].duplicated().to_numpy()
        if dup.any():
            j = idx[np.flatnonzero(dup)[0]]
            problems.append(
                (
                    int(rows[j]),
                    "iso3",
                    out.at[j, "iso3"],
                    (
                        f"this country appears twice on route '{rid}'; keep one row "
                        "(its main role) and mention the other in note."
                    ),
                )
            )
        if ok_pos.iloc[idx].all():
            got = np.sort(out["position"].iloc[idx].to_numpy())
            want = np.arange(1, len(idx) + 1)
            if not np.array_equal(got, want):
                bad = int(np.flatnonzero(got != want)[0])
                j = idx[int(np.flatnonzero(out["position"].iloc[idx].to_numpy() == got[bad])[0])]
                problems.append(
                    (
                        int(rows[j]),
                        "position",
                        int(got[bad]),
                        (
                            f"positions on route '{rid}' must run 1..{len(idx)} "
                            f"without gaps or repeats (expected {want[bad]})."
                        ),
                    )
                )
    _raise_first(
        problems,
        file,
        "correct the route table (see toolkit/data/README.md, routes.csv) and load it again.",
    )
    return out


def load_routes(
    path: str | Path | None = None, *, frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Load and validate a table of migratory routes.

    Parameters
    ----------
    path : str or Path, optional
        A UTF-8 CSV with the columns of ``toolkit/data/routes.csv``.  ``None`` loads the
        bundled table (15 routes, compiled :data:`ROUTES_DATE`, sources in
        ``toolkit/data/README.md``).
    frame : pandas.DataFrame, optional
        Membership frame the route countries must belong to.

    Returns
    -------
    pandas.DataFrame
        See :func:`validate_routes`.

    Raises
    ------
    InputError
        As in :func:`validate_routes`, naming the file, row, column and value.

    Examples
    --------
    >>> routes = load_routes()
    >>> routes["route_id"].nunique()
    15
    """
    source = bundled_routes_path() if path is None else Path(path)
    return validate_routes(_read_csv(source, "route table"), frame, file=source)


def load_stage_needs(
    path: str | Path | None = None, *, activities: Sequence[str] | None = None
) -> pd.DataFrame:
    """Load the table of activities migrants need at each migratory stage.

    Parameters
    ----------
    path : str or Path, optional
        A UTF-8 CSV with columns ``stage``, ``activity`` and optionally ``rationale``
        and ``source``, one row per (stage, activity) that is needed.  ``None`` loads
        the bundled table (compiled :data:`STAGE_NEEDS_DATE`; sources and the reasons
        for each row in ``toolkit/data/README.md``).  Edit a copy to suit a study.
    activities : sequence of str, optional
        Valid activity codes (e.g. :func:`toolkit.mapping.activity_codes`); when given,
        an unknown code is an error.

    Returns
    -------
    pandas.DataFrame
        ``stage``, ``activity``, ``rationale``, ``source`` (empty strings when absent).

    Raises
    ------
    InputError
        Missing column, unknown stage or activity, or a (stage, activity) pair twice.
    """
    source = bundled_stage_needs_path() if path is None else Path(path)
    table = _read_csv(source, "stage-needs table")
    return _validate_needs(table, activities, file=source)


def _validate_needs(
    table: pd.DataFrame, activities: Sequence[str] | None, *, file: str | Path | None = None
) -> pd.DataFrame:
    missing = [c for c in _NEEDS_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"the stage-needs table has no column '{missing[0]}'.",
            file=file,
            column=missing[0],
            hint="it needs the columns stage and activity (and optionally rationale and source).",
        )
    out = pd.DataFrame(
        {
            "stage": np.char.lower(_text(table["stage"]).astype(str)).astype(object),
            "activity": np.char.lower(_text(table["activity"]).astype(str)).astype(object),
            "rationale": (
                _text(table["rationale"])
                if "rationale" in table
                else np.full(len(table), "", dtype=object)
            ),
            "source": (
                _text(table["source"])
                if "source" in table
                else np.full(len(table), "", dtype=object)
            ),
        }
    )
    known = set(activities) if activities is not None else None
    problems: list[tuple[int | None, str | None, object, str]] = []
    for i in range(len(out)):
        r = i + 2
        if out.at[i, "stage"] not in ROUTE_STAGES:
            problems.append(
                (
                    r,
                    "stage",
                    table["stage"].iloc[i],
                    f"unknown stage; use one of {', '.join(ROUTE_STAGES)}.",
                )
            )
        a = str(out.at[i, "activity"])
        if not _ID.fullmatch(a) or (known is not None and a not in known):
            problems.append(
                (
                    r,
                    "activity",
                    table["activity"].iloc[i],
                    "unknown activity code"
                    + (f"; use one of {', '.join(sorted(known))}." if known is not None else "."),
                )
            )
    dup = out.duplicated(["stage", "activity"]).to_numpy()
    for j in np.flatnonzero(dup):
        k = int(j)
        problems.append(
            (
                k + 2,
                "activity",
                out.at[k, "activity"],
                f"listed twice for stage '{out.at[k, 'stage']!s}'; keep one row.",
            )
        )
    _raise_first(problems, file, "correct the stage-needs table and load it again.")
    return out


def needs_set(needs: pd.DataFrame | None, acts: Sequence[str]) -> set[tuple[str, str]]:
    """The (stage, activity) pairs that are needed, checked against the profile activities.

    Parameters
    ----------
    needs : pandas.DataFrame or None
        Stage-needs table (``stage``, ``activity``); ``None`` for the bundled one.
    acts : sequence of str
        Activity codes of the profiles.

    Raises
    ------
    InputError
        The table is malformed, or names an activity the profiles do not have.
    """
    table = load_stage_needs() if needs is None else _validate_needs(needs, None)
    unknown = sorted(set(table["activity"]) - set(acts))
    if unknown:
        raise InputError(
            f"the stage-needs table names activities the profiles do not "
            f"have: {', '.join(unknown)}.",
            column="activity",
            value=unknown[0],
            hint="use the instrument's activity codes in the stage-needs table.",
        )
    return set(zip(table["stage"], table["activity"]))


def routes_in_zone(routes: pd.DataFrame, frame: pd.DataFrame, zone: str) -> list[str]:
    """Routes with at least one Society of ``zone``, most Societies of the zone first.

    ``zone="all"`` returns every route, longest first.
    """
    zones = frame.set_index(frame["iso3"].astype(str))["zone"].astype(str)
    r = routes.assign(_zone=routes["iso3"].astype(str).map(zones))
    if zone != "all":
        r = r[r["_zone"] == zone]
    counts = r.groupby("route_id", sort=False).size().sort_values(ascending=False, kind="stable")
    return counts.index.tolist()
