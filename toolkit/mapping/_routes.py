"""Migratory routes: who runs what along a route, and where a stage has no coverage.

A route (``toolkit/data/routes.csv``) is an ordered sequence of countries, each with
the *stage role* it plays on that route (origin, transit, destination, return).  The
stage-needs table (``toolkit/data/stage_needs.csv``) says which activity types migrants
need at each stage.  Crossing the two with the Societies' activity profiles
(:func:`toolkit.mapping.society_profiles`) gives, for every route x stage x activity,
one of four statuses:

``"covered"``
    at least one responding Society at that stage of the route runs the activity *at
    that stage* (the questionnaire's ``<a>_stage`` answer);
``"gap"``
    the activity is needed at the stage, every Society at the stage responded (and
    answered the activity questions) and none runs it there;
``"unknown"``
    no responding Society covers it, but at least one Society at the stage did not
    respond or left the activity question unanswered: a non-respondent is unknown,
    never "lacking";
``"not needed"``
    the activity is not in the stage-needs table for that stage and nobody covers it
    (a Society that does run it there still makes the cell "covered").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import InputError

__all__ = [
    "COVERAGE_STATUSES",
    "ROUTES_DATE",
    "ROUTE_STAGES",
    "STAGE_NEEDS_DATE",
    "bundled_routes_path",
    "bundled_stage_needs_path",
    "load_routes",
    "load_stage_needs",
    "route_activities",
    "route_coverage",
    "route_summary",
    "routes_in_zone",
    "validate_routes",
]

#: Stage roles a country can play on a route, in travel order (the questionnaire's
#: ``stage`` choice list).
ROUTE_STAGES: tuple[str, ...] = ("origin", "transit", "destination", "return")

#: Coverage status of a route x stage x activity cell, in display order.
COVERAGE_STATUSES: tuple[str, ...] = ("covered", "gap", "unknown", "not needed")

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
    if not path.is_file():
        raise InputError(
            f"the {what} file does not exist.",
            file=path,
            hint="check the path, or omit it to use the bundled table.",
        )
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"the {what} file cannot be read as a CSV table ({exc}).",
            file=path,
            hint="save it as a UTF-8 CSV with one header row.",
        ) from exc
    table.columns = [str(c).strip() for c in table.columns]
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
        a = out.at[i, "activity"]
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
    for i in np.flatnonzero(dup):
        problems.append(
            (
                int(i) + 2,
                "activity",
                out.at[int(i), "activity"],
                f"listed twice for stage '{out.at[int(i), 'stage']}'; keep one row.",
            )
        )
    _raise_first(problems, file, "correct the stage-needs table and load it again.")
    return out


# ---------------------------------------------------------- crossing with profiles


def _profile_activities(profiles: pd.DataFrame) -> list[str]:
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


def _on_route(routes: pd.DataFrame, profiles: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Canonical routes and, per route row, the index of its Society in ``profiles``."""
    routes = validate_routes(routes)
    _check_profiles(profiles, ["iso3", "zone", "responded", "status"])
    codes = profiles["iso3"].astype(str).str.upper().to_numpy()
    where = pd.Index(codes).get_indexer(routes["iso3"])
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


def _needs_set(needs: pd.DataFrame | None, acts: Sequence[str]) -> set[tuple[str, str]]:
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


def _num(values: pd.Series) -> np.ndarray:
    """A numeric column as a float array (NaN = missing)."""
    return (
        pd.to_numeric(values, errors="coerce")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )


def route_activities(routes: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """Long table route x Society x activity: who runs what along each route.

    Parameters
    ----------
    routes : pandas.DataFrame
        Route table (:func:`load_routes`).
    profiles : pandas.DataFrame
        Society profiles (:func:`toolkit.mapping.society_profiles`), with ``iso3``,
        ``zone``, ``status``, ``responded``, ``act__<a>``, ``stage__<a>__<s>`` and
        optionally ``reached__<a>``.

    Returns
    -------
    pandas.DataFrame
        One row per route row x activity, in route order then activity order:
        ``route_id``, ``route_name``, ``position``, ``iso3``, ``zone``,
        ``stage_role``, ``status`` (the Society's response status), ``activity``,
        ``runs`` (``Int8`` 0/1, missing when the Society did not respond or left the
        question unanswered), ``runs_at_stage`` (``boolean``: runs the activity at
        the stage it plays on this route; missing when unknown) and ``reached``
        (``Int64`` people reached by the activity, missing when not reported).

    Raises
    ------
    InputError
        A route country absent from the profiles, or a missing
        ``stage__<a>__<stage>`` column for a stage used by the routes when other
        stages of that activity are present.  Profiles with no stage columns at all
        for an activity (an instrument that does not ask the stage) count a Society
        running the activity as running it at its role on the route.
    """
    routes, where = _on_route(routes, profiles)
    acts = _profile_activities(profiles)
    n, k = len(routes), len(acts)
    runs = np.empty((n, k))
    at_stage = np.empty((n, k))
    reached = np.full((n, k), np.nan)
    roles = routes["stage_role"].to_numpy()
    for j, a in enumerate(acts):
        runs[:, j] = _num(profiles[f"act__{a}"])[where]
        col_vals = np.full(n, np.nan)
        has_stages = any(c.startswith(f"stage__{a}__") for c in profiles.columns)
        for s in np.unique(roles):
            name = f"stage__{a}__{s}"
            m = roles == s
            if name in profiles.columns:
                col_vals[m] = _num(profiles[name])[where[m]]
            elif not has_stages:
                # The instrument asks no stage per activity (e.g. a branch-level form):
                # a Society running the activity is taken to run it at its role on
                # the route.
                col_vals[m] = runs[m, j]
            else:
                raise InputError(
                    f"the profiles have no column '{name}'.",
                    column=name,
                    hint="build the profiles with an instrument whose stage "
                    "list has every stage role used by the routes.",
                )
        # a Society known not to run the activity does not run it at any stage
        col_vals[runs[:, j] == 0] = 0.0
        at_stage[:, j] = col_vals
        if f"reached__{a}" in profiles.columns:
            reached[:, j] = _num(profiles[f"reached__{a}"])[where]
    rep = np.repeat(np.arange(n), k)
    zone = profiles["zone"].astype(str).to_numpy()[where]
    status = profiles["status"].astype(str).to_numpy()[where]
    out = pd.DataFrame(
        {
            "route_id": routes["route_id"].to_numpy()[rep],
            "route_name": routes["route_name"].to_numpy()[rep],
            "position": routes["position"].to_numpy()[rep],
            "iso3": routes["iso3"].to_numpy()[rep],
            "zone": zone[rep],
            "stage_role": roles[rep],
            "status": status[rep],
            "activity": np.tile(np.asarray(acts, dtype=object), n),
        }
    )
    out["runs"] = pd.array(runs.ravel()).astype("Int8")
    out["runs_at_stage"] = pd.array(at_stage.ravel()).astype("boolean")
    out["reached"] = pd.array(reached.ravel()).astype("Int64")
    return out


def _join(codes: Sequence[str]) -> str:
    return ", ".join(codes)


def route_coverage(
    routes: pd.DataFrame,
    profiles: pd.DataFrame,
    needs: pd.DataFrame | None = None,
    *,
    only_needed: bool = False,
) -> pd.DataFrame:
    """Coverage of each needed activity at each stage of each route.

    Parameters
    ----------
    routes : pandas.DataFrame
        Route table (:func:`load_routes`).
    profiles : pandas.DataFrame
        Society profiles (:func:`toolkit.mapping.society_profiles`).
    needs : pandas.DataFrame, optional
        Stage-needs table (``stage``, ``activity``); default the bundled one
        (:func:`load_stage_needs`).
    only_needed : bool, default False
        Keep only the activities needed at each stage (drops the "not needed" and the
        covered-but-not-needed cells).

    Returns
    -------
    pandas.DataFrame
        One row per route x stage role present on the route x activity, in route
        order, stage order (:data:`ROUTE_STAGES`) and activity order, with
        ``route_id``, ``route_name``, ``stage`` (the stage role), ``activity``,
        ``needed`` (bool), ``status`` (one of :data:`COVERAGE_STATUSES`, see the
        module docstring), ``n_societies`` (Societies at the stage), ``n_covering``
        (run the activity at that stage), ``n_unknown`` (did not respond or did not
        answer), ``countries``, ``covering`` and ``unknown`` (ISO3 lists in route
        order, separated by ", ").  Select one route and pass it straight to
        :func:`toolkit.figures.route_diagram`.
    """
    long = route_activities(routes, profiles)
    acts = list(dict.fromkeys(long["activity"]))
    need = _needs_set(needs, acts)
    if long.empty:
        return pd.DataFrame(
            columns=[
                "route_id",
                "route_name",
                "stage",
                "activity",
                "needed",
                "status",
                "n_societies",
                "n_covering",
                "n_unknown",
                "countries",
                "covering",
                "unknown",
            ]
        )
    v = long["runs_at_stage"]
    cov_flag = v.fillna(False).to_numpy(bool)
    unk_flag = v.isna().to_numpy(bool)
    route_rank = {r: i for i, r in enumerate(dict.fromkeys(long["route_id"]))}
    stage_rank = {s: i for i, s in enumerate(ROUTE_STAGES)}
    act_rank = {a: i for i, a in enumerate(acts)}
    order = np.lexsort((long["position"].to_numpy(), long["route_id"].map(route_rank).to_numpy()))
    cells: dict[tuple[str, str, str], list[list[str]]] = {}
    names: dict[str, str] = {}
    cols = [
        long[c].to_numpy() for c in ("route_id", "route_name", "stage_role", "activity", "iso3")
    ]
    for i in order:
        rid, rname, s, a, code = (c[i] for c in cols)
        names[rid] = rname
        cell = cells.setdefault((rid, s, a), [[], [], []])
        cell[0].append(code)
        if cov_flag[i]:
            cell[1].append(code)
        if unk_flag[i]:
            cell[2].append(code)
    rows = []
    for (rid, s, a), (codes, cov, unk) in cells.items():
        needed = (s, a) in need
        if cov:
            status = "covered"
        elif not needed:
            status = "not needed"
        elif unk:
            status = "unknown"
        else:
            status = "gap"
        rows.append(
            (
                rid,
                names[rid],
                s,
                a,
                needed,
                status,
                len(codes),
                len(cov),
                len(unk),
                _join(codes),
                _join(cov),
                _join(unk),
                route_rank[rid],
                stage_rank[s],
                act_rank[a],
            )
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "route_id",
            "route_name",
            "stage",
            "activity",
            "needed",
            "status",
            "n_societies",
            "n_covering",
            "n_unknown",
            "countries",
            "covering",
            "unknown",
            "_r",
            "_s",
            "_a",
        ],
    )
    out = out.sort_values(["_r", "_s", "_a"], kind="stable").drop(columns=["_r", "_s", "_a"])
    if only_needed:
        out = out[out["needed"]]
    return out.reset_index(drop=True)


def route_summary(
    routes: pd.DataFrame, profiles: pd.DataFrame, needs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per route: zones crossed, response, gaps and unknown cells.

    Parameters
    ----------
    routes, profiles, needs
        As in :func:`route_coverage`.

    Returns
    -------
    pandas.DataFrame
        ``route_id``, ``route_name``, ``n_societies``, ``responded`` (Societies on the
        route that responded), ``not_responded`` (their ISO3, ", "-separated),
        ``zones`` (zones crossed, in route order), ``n_zones``, ``cross_zone`` (bool),
        ``zone_changes`` (consecutive positions in different zones), ``needed_cells``
        (stage x activity cells where the activity is needed), ``covered``, ``gaps``,
        ``unknown`` (counts of needed cells by status) and ``gap_cells`` (the gaps as
        "stage: activity, activity; stage: ...").
    """
    canon, where = _on_route(routes, profiles)
    cov = route_coverage(canon, profiles, needs)
    responded = profiles["responded"].fillna(False).astype(bool).to_numpy()[where]
    zone = profiles["zone"].astype(str).to_numpy()[where]
    frame = canon.assign(_resp=responded, _zone=zone).sort_values(["position"], kind="stable")
    rows = []
    for rid, g in frame.groupby("route_id", sort=False):
        zones = list(dict.fromkeys(g["_zone"]))
        zseq = g["_zone"].to_numpy()
        c = cov[(cov["route_id"] == rid) & cov["needed"]]
        gaps = c[c["status"] == "gap"]
        gap_text = "; ".join(
            f"{s}: {', '.join(gg['activity'])}" for s, gg in gaps.groupby("stage", sort=False)
        )
        rows.append(
            {
                "route_id": rid,
                "route_name": g["route_name"].iloc[0],
                "n_societies": len(g),
                "responded": int(g["_resp"].sum()),
                "not_responded": _join(g["iso3"][~g["_resp"]].tolist()),
                "zones": _join(zones),
                "n_zones": len(zones),
                "cross_zone": len(zones) > 1,
                "zone_changes": int((zseq[1:] != zseq[:-1]).sum()),
                "needed_cells": len(c),
                "covered": int((c["status"] == "covered").sum()),
                "gaps": len(gaps),
                "unknown": int((c["status"] == "unknown").sum()),
                "gap_cells": gap_text,
            }
        )
    return pd.DataFrame(rows)


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
