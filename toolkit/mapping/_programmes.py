"""The programme register: one row per programme, keyed by an id stable across rounds.

The questionnaire's ``programme`` repeat group (one instance per programme, read by
ingestion into ``responses__programme``) becomes the analytical database's
``programmes`` table with :func:`programme_register`.

Programme id
    ``<ISO3>-<slug>``: the Society's code and the programme's name normalised by
    :func:`programme_slug` (Unicode compatibility form, accents, Arabic vowel marks and
    tatweel removed, case folded, every run of other characters than letters and
    digits made one ``-``), so "Migrant Help-Desk" and "migrant help desk" of the same
    Society are one programme in every round.  A programme renamed between rounds
    keeps its id through the override table (:func:`read_programme_ids`): a CSV with
    the columns ``ns_iso3``, ``name`` (the new name, as reported) and ``same_as`` (the
    name it had before; chains are followed), optionally ``note``.  A study keeps it
    as :data:`PROGRAMME_IDS_FILE` beside its ``study.yaml``.  Two programmes of one
    questionnaire with the same normalised name are numbered in their order of entry
    (``-2``, ``-3``, id rule ``"name, numbered"``); a programme without a name gets
    ``<ISO3>-programme-<position>`` (id rule ``"unnamed"``), which no other round can
    match.

Society-level activity types
    :func:`activities_from_programmes` gives every Society that lists a programme that
    ran in the last 12 months (status running or ended; a missing status counts as
    ran, as in the form's calculation) the union of those programmes' activity types
    as its answer to the activity-type question, as the questionnaire does with
    ``programme_activities``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.ingest import read_table_file
from toolkit.instrument import Instrument

__all__ = [
    "PROGRAMME_COLUMNS",
    "PROGRAMME_IDS_FILE",
    "PROGRAMME_QUESTIONS",
    "PROGRAMME_REPEAT",
    "PROGRAMME_STATUSES",
    "activities_from_programmes",
    "programme_id",
    "programme_register",
    "programme_slug",
    "read_programme_ids",
]

#: The repeat group of programmes in the bundled questionnaire.
PROGRAMME_REPEAT = "programme"
#: Default file of the programme-id overrides, beside ``study.yaml``.
PROGRAMME_IDS_FILE = "programme_ids.csv"
#: Answers of the programme's status question; the first two mean it ran in the last
#: 12 months.
PROGRAMME_STATUSES = ("running", "ended", "planned")
#: Register column -> question of the programme repeat.
PROGRAMME_QUESTIONS: dict[str, str] = {
    "name": "prog_name",
    "status": "prog_status",
    "start_year": "prog_start_year",
    "activities": "prog_activities",
    "activities_other": "prog_activities_other",
    "stages": "prog_stages",
    "target_groups": "prog_groups",
    "country": "prog_country",
    "places": "prog_places",
    "partner_types": "prog_partners",
    "partner_societies": "prog_partner_ns",
    "funding": "prog_funding",
    "people_reached": "prog_reached",
    "reached_basis": "prog_reached_basis",
    "contact_role": "prog_contact_role",
}
# prefix of the 0/1 columns -> register column of the multiple choice
_FLAGS = {
    "activity": "activities",
    "stage": "stages",
    "group": "target_groups",
    "partner": "partner_types",
    "funding": "funding",
}
#: Leading columns of the register (0/1 columns ``<prefix>__<code>`` follow each
#: multiple choice; see :func:`programme_register`).
PROGRAMME_COLUMNS = (
    "programme_id",
    "ns_iso3",
    "zone",
    "year",
    "name",
    "status",
    "ran_last_12_months",
    "start_year",
    *[c for c in PROGRAMME_QUESTIONS if c not in ("name", "status", "start_year")],
    "id_rule",
    "_key",
    "_file",
    "_row",
)
_ARABIC_TATWEEL = "\u0640"


def programme_slug(name: object) -> str:
    """A programme name normalised for its id (see the module docstring).

    Examples
    --------
    >>> programme_slug("Migrant Help-Desk (Calais)")
    'migrant-help-desk-calais'
    >>> programme_slug("Santé des migrants") == programme_slug("SANTE DES MIGRANTS")
    True
    """
    if name is None or name is pd.NA or (isinstance(name, float) and np.isnan(name)):
        return ""
    text = unicodedata.normalize("NFKD", str(name)).replace(_ARABIC_TATWEEL, "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return "-".join(w for w in re.split(r"[\W_]+", text) if w)


def programme_id(ns_iso3: str, name: object) -> str:
    """The id of programme ``name`` of Society ``ns_iso3`` (no override applied)."""
    return f"{str(ns_iso3).strip().upper()}-{programme_slug(name)}"


def read_programme_ids(
    path: str | Path, *, frame: pd.DataFrame | None = None
) -> dict[tuple[str, str], str]:
    """Read the programme-id override table.

    Parameters
    ----------
    path : str or Path
        UTF-8 CSV with ``ns_iso3``, ``name``, ``same_as`` and optionally ``note``.
    frame : pandas.DataFrame, optional
        Membership frame the Society codes must belong to.

    Returns
    -------
    dict
        ``(ns_iso3, slug of name)`` -> slug of the name it resolves to (chains
        followed).

    Raises
    ------
    InputError
        Naming the file, row, column and value: a missing column or value, an unknown
        Society, a name listed twice with different earlier names, or a cycle.
    """
    source = Path(path)
    table = read_table_file(
        source,
        "programme-id override file",
        columns=("ns_iso3", "name", "same_as"),
        optional=("note",),
        empty_ok=True,
    )
    if table is None:
        return {}
    known = set(frame["iso3"].astype(str).str.upper()) if frame is not None else None
    links: dict[tuple[str, str], str] = {}
    for k, rec in enumerate(table.to_dict("records"), start=2):
        iso = str(rec["ns_iso3"]).strip().upper()
        for col in ("ns_iso3", "name", "same_as"):
            if not str(rec[col]).strip():
                raise InputError(
                    "the cell is empty.", file=source, row=k, column=col, hint="fill it in."
                )
        if known is not None and iso not in known:
            raise InputError(
                "unknown National Society code.",
                file=source,
                row=k,
                column="ns_iso3",
                value=rec["ns_iso3"],
                hint="use the ISO3 code of a Society of the membership frame.",
            )
        key, target = (iso, programme_slug(rec["name"])), programme_slug(rec["same_as"])
        if not key[1] or not target:
            raise InputError(
                "the name has no letter or digit.",
                file=source,
                row=k,
                column="name" if not key[1] else "same_as",
                value=rec["name"] if not key[1] else rec["same_as"],
                hint="write the programme's name as reported.",
            )
        if links.get(key, target) != target:
            raise InputError(
                f"this name is already linked to another earlier name ({links[key]!r}).",
                file=source,
                row=k,
                column="same_as",
                value=rec["same_as"],
                hint="keep one row per renamed programme.",
            )
        if key[1] != target:
            links[key] = target
    resolved: dict[tuple[str, str], str] = {}
    for (iso, slug), target in links.items():
        seen = {slug}
        while (iso, target) in links:
            if target in seen:
                raise InputError(
                    f"the names of Society {iso} link back to themselves ({slug!r}).",
                    file=source,
                    column="same_as",
                    value=target,
                    hint="remove one row of the cycle.",
                )
            seen.add(target)
            target = links[(iso, target)]
        resolved[(iso, slug)] = target
    return resolved


def _text(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.where(text != "")


def _codes(answer: pd.Series) -> list[set[str]]:
    return [set(str(v).split()) if isinstance(v, str) else set() for v in answer.astype(object)]


def _list_of(instrument: Instrument, question: str) -> list[str]:
    try:
        return list(instrument.choice_names(str(instrument.question(question)["list_name"])))
    except KeyError:
        return []


def programme_register(
    repeat: pd.DataFrame,
    instrument: Instrument,
    *,
    frame: pd.DataFrame,
    overrides: Mapping[tuple[str, str], str] | None = None,
    year: int | None = None,
    unit: str = "ns_iso3",
) -> pd.DataFrame:
    """The ``programmes`` table: one row per programme listed in the questionnaires.

    Parameters
    ----------
    repeat : pandas.DataFrame
        The long table of the programme repeat (``IngestResult.repeats["programme"]``
        or the database's ``responses__programme``).
    instrument : Instrument
        Supplies the choice lists of the multiple choices.
    frame : pandas.DataFrame
        Membership frame (``iso3``, ``zone``).
    overrides : mapping, optional
        From :func:`read_programme_ids`.
    year : int, optional
        Year of the round (column ``year``).
    unit : str, default "ns_iso3"
        Key column of the questionnaires; the Society is ``ns_iso3`` where the table has
        it.

    Returns
    -------
    pandas.DataFrame
        :data:`PROGRAMME_COLUMNS`, with 0/1 columns ``activity__<code>``,
        ``stage__<code>``, ``group__<code>``, ``partner__<code>`` and
        ``funding__<code>`` (``Int8``, missing where the question was not answered)
        after the space-separated answer they come from; ``partner_societies`` are
        ISO3 codes; ``ran_last_12_months`` is False only for planned programmes.
        Sorted by Society and order of entry.
    """
    society = "ns_iso3" if "ns_iso3" in repeat else unit
    n = len(repeat)
    out = pd.DataFrame(index=repeat.index)
    iso = (
        repeat[society].astype("string").str.strip().str.upper() if n else pd.Series(dtype="string")
    )
    out["ns_iso3"] = iso
    zones = frame.assign(iso3=frame["iso3"].astype(str).str.upper()).set_index("iso3")["zone"]
    out["zone"] = iso.map(zones).astype("string")
    out["year"] = pd.array([year] * n, dtype="Int64")
    for col, q in PROGRAMME_QUESTIONS.items():
        src = repeat[q] if q in repeat else pd.Series(pd.NA, index=repeat.index)
        if col in ("start_year", "people_reached"):
            out[col] = pd.to_numeric(src, errors="coerce").astype("Int64")
        else:
            out[col] = _text(src)
    out["ran_last_12_months"] = out["status"].fillna("").ne("planned").astype(bool)
    slug = out["name"].map(programme_slug)
    rule = pd.Series(np.where(slug == "", "unnamed", "name"), index=out.index, dtype=object)
    if overrides:
        target = [overrides.get((s, g)) for s, g in zip(iso.fillna(""), slug, strict=True)]
        moved = pd.Series([t is not None for t in target], index=out.index)
        slug = slug.where(~moved, pd.Series(target, index=out.index))
        rule = rule.where(~moved, "same_as")
    position = (
        repeat["_position"].astype("Int64").astype(str)
        if "_position" in repeat
        else pd.Series(range(1, n + 1), index=out.index).astype(str)
    )
    slug = slug.where(slug != "", "programme-" + position)
    keys = repeat[unit].astype("string") if unit in repeat else iso
    nth = pd.DataFrame({"k": keys.to_numpy(), "s": slug.to_numpy()}).groupby(["k", "s"]).cumcount()
    again = nth.to_numpy() > 0
    slug = slug.where(~again, slug + "-" + (nth + 1).astype(str).to_numpy())
    rule = rule.where(~again, "name, numbered")
    out.insert(0, "programme_id", (iso.fillna("") + "-" + slug).astype("string"))
    out["id_rule"] = rule.astype("string")
    for col in ("_key", "_file", "_row"):
        out[col] = repeat.get(col, pd.NA)
    cols: list[str] = []
    for col in PROGRAMME_COLUMNS:
        cols.append(col)
        prefix = next((p for p, c in _FLAGS.items() if c == col), None)
        if prefix is None:
            continue
        chosen = _codes(out[col])
        answered = out[col].notna().to_numpy()
        for code in _list_of(instrument, PROGRAMME_QUESTIONS[col]):
            flag = pd.array([int(code in c) for c in chosen], dtype="Int8")
            flag[~answered] = pd.NA
            out[f"{prefix}__{code}"] = flag
            cols.append(f"{prefix}__{code}")
    order = ["ns_iso3", "_position"] if "_position" in repeat else ["ns_iso3"]
    out = out.assign(_position=repeat.get("_position", pd.Series(range(n), index=repeat.index)))
    return out.sort_values(order, kind="stable")[cols].reset_index(drop=True)


def activities_from_programmes(
    data: pd.DataFrame,
    repeat: pd.DataFrame,
    instrument: Instrument,
    *,
    unit: str = "ns_iso3",
    question: str = "activities",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The activity-type answers of Societies that list programmes, from the programmes.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per questionnaire (``IngestResult.data``) with the activity-type
        question as a space-separated column and ``<question>__<code>`` 0/1 columns.
    repeat : pandas.DataFrame
        The long table of the programme repeat.
    instrument : Instrument
    unit : str, default "ns_iso3"
        Key linking the two tables.
    question : str, default "activities"
        The Society-level activity-type question.

    Returns
    -------
    data : pandas.DataFrame
        A copy of ``data`` where every questionnaire listing a programme that ran in
        the last 12 months has as its answer the union of those programmes' activity
        types (the others unchanged).
    replaced : pandas.DataFrame
        The questionnaires whose own answer to ``question`` was given and differs from
        the programmes' types: ``unit``, ``_file``, ``_row``, ``answered`` and
        ``from_programmes`` (space-separated codes).
    """
    codes = _list_of(instrument, question)
    status_q, acts_q = PROGRAMME_QUESTIONS["status"], PROGRAMME_QUESTIONS["activities"]
    out = data.copy()
    empty = pd.DataFrame(columns=[unit, "_file", "_row", "answered", "from_programmes"])
    if not codes or repeat.empty or acts_q not in repeat or unit not in repeat:
        return out, empty
    status = (
        repeat[status_q].astype("string").fillna("")
        if status_q in repeat
        else pd.Series("", index=repeat.index)
    )
    ran = repeat[status.ne("planned")]
    union: dict[str, set[str]] = {}
    for key, chosen in zip(ran[unit].astype(str), _codes(ran[acts_q]), strict=True):
        union.setdefault(key, set()).update(chosen)
    union = {k: v & set(codes) for k, v in union.items() if v & set(codes)}
    keys = out[unit].astype(str)
    hit = keys.isin(list(union)).to_numpy()
    if not hit.any():
        return out, empty
    derived = [" ".join(c for c in codes if c in union.get(k, ())) for k in keys]
    before = out[question].astype("string").fillna("") if question in out else None
    for code in codes:
        col = f"{question}__{code}"
        values = pd.Series([int(code in union.get(k, ())) for k in keys], index=out.index)
        old = out[col] if col in out else pd.Series(pd.NA, index=out.index)
        out[col] = values.where(hit, old).astype("Int8")
    new = pd.Series(derived, index=out.index, dtype="string")
    kept = out[question] if question in out else pd.Series(pd.NA, index=out.index)
    out[question] = new.where(hit, kept).astype("string")
    if before is None:
        return out, empty
    normal = before.str.split().map(lambda v: " ".join(c for c in codes if c in set(v)))
    differs = hit & before.ne("").to_numpy() & (normal != new).to_numpy()
    replaced = pd.DataFrame(
        {
            unit: out.loc[differs, unit],
            "_file": out.loc[differs, "_file"] if "_file" in out else pd.NA,
            "_row": out.loc[differs, "_row"] if "_row" in out else pd.NA,
            "answered": before[differs],
            "from_programmes": new[differs],
        }
    )
    return out, replaced.reset_index(drop=True)
