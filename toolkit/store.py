"""The analytical database: Parquet tables plus one documented SQLite file.

The 2009 plan called for an "analytical database of all National Society programmes
on migration ... at the disposal of National Societies and the secretariat".
:func:`write_store` writes the processed study to one folder::

    <processed>/
        study.sqlite          every table, plus _tables and _columns documenting them
        parquet/<table>.parquet
        manifest.json         row counts, input SHA-256, toolkit version, time written

The programme register (``programmes`` and ``programme_partners``, built by
:func:`toolkit.mapping.programme_register` and :func:`toolkit.mapping.programme_partners`)
is among the tables of :data:`TABLES`.  Besides them, every repeat group of the
questionnaire gets a table of its own next to ``responses``: ``responses__<repeat>``
(see :func:`repeat_table`), one row per instance, linked to its questionnaire by the
``responses`` key and to its parent instance by ``_parent_key``.

Writes are atomic at the level of the whole folder: the new version is written to a
temporary sibling folder and swapped in with two renames, so a crash mid-write leaves
the previous version intact (and :func:`read_store` restores it if a crash fell
between the two renames).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from toolkit import __version__
from toolkit.errors import StoreError

__all__ = [
    "REPEAT_PREFIX",
    "TABLES",
    "LazyTables",
    "Store",
    "read_store",
    "read_table",
    "repeat_table",
    "write_store",
]


class LazyTables(Mapping[str, pd.DataFrame]):
    """A read-only mapping of table name to DataFrame that builds each table on first
    access (a large study's wide tables are read only by the reports that use them).

    Parameters
    ----------
    loaders : mapping of str to callable
        Name -> function returning the table.
    """

    def __init__(self, loaders: Mapping[str, Callable[[], pd.DataFrame]]) -> None:
        self._loaders = dict(loaders)
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = self._loaders[name]()
        return self._cache[name]

    def __contains__(self, name: object) -> bool:
        return name in self._loaders

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)

    def __repr__(self) -> str:
        return f"LazyTables({sorted(self._loaders)})"


#: The documented tables of the analytical database.
TABLES: dict[str, str] = {
    "societies": "The membership frame: one row per National Society with its zone, "
    "covariates and response status (responded, disposition).",
    "responses": "One row per accepted questionnaire (unit): every question by its "
    "XLSForm name; select_multiple answers as a space-separated column and "
    "one 0/1 column per option (<question>__<option>); no personal data "
    "(respondents appear as the pseudonym resp_id).",
    "activities": "One row per unit and activity type it runs, with its migratory stages "
    "(stage__*), target groups (group__*), service types (service__*) and "
    "people reached.",
    "dispositions": "Final disposition of every Society in the frame (AAPOR codes I, P, R, "
    "NC, O, UH, UO, NE) and whether it counts as a respondent.",
    "validation_issues": "Every problem found at ingestion: file, row, column, value, "
    "problem, action taken and rule.",
    "quarantine": "Input rows that were not accepted (duplicates, unknown or missing codes, "
    "ragged rows, rejected submissions), with the reason; personal fields "
    "pseudonymised.",
    "profiles": "Activity profile of every Society of the study's zones, respondent or not: "
    "response status, act__<activity> (1/0; empty for non-respondents, never "
    "imputed), stage__<activity>__<stage>, people reached, scale and cooperation "
    "answers.",
    "programmes": "The programme register: one row per programme listed in an accepted "
    "questionnaire (repeat group 'programme'), keyed by programme_id (<ISO3>-<normalised "
    "name>, the same in every round; renamed programmes keep their id through the "
    "study's programme_ids.csv): what it does (activity types), for whom, where, at "
    "which stages, since when, its status, partners, funding, people reached with the "
    "basis of the number and a contact role (a role, never a person's name).",
    "programme_partners": "Recorded cooperation: one row per programme and partner (other "
    "National Societies chosen from the frame, the IFRC, the ICRC, UN agencies, "
    "government, others), with the programme's activity types and the migratory routes "
    "the two Societies' countries share.",
    "rounds": "Mapping rounds compared (study.yaml 'rounds'; this round last), their sources, "
    "respondents, programmes and activity types comparable with today's taxonomy.",
    "round_responses": "Earlier rounds' answers per Society in today's taxonomy.",
    "round_programmes": "Earlier rounds' programme registers (same programme_id).",
    "programme_changes": "Per programme and pair of rounds: new, continued, ended, planned "
    "or not known (a round not answered, or no programme listed), with the reason.",
    "activity_change": "Change in each activity share between rounds by zone, with its "
    "interval (toolkit.mapping.activity_change); not disclosure-controlled.",
    "shares": "The estimates before disclosure control (toolkit.mapping.activity_shares, "
    "settings in the manifest's shares_settings): for analysis, not for publication.",
    "estimates": "Weighted shares of Societies running each activity, at each stage, for "
    "each target group and of each service type, by zone and for all zones: estimate "
    "with 95% interval, unadjusted share, non-response bounds, respondents behind each "
    "cell; shares of fewer responding Societies than the disclosure minimum are withheld.",
}

#: Prefix of the tables of repeat groups (``responses__<repeat>``).
REPEAT_PREFIX = "responses__"


def repeat_table(name: str) -> str:
    """Name of the table of repeat group ``name`` (``responses__<name>``; a ``/`` of a
    qualified name becomes ``__``)."""
    return REPEAT_PREFIX + re.sub(r"\s+", "_", name.strip()).replace("/", "__")


def _describe_table(name: str) -> str:
    if name in TABLES:
        return TABLES[name]
    repeat = name.removeprefix(REPEAT_PREFIX)
    return (
        f"One row per instance of the repeat group '{repeat}' in an accepted questionnaire: "
        "the key of its questionnaire (the key column of 'responses'), _key (the instance: "
        "<questionnaire key>/<repeat>[<position>]), _parent_key (the enclosing instance, for "
        "nested repeat groups), _position (1-based) and the repeat's questions by XLSForm "
        "name; quarantined instances are in 'quarantine' (column _repeat)."
    )


_COLUMN_DOCS: dict[str, str] = {
    "iso3": "ISO 3166-1 alpha-3 code of the country of the National Society",
    "ns_iso3": "ISO3 code of the National Society that answered",
    "society_match": "how the export's Society cell was identified: iso3, iso2, fdrs or "
    "go_id (a code), name (an exact name in en/fr/es/ar, accents ignored), fuzzy (a "
    "similar name, reported as an issue) or choice_label (a label of the form's list)",
    "zone": "IFRC zone (africa, americas, asia_pacific, europe, mena)",
    "resp_id": "keyed pseudonym of the respondent (HMAC-SHA-256); never the name",
    "_file": "export file the row came from",
    "_row": "row number in that file (header = row 1)",
    "activity": "activity type code (see the instrument's 'activity' choice list)",
    "people_reached": "people reached in the last 12 months (as reported)",
    "rule": "short code of the validation rule",
    "raw_row": "the rejected input row as JSON (header -> value; empty cells left out)",
    "_uuid": "the submission's own id (KoboToolbox _uuid, ODK KEY / instanceID, without 'uuid:')",
    "_submission_time": "when the server received the submission (UTC)",
    "_validation_status": "review status on the server (KoboToolbox validation, ODK Central review state)",
    "_key": "the repeat instance: <questionnaire key>/<repeat>[<position>], nested under its parent's key",
    "_parent_key": "_key of the enclosing repeat instance (nested repeat groups)",
    "_position": "position of the instance within its questionnaire or parent instance (1-based)",
    "_repeat": "repeat group of a quarantined repeat instance (empty for a questionnaire)",
    "reason": "why the row was quarantined",
    "disposition": "AAPOR final disposition code",
    "responded": "whether the Society counts as a respondent (complete or partial)",
}


# Columns whose meaning depends on the table.
_TABLE_COLUMN_DOCS: dict[str, dict[str, str]] = {
    "programmes": {
        "programme_id": "stable id of the programme: <ISO3>-<normalised name> (see id_rule)",
        "id_rule": "how the id was made: name; same_as (renamed, from programme_ids.csv); "
        "name, numbered (name repeated in one questionnaire); unnamed (position)",
        "ns_iso3": "ISO3 code of the National Society running the programme",
        "year": "year of the mapping round",
        "name": "name of the programme as reported (free text, masked like every text)",
        "status": "running, ended (in the last 12 months) or planned",
        "ran_last_12_months": "whether the programme ran in the last 12 months (not planned)",
        "start_year": "year the programme started (or will start)",
        "activities": "activity types of the programme (space-separated codes of the "
        "instrument's 'activity' list)",
        "activities_other": "description of an activity of type 'other' (free text)",
        "stages": "migratory stages (space-separated codes)",
        "target_groups": "target groups (space-separated codes)",
        "country": "ISO3 code of the country where the programme runs",
        "places": "regions (first administrative level) or cities (free text)",
        "partner_types": "types of partner (space-separated codes of 'partner_type')",
        "partner_societies": "partner National Societies (space-separated ISO3 codes)",
        "funding": "funding types (space-separated codes of 'funding_type')",
        "people_reached": "people reached by the programme in the last 12 months",
        "reached_basis": "whether people_reached was counted or estimated",
        "contact_role": "role or position of the programme's contact (never a person's name)",
        "_key": "the programme's instance in responses__programme",
    },
    "programme_partners": {
        "programme_id": "the programme (see the programmes table)",
        "ns_iso3": "ISO3 code of the Society running the programme",
        "year": "year of the mapping round",
        "status": "status of the programme: running, ended (in the last 12 months), planned",
        "ran_last_12_months": "whether the programme ran in the last 12 months",
        "partner_type": "type of partner (code of the instrument's 'partner_type' list)",
        "partner_iso3": "ISO3 code of the partner National Society (Society partners only)",
        "partner_zone": "IFRC zone of the partner National Society",
        "activities": "activity types of the programme (space-separated codes)",
        "routes": "migratory routes (toolkit/data/routes.csv) both Societies' countries are "
        "on; for a partner that is not a Society, the Society's own routes",
        "on_shared_route": "the partner Society shares a migratory route with the Society",
        "recorded_by_both": "the partner Society also names this Society as a partner in "
        "the same round",
    },
}


@dataclass(frozen=True)
class Store:
    """An analytical database read back from disk.

    Attributes
    ----------
    path : Path
        The folder.
    tables : mapping of str to DataFrame
        Every table by name, read from its Parquet file on first access.
    manifest : dict
        Contents of ``manifest.json``.
    """

    path: Path
    tables: Mapping[str, pd.DataFrame]
    manifest: dict[str, object]

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(
                f"the analytical database at {self.path} has no table {name!r}; "
                f"it has {sorted(self.tables)}"
            ) from None


def _sqlite_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Columns SQLite clients read well: dates as ISO text, categories as text.

    pandas writes nullable integers, booleans (as 0/1) and strings with NULL for
    missing values itself, with INTEGER / REAL / TEXT column types.
    """
    out = df
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out = out.assign(**{col: s.astype("string")})
        elif pd.api.types.is_datetime64_any_dtype(s):
            out = out.assign(**{col: s.dt.strftime("%Y-%m-%dT%H:%M:%S").astype("string")})
    return out


_SQLITE_MAX_COLUMNS = 2000
_QUARANTINE_KEYS = ("_file", "_row", "ns_iso3", "_repeat", "reason", "rule")


def _quarantine_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Quarantine for SQLite: the keys as columns, the raw row as one JSON text.

    Rejected rows keep every input column (personal ones pseudonymised), which for a
    large form can exceed SQLite's column limit; the Parquet file keeps them wide.
    """
    keys = [c for c in _QUARANTINE_KEYS if c in df.columns]
    rest = df.drop(columns=keys)
    raw = [
        json.dumps(
            {k: v for k, v in rec.items() if v is not None and v == v and v != ""},
            ensure_ascii=False,
            default=str,
        )
        for rec in rest.astype(object).to_dict("records")
    ]
    return df[keys].assign(raw_row=raw)


def _parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("string")
    return out


def write_store(
    directory: str | Path,
    tables: Mapping[str, pd.DataFrame],
    *,
    metadata: Mapping[str, object] | None = None,
) -> Path:
    """Write the analytical database atomically.

    Parameters
    ----------
    directory : str or Path
        Target folder (e.g. ``data/processed/demo``); replaced as a whole.
    tables : mapping of str to DataFrame
        Tables to write; names must be among :data:`TABLES` or name a repeat group's
        table (:func:`repeat_table`).
    metadata : mapping, optional
        Extra facts for ``manifest.json`` (study name, input SHA-256, parameters).

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    StoreError
        If a table name is unknown or the folder cannot be written.
    """
    target = Path(directory).resolve()
    unknown = sorted(
        n
        for n in tables
        if n not in TABLES and not (n.startswith(REPEAT_PREFIX) and n != REPEAT_PREFIX)
    )
    if unknown:
        raise StoreError(
            f"unknown table name(s) {unknown}.",
            hint=f"use {sorted(TABLES)} or {REPEAT_PREFIX}<repeat group>.",
        )
    _recover(target)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder ({exc}).",
            file=parent,
            hint="check the 'processed' path in study.yaml.",
        ) from exc
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = parent / f".{target.name}.tmp-{tag}"
    try:
        (tmp / "parquet").mkdir(parents=True)
        con = sqlite3.connect(tmp / "study.sqlite")
        try:
            con.execute(
                "CREATE TABLE _tables (name TEXT PRIMARY KEY, description TEXT, n_rows INTEGER)"
            )
            con.execute(
                "CREATE TABLE _columns (table_name TEXT, column_name TEXT, description TEXT)"
            )
            for name, df in tables.items():
                _parquet_ready(df).to_parquet(tmp / "parquet" / f"{name}.parquet", index=False)
                flat = _sqlite_ready(df if name != "quarantine" else _quarantine_rows(df))
                if len(flat.columns) > _SQLITE_MAX_COLUMNS:
                    raise StoreError(
                        f"table {name!r} has {len(flat.columns)} columns, more than SQLite "
                        f"allows ({_SQLITE_MAX_COLUMNS}).",
                        hint="split the questionnaire's "
                        "select_multiple questions or use the Parquet files.",
                    )
                flat.to_sql(name, con, index=False)
                con.execute(
                    "INSERT INTO _tables VALUES (?, ?, ?)", (name, _describe_table(name), len(df))
                )
                con.executemany(
                    "INSERT INTO _columns VALUES (?, ?, ?)",
                    [(name, str(c), _describe_column(str(c), name)) for c in flat.columns],
                )
            con.commit()
        finally:
            con.close()
        manifest = {
            "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "toolkit_version": __version__,
            "tables": {
                name: {
                    "rows": len(df),
                    "columns": len(df.columns),
                    "description": _describe_table(name),
                }
                for name, df in tables.items()
            },
            **dict(metadata or {}),
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, default=str), encoding="utf-8"
        )
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _describe_column(col: str, table: str = "") -> str:
    if col in _TABLE_COLUMN_DOCS.get(table, {}):
        return _TABLE_COLUMN_DOCS[table][col]
    if col in _COLUMN_DOCS:
        return _COLUMN_DOCS[col]
    if "__" in col:
        q, opt = col.split("__", 1)
        prefix = {
            "stage": "migratory stage",
            "group": "target group",
            "service": "service type",
            "activity": "activity type",
            "partner": "partner type",
            "funding": "funding type",
        }.get(q)
        if prefix:
            return f"{prefix} '{opt}' (1 = yes, 0 = no, empty = not asked)"
        if opt in ("latitude", "longitude", "altitude", "precision"):
            return f"{opt} of the geopoint '{q}' (a part of the answer)"
        return f"option '{opt}' of question '{q}' selected (1/0; empty = not asked)"
    if col.startswith("_"):
        return "export metadata"
    return f"answer to question '{col}' (see the instrument)"


def _swap(tmp: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if old.exists() and not target.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    """Restore the previous version if a crash fell between the two renames."""
    if target.exists() or not target.parent.exists():
        return
    olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds:
        os.replace(olds[-1], target)


def read_store(directory: str | Path) -> Store:
    """Read every table of an analytical database.

    Parameters
    ----------
    directory : str or Path
        The folder written by :func:`write_store`.

    Returns
    -------
    Store

    Raises
    ------
    StoreError
        If the folder holds no analytical database.
    """
    path = Path(directory).resolve()
    _recover(path)
    manifest_path = path / "manifest.json"
    if not manifest_path.exists():
        raise StoreError(
            "no analytical database here (manifest.json missing).",
            file=path,
            hint="run 'nsmap validate <study.yaml>' or 'nsmap run' first.",
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    files = sorted((path / "parquet").glob("*.parquet"))
    tables = LazyTables({p.stem: partial(pd.read_parquet, p) for p in files})
    return Store(path, tables, manifest)


def read_table(directory: str | Path, name: str) -> pd.DataFrame:
    """Read one table of an analytical database from its Parquet file."""
    path = Path(directory).resolve() / "parquet" / f"{name}.parquet"
    if not path.exists():
        raise StoreError(
            f"table {name!r} is not in the analytical database.",
            file=path,
            hint=f"tables are {sorted(TABLES)} and {REPEAT_PREFIX}<repeat group>.",
        )
    return pd.read_parquet(path)
