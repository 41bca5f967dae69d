"""Earlier mapping rounds of a study: ``rounds:`` in ``study.yaml``, read and compared.

A study names the rounds before it under ``rounds:``, each with a ``year`` (and
optionally a ``label``, by default the year) and either

``database``
    the analytical database an earlier run of the toolkit wrote (its folder, or the
    ``study.sqlite`` in it), or
``exports``
    the earlier round's export files with the ``form`` they were collected with (by
    default the study's form) and, where that form used other question names, a
    ``crosswalk`` CSV (:mod:`toolkit.run._round_crosswalk`); ``society`` names the
    question holding the Society when the crosswalk does not map it.

For example::

    rounds:
      - year: 2024
        exports: [rounds/2024/exports/kobo_export_2024-05-20.csv]
      - year: 2007
        label: "2007 questionnaire"
        exports: [rounds/2007/returns.xlsx]
        form: rounds/2007/form_2007.xlsx
        crosswalk: rounds/2007/crosswalk.csv

:func:`check_rounds` validates the list when the study is loaded; :func:`load_round`
reads one round into today's names and taxonomy; :func:`round_tables` gives the
analytical database its tables across rounds (see :data:`ROUND_TABLES`).  Rounds are
compared per Society: in a branch-level study a Society runs an activity when one of
its returned questionnaires says so.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pandas as pd

from toolkit.errors import StudyConfigError, ToolkitError
from toolkit.run._round_load import EarlierRound, load_round, load_rounds, society_answers

if TYPE_CHECKING:
    from toolkit.run._study import Study

__all__ = [
    "ROUND_KEYS",
    "ROUND_TABLES",
    "EarlierRound",
    "check_rounds",
    "load_round",
    "load_rounds",
    "round_tables",
    "society_answers",
]

#: Keys of one item of ``rounds:`` -> what it is.
ROUND_KEYS: dict[str, str] = {
    "year": "the year of the round (a whole number before the study's year)",
    "label": "how reports name the round (default: the year)",
    "database": "the analytical database an earlier run wrote (folder or its study.sqlite)",
    "exports": "the earlier round's export files (a list)",
    "form": "the XLSForm the exports were collected with (default: the study's form)",
    "crosswalk": "CSV mapping the earlier form's question names to today's (old, new)",
    "society": "question of the earlier form holding the Society (default: the study's)",
}
#: Tables :func:`round_tables` adds to the analytical database.
ROUND_TABLES = (
    "rounds",
    "round_responses",
    "round_programmes",
    "programme_changes",
    "activity_change",
)


def _fail(path: Path, key: str, problem: str, value: Any = None, hint: str = "") -> NoReturn:
    raise StudyConfigError(problem, file=path, column=key, value=value, hint=hint or None)


def check_rounds(value: Any, *, root: Path, path: Path, year: int) -> list[dict[str, Any]]:
    """Validate ``rounds:`` of ``study.yaml`` and make its paths absolute.

    Parameters
    ----------
    value : list
        The ``rounds`` value as read.
    root : Path
        The study folder (paths are relative to it).
    path : Path
        ``study.yaml`` (named in errors).
    year : int
        The study's year: every round must be earlier.

    Returns
    -------
    list of dict
        One dict per round, sorted by year: ``label``, ``year``, ``database`` (or
        None), ``exports`` (list), ``form``, ``crosswalk``, ``society`` (or None) and
        ``files`` (every input file, for checksums).

    Raises
    ------
    StudyConfigError
        Naming the key (``rounds[2].exports``): not a mapping, an unknown key (with
        the nearest), a missing or non-integer year, a year not before the study's,
        two rounds with one year or label, neither or both of database and exports, a
        file that does not exist.
    """
    out: list[dict[str, Any]] = []
    for i, item in enumerate(value or [], start=1):
        key = f"rounds[{i}]"
        if not isinstance(item, dict):
            _fail(
                path,
                key,
                f"'{key}' must be a mapping of keys.",
                item,
                "write it as '- year: 2024'.",
            )
        for k in item:
            if k not in ROUND_KEYS:
                close = difflib.get_close_matches(str(k), list(ROUND_KEYS), n=1)
                tip = f"did you mean '{key}.{close[0]}'?" if close else ""
                _fail(
                    path,
                    f"{key}.{k}",
                    f"unknown key '{key}.{k}'.",
                    hint=f"remove it or fix it: {tip or 'allowed: ' + ', '.join(ROUND_KEYS)}.",
                )
        y = item.get("year")
        if isinstance(y, bool) or not isinstance(y, int):
            _fail(
                path,
                f"{key}.year",
                f"'{key}.year' must be a whole number.",
                y,
                f"'{key}.year' is {ROUND_KEYS['year']}.",
            )
        if y >= year:
            _fail(
                path,
                f"{key}.year",
                f"round {y} is not before the study's year {year}.",
                y,
                "name only earlier rounds; the study itself is the latest round.",
            )
        has_db, has_ex = item.get("database") is not None, item.get("exports") is not None
        if has_db == has_ex:
            _fail(
                path,
                key,
                f"'{key}' needs either 'database' or 'exports' (with its 'form'), not "
                + ("both." if has_db else "neither."),
                hint="name the earlier analytical database, or its export files.",
            )

        def resolve(v: Any, k: str) -> str:
            if not isinstance(v, str) or not v.strip():
                _fail(path, k, f"'{k}' must be a file path.", v, "write it relative to study.yaml.")
            p = (root / v).resolve()
            if not p.exists():
                _fail(
                    path,
                    k,
                    f"the file named by '{k}' does not exist ({p}).",
                    v,
                    "fix the path (relative to study.yaml) or add the file.",
                )
            return str(p)

        rec: dict[str, Any] = {
            "label": str(item.get("label", y)),
            "year": y,
            "database": None,
            "exports": [],
            "form": None,
            "crosswalk": None,
            "society": item.get("society"),
        }
        files: list[str] = []
        if has_db:
            rec["database"] = resolve(item["database"], f"{key}.database")
            db = Path(rec["database"])
            files += [str(f) for f in ([db] if db.is_file() else db.glob("*.*")) if f.is_file()]
        else:
            exports = item["exports"]
            if not isinstance(exports, list) or not exports:
                _fail(
                    path,
                    f"{key}.exports",
                    f"'{key}.exports' must be a list of files.",
                    exports,
                    "write one '- file' per line.",
                )
            rec["exports"] = [resolve(v, f"{key}.exports[{j}]") for j, v in enumerate(exports, 1)]
            files += rec["exports"]
        for k in ("form", "crosswalk"):
            if item.get(k) is not None:
                rec[k] = resolve(item[k], f"{key}.{k}")
                files.append(rec[k])
        if rec["society"] is not None and not isinstance(rec["society"], str):
            _fail(
                path, f"{key}.society", f"'{key}.society' must be a question name.", rec["society"]
            )
        rec["files"] = files
        for other in out:
            for k in ("year", "label"):
                if other[k] == rec[k]:
                    _fail(
                        path,
                        f"{key}.{k}",
                        f"two rounds have the {k} {rec[k]!r}.",
                        rec[k],
                        "name each earlier round once.",
                    )
        out.append(rec)
    return sorted(out, key=lambda r: int(r["year"]))


def _in_scope(r: EarlierRound, codes: set[str]) -> EarlierRound:
    """The round restricted to the Societies of the study's zones."""
    keep = r.responses["ns_iso3"].astype(str).isin(codes)
    prog = r.programmes["ns_iso3"].astype(str).str.upper().isin(codes)
    return dataclasses.replace(
        r,
        responses=r.responses[keep].reset_index(drop=True),
        programmes=r.programmes[prog.to_numpy()].reset_index(drop=True),
    )


def round_tables(
    study: Study,
    *,
    responses: pd.DataFrame,
    programmes: pd.DataFrame | None,
    societies: pd.DataFrame,
    level: float = 0.95,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The analytical database's tables across rounds (:data:`ROUND_TABLES`).

    Parameters
    ----------
    study : Study
    responses : pandas.DataFrame
        This round's accepted questionnaires.
    programmes : pandas.DataFrame or None
        This round's programme register (None: its form has no programme list).
    societies : pandas.DataFrame
        The frame of the study's zones (comparisons are made over it).
    level : float, default 0.95
        Confidence level of ``activity_change``.

    Returns
    -------
    tables : dict
        ``rounds`` (one row per round, this one last: label, year, source,
        respondents, programmes, whether its form had the programme list, the activity
        codes comparable and not comparable with this round), ``round_responses``
        (the earlier rounds' Society-level answers in today's taxonomy),
        ``round_programmes`` (their programme registers), ``programme_changes``
        (:func:`toolkit.mapping.programme_transitions` of each round against the next)
        and ``activity_change`` (:func:`toolkit.mapping.activity_change` of each round
        against the next over the study's zones, with its weighting classes; rows of
        activity types not comparable between the two rounds have no estimate and
        ``comparable`` False).  Empty dict for a study without earlier rounds.
    meta : dict
        For the database manifest: the rounds, and ``rounds_error`` where the change
        could not be estimated.
    """
    from toolkit.mapping import activity_change, activity_codes, programme_transitions

    earlier = load_rounds(study)
    if not earlier:
        return {}, {}
    in_scope = set(societies["iso3"].astype(str).str.upper())
    earlier = [_in_scope(r, in_scope) for r in earlier]
    codes = activity_codes(study.instrument())
    label = str(study.config["study"]["year"])
    current = EarlierRound(
        label,
        int(study.config["study"]["year"]),
        "this round",
        society_answers(responses, codes),
        programmes if programmes is not None else pd.DataFrame(columns=["programme_id", "ns_iso3"]),
        programmes is not None,
        tuple(c for c in codes if f"activities__{c}" in responses),
    )
    current = _in_scope(current, in_scope)
    chain = [*earlier, current]
    meta: dict[str, Any] = {
        "rounds": [{"label": r.label, "year": r.year, "source": r.source} for r in chain]
    }
    changes, change = [], []
    for prev, cur in itertools.pairwise(chain):
        changes.append(
            programme_transitions(
                prev.programmes,
                cur.programmes,
                previous_responses=prev.responses,
                current_responses=cur.responses,
                frame=societies,
                rounds=(prev.label, cur.label),
                previous_has_list=prev.has_programme_list,
                current_has_list=cur.has_programme_list,
            )
        )
        both = [c for c in codes if c in prev.comparable and c in cur.comparable]
        try:
            est = activity_change(
                societies,
                prev.responses,
                cur.responses,
                instrument=study.instrument(),
                codes=both,
                classes=study.config["weighting"]["classes"],
                level=level,
            )
        except ToolkitError as exc:
            meta.setdefault("rounds_error", []).append(f"{prev.label} to {cur.label}: {exc}")
            continue
        est.insert(0, "round_current", cur.label)
        est.insert(0, "round_previous", prev.label)
        est["comparable"] = True
        lost = [c for c in codes if c not in both]
        if lost:
            labels = study.instrument().choice_labels("activity")
            gone = pd.DataFrame(
                [
                    {
                        "round_previous": prev.label,
                        "round_current": cur.label,
                        "zone": z,
                        "code": c,
                        "label": labels.get(c, c),
                        "comparable": False,
                    }
                    for z in dict.fromkeys(est["zone"])
                    for c in lost
                ]
            )
            est = pd.concat([est, gone], ignore_index=True)
        change.append(est)
    rounds = pd.DataFrame(
        [
            {
                "label": r.label,
                "year": r.year,
                "source": r.source,
                "respondents": len(r.responses),
                "programmes": len(r.programmes),
                "programme_list": r.has_programme_list,
                "comparable": " ".join(c for c in codes if c in r.comparable),
                "not_comparable": " ".join(c for c in codes if c not in r.comparable),
                "quarantined": r.quarantined,
            }
            for r in chain
        ]
    )
    tables = {
        "rounds": rounds,
        "round_responses": pd.concat(
            [r.responses.assign(round=r.label, year=r.year) for r in earlier], ignore_index=True
        ),
        "round_programmes": pd.concat(
            [r.programmes.assign(round=r.label) for r in earlier if len(r.programmes)]
            or [pd.DataFrame(columns=["programme_id", "ns_iso3", "round"])],
            ignore_index=True,
        ),
        "programme_changes": pd.concat(changes, ignore_index=True),
    }
    if change:
        tables["activity_change"] = pd.concat(change, ignore_index=True)
    meta["rounds_compared"] = len(chain)
    return tables, meta
