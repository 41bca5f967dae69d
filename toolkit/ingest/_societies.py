"""Identifying the National Society of every row of an export (mapping studies).

The Society column of an export holds whatever the respondent or the form wrote: an
ISO3 or ISO2 code, the Society's or the country's name in English, French, Spanish or
Arabic (with or without accents), an FDRS code, an IFRC GO id, or a choice of the
form's Society list by name or label.  :func:`match_society_column` identifies each
value against the membership frame through :func:`toolkit.frame.match_societies` and
:func:`apply_society_rules` turns the outcome into quarantine decisions and issues:

* identified rows keep the Society's frame key (``ns_iso3``) and the rule that
  identified it (``society_match``: ``iso3``, ``iso2``, ``fdrs``, ``go_id``, ``name``,
  ``fuzzy`` or ``choice_label``, the label of a choice of the form's Society list);
* an accepted **fuzzy** match (similarity at least the threshold, 0.85, and clear of
  every other Society) is accepted *with an informational issue* (rule
  ``fuzzy_society``): the analyst must see every Society that was identified by
  similarity rather than by a code or an exact name.  A column read as IFRC GO ids
  (only numbers) gets one informational issue too (rule ``society_go_ids``);
* a **near miss** (best similarity below the threshold) is never accepted: the row is
  quarantined (rule ``near_miss_society``) and the issue suggests the Society
  ("'Croix Rouge Beninoise du Nord': not identified; did you mean BEN ...?");
* a value that can name several Societies, only generic words ("Red Cross") or a bare
  number among names (not read as a GO id) is quarantined as ``ambiguous_society``;
* a value like no Society, or of a Society outside the frame, is quarantined as
  ``unknown_society``; a blank cell as ``missing_society``.

Every quarantine issue names the file, row, column and value, says why and what to do
(write the Society's ISO3 code in the export, or add the spelling to the crosswalk).
"""

from __future__ import annotations

import hashlib
import pickle
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from toolkit.errors import ExportReadError
from toolkit.frame import (
    ACCEPTED_RULES,
    bundled_crosswalk_path,
    check_crosswalk,
    load_crosswalk,
    match_societies,
)
from toolkit.ingest._issues import IssueLog
from toolkit.ingest._rows import RowRules, list_for
from toolkit.ingest._stack import factorize_text
from toolkit.ingest._values import label_lookup, parse_select_one
from toolkit.instrument import Instrument

__all__ = [
    "SOCIETY_MATCH_RULES",
    "SocietyMatch",
    "apply_society_rules",
    "match_society_column",
    "society_crosswalk",
]

#: Values of the ``society_match`` column of accepted rows.
SOCIETY_MATCH_RULES: tuple[str, ...] = (*ACCEPTED_RULES, "choice_label")

# crosswalk rule of an unidentified value -> quarantine rule
_QUARANTINE = {
    "not_found": "unknown_society",
    "not_in_frame": "unknown_society",
    "near_miss": "near_miss_society",
    "ambiguous": "ambiguous_society",
    "number": "ambiguous_society",
}
_ADVICE = {
    "unknown_society": "Write the Society's ISO3 code in the export (a corrected copy: "
    "raw files are never changed), or add this spelling to the crosswalk "
    "(read_export(crosswalk=...)); add the Society to the membership frame if it is a "
    "member that is missing there.",
    "near_miss_society": "If the suggestion is right, write its ISO3 code in the export "
    "(a corrected copy) or add this spelling to the crosswalk (read_export(crosswalk=...)).",
    "ambiguous_society": "Write the Society's ISO3 code in the export (a corrected copy).",
}
_ISO3_SHAPE = re.compile(r"[A-Z]{3}")


@dataclass
class SocietyMatch:
    """The Society of every row of an export.

    Attributes
    ----------
    column : str
        The export header of the Society question.
    value : pandas.Series
        The cell as written (trimmed; missing where blank).
    iso3 : pandas.Series
        The Society's frame key, missing unless identified.
    rule : pandas.Series
        How it was identified (:data:`SOCIETY_MATCH_RULES`), or why not
        (:data:`toolkit.frame.MATCH_RULES`).
    message : pandas.Series
        The crosswalk's sentence for the issues table (missing for codes and exact
        names).
    """

    column: str
    value: pd.Series
    iso3: pd.Series
    rule: pd.Series
    message: pd.Series

    @property
    def identified(self) -> pd.Series:
        """True where the row's Society is identified."""
        return self.iso3.notna()

    def row_key(self) -> pd.Series:
        """The Society of each row for issues and quarantine: the frame key where
        identified, else the value upper-cased when it is shaped like an ISO3 code."""
        code = self.value.str.upper()
        shaped = code.str.fullmatch(_ISO3_SHAPE.pattern).fillna(False).astype(bool)
        return self.iso3.fillna(code.where(shaped)).astype("string")


def society_crosswalk(extra: pd.DataFrame | str | Path | None) -> pd.DataFrame | None:
    """The bundled crosswalk plus a study's own rows (``None`` when there are none).

    Parameters
    ----------
    extra : DataFrame, str or Path, optional
        Rows with the columns of :data:`toolkit.frame.CROSSWALK_COLUMNS` (a CSV file or
        a table), added to the bundled crosswalk.

    Returns
    -------
    pandas.DataFrame or None

    Raises
    ------
    FrameError
        If the rows lack a column or a row lacks its iso3, kind or variant.
    """
    if extra is None:
        return None
    own = check_crosswalk(extra) if isinstance(extra, pd.DataFrame) else load_crosswalk(extra)
    return pd.concat([load_crosswalk(), own], ignore_index=True)


def match_society_column(
    society: str,
    fields: dict[str, str],
    table: pd.DataFrame,
    instrument: Instrument,
    frame: pd.DataFrame,
    path: Path,
    header_row: int,
    *,
    go_ids: bool | None = None,
    crosswalk: pd.DataFrame | None = None,
) -> SocietyMatch:
    """Identify the Society of every row of an export.

    A value that is a choice of the form's Society list (by name or label) is read as
    that choice: its name when the name is a key of the frame (rule ``iso3``, or
    ``choice_label`` when the cell held the label), else the choice's labels and name
    through the crosswalk (choice names that are numbers are never GO ids unless
    ``go_ids`` is true).  Any other value goes through the crosswalk as written.

    Parameters
    ----------
    society : str
        The question holding the Society.
    fields : dict of str to str
        Question -> export header.
    table : pandas.DataFrame
        The submissions, as strings ("no answer" tokens blanked).
    instrument : Instrument
    frame : pandas.DataFrame
        The membership frame.
    path : Path
        The export (for errors).
    header_row : int
        Its header row (for errors).
    go_ids : bool, optional
        Whether bare numbers are IFRC GO ids (see :func:`toolkit.frame.match_societies`).
    crosswalk : pandas.DataFrame, optional
        The crosswalk (bundled by default).

    Returns
    -------
    SocietyMatch

    Raises
    ------
    ExportReadError
        If the export has no column for ``society``.
    """
    if society not in fields:
        raise ExportReadError(
            f"the export has no column for '{society}', which identifies each National Society.",
            file=path,
            row=header_row,
            hint=f"export again with the '{society}' question included, or name the right "
            "unit/society question.",
        )
    header = fields[society]
    # Each distinct value is matched once (a Society's rows share its few spellings).
    codes, distinct = factorize_text(table[header].to_numpy(dtype=object))
    found: tuple[pd.Series, ...]
    if len(distinct) == len(table):
        found = _match_values(society, header, table, instrument, frame, go_ids, crosswalk)
    else:
        small = pd.DataFrame({header: distinct.to_numpy()}, index=pd.RangeIndex(len(distinct)))
        found = tuple(
            pd.Series(s.array.take(codes), index=table.index, name=s.name)
            for s in _match_values(society, header, small, instrument, frame, go_ids, crosswalk)
        )
    return SocietyMatch(header, *found)


def _match_values(
    society: str,
    header: str,
    table: pd.DataFrame,
    instrument: Instrument,
    frame: pd.DataFrame,
    go_ids: bool | None,
    crosswalk: pd.DataFrame | None,
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Value, frame key, rule and message of each row of ``table[header]`` (see
    :func:`match_society_column`); each row's outcome depends on its value alone."""
    values = table[header].astype("string").str.strip().replace({"": pd.NA})
    iso3 = pd.Series(pd.NA, index=table.index, dtype="string")
    rule = pd.Series("missing", index=table.index, dtype="string")
    message = pd.Series(pd.NA, index=table.index, dtype="string")

    def take(m: pd.DataFrame, prefix: pd.Series | None = None) -> None:
        """Store the outcome of rows ``m.index`` (labels of ``table``)."""
        at = m.index
        iso3.loc[at] = m["iso3"].to_numpy()
        rule.loc[at] = m["rule"].to_numpy()
        msg = m["message"] if prefix is None else prefix.loc[at] + m["message"]
        message.loc[at] = msg.to_numpy()

    def match(texts: pd.Series, go: bool | None) -> pd.DataFrame:
        return _match_kept(texts, frame, crosswalk, go)

    free = values.notna()
    lst = list_for(instrument, society)
    if lst is not None:
        choices = instrument.choices[lst]
        mapped, _ = parse_select_one(values, *_names_lookup(choices))
        keys = set(frame["iso3"].astype("string").str.strip().str.upper().dropna())
        upper = mapped.str.upper()
        is_key = (mapped.notna() & upper.isin(keys)).fillna(False).astype(bool)
        iso3[is_key] = upper[is_key]
        rule[is_key] = "iso3"
        as_label = is_key & (values.str.upper() != upper).fillna(False).astype(bool)
        rule[as_label] = "choice_label"
        other = (mapped.notna() & ~is_key).fillna(False).astype(bool)
        free &= mapped.isna()
        if other.any():
            # a choice whose name is not a frame key: its labels, then its name (a
            # number there is a choice index, not a GO id, unless go_ids says so)
            prefix = "(choice '" + mapped.fillna("") + f"' of list '{lst}') "
            names = mapped[other]
            by_name = choices.assign(name=choices["name"].astype(str)).set_index("name")
            by_name = by_name[~by_name.index.duplicated()]
            shown = pd.Series(False, index=table.index)  # an outcome is already kept
            labels = [str(c) for c in choices.columns if str(c).startswith("label")]
            texts = [names.map(by_name[c].to_dict()) for c in labels]
            for text, go in [*((t, False) for t in texts), (names, bool(go_ids))]:
                todo = iso3[names.index].isna().to_numpy()
                text = text[todo].astype("string").str.strip()
                text = text[text.notna() & (text != "")]
                if len(text):
                    m = match(text, go)
                    keep = m["iso3"].notna().to_numpy() | ~shown[m.index].to_numpy()
                    take(m[keep], prefix)
                    shown[m.index] = True
    if free.any():
        take(match(values[free], go_ids))
    return values, iso3, rule, message


_KEEP = 64  # sets of values whose matches are kept
_kept: OrderedDict[tuple[object, ...], pd.DataFrame] = OrderedDict()
_kept_lock = threading.Lock()


def _digest(obj: object) -> str:
    return hashlib.sha256(pickle.dumps(obj, protocol=5)).hexdigest()


def _match_kept(
    texts: pd.Series, frame: pd.DataFrame, crosswalk: pd.DataFrame | None, go: bool | None
) -> pd.DataFrame:
    """:func:`toolkit.frame.match_societies` of ``texts``, kept between reads.

    The matches of a set of distinct values depend on those values, the frame, the
    crosswalk (the bundled one: its file) and ``go``; they are kept by the content of
    all four, so that reading the same export again does not build the crosswalk's
    index again.  Each value is matched once, as :func:`match_societies` does.
    """
    distinct = list(dict.fromkeys(texts.tolist()))
    try:
        source = bundled_crosswalk_path().read_bytes() if crosswalk is None else crosswalk
        key: tuple[object, ...] = (tuple(distinct), _digest(frame), _digest(source), go)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return match_societies(texts, frame, crosswalk=crosswalk, go_ids=go)
    with _kept_lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
    if found is None:
        values = pd.Series(distinct, dtype=texts.dtype)
        found = match_societies(values, frame, crosswalk=crosswalk, go_ids=go)
        with _kept_lock:
            _kept[key] = found
            while len(_kept) > _KEEP:
                _kept.popitem(last=False)
    at = pd.Index(distinct, dtype=object).get_indexer(texts.tolist())
    return found.iloc[at].set_axis(texts.index)


_lookups: OrderedDict[str, tuple[list[str], dict[str, str]]] = OrderedDict()


def _names_lookup(choices: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """Names and :func:`label_lookup` of the Society list, kept by its content."""
    try:
        key = _digest(choices)
    except (pickle.PicklingError, TypeError, AttributeError):
        return choices["name"].astype(str).tolist(), label_lookup(choices)
    with _kept_lock:
        found = _lookups.get(key)
    if found is None:
        found = (choices["name"].astype(str).tolist(), label_lookup(choices))
        with _kept_lock:
            _lookups[key] = found
            while len(_lookups) > _KEEP:
                _lookups.popitem(last=False)
    return found[0], dict(found[1])


def apply_society_rules(
    match: SocietyMatch, rows: RowRules, issues: IssueLog, society: str
) -> pd.Series:
    """Quarantine the rows whose Society is not identified; report fuzzy matches.

    Parameters
    ----------
    match : SocietyMatch
    rows : RowRules
        The row decisions (rows already quarantined keep their first reason).
    issues : IssueLog
    society : str
        The Society question (named in the issues).

    Returns
    -------
    pandas.Series
        The Society's frame key of every row (missing where not identified).
    """
    shown = match.value.fillna("")
    blank = match.value.isna() | (match.rule == "missing").fillna(False).astype(bool)
    rows.reject(
        blank,  # also "-", "?", "none" ...
        f"missing National Society code ('{society}')",
        "missing_society",
        match.column,
        shown,
    )
    for crosswalk_rule, q_rule in _QUARANTINE.items():
        hit = (match.rule == crosswalk_rule).fillna(False).astype(bool) & match.value.notna()
        if not hit.any():
            continue
        why = match.message.fillna("'" + shown + "': not identified.") + " " + _ADVICE[q_rule]
        if q_rule == "unknown_society":  # an unknown code reads as before
            code = match.value.str.upper()
            iso3_shaped = code.str.fullmatch(_ISO3_SHAPE.pattern).fillna(False).astype(bool)
            old = (
                "Society code "
                + code
                + " is not in the membership frame (a typo, or a Society missing from the "
                "frame?): correct the code in the export (a corrected copy), or add the "
                "Society to the membership frame."
            )
            why = why.where(~iso3_shaped, old)
        rows.reject(hit, why, q_rule, match.column, shown)
    unknown = ~match.identified
    rows.reject(  # never reached by the rules above; a row without a Society never passes
        unknown,
        ("'" + shown[unknown] + "': not identified. " + _ADVICE["unknown_society"]).reindex(
            shown.index
        ),  # the message of the rows it quarantines only
        "unknown_society",
        match.column,
        shown,
    )
    _accepted_notes(match, rows, issues)
    return match.iso3


def _accepted_notes(match: SocietyMatch, rows: RowRules, issues: IssueLog) -> None:
    """Informational issues on accepted rows: fuzzy matches, a column of GO ids."""
    accepted = rows.accepted & match.identified
    noted = accepted & match.message.notna()
    fuzzy = noted & (match.rule == "fuzzy").fillna(False).astype(bool)
    for mask, rule in ((fuzzy, "fuzzy_society"), (noted & ~fuzzy, "society_note")):
        if mask.any():
            issues.block(
                match.value.index[mask.to_numpy()],
                match.value[mask],
                column=match.column,
                problem=match.message[mask].astype(str),
                action="row accepted with the Society named: check it, and correct the "
                "export (a corrected copy) if it is wrong",
                rule=rule,
            )
    go = accepted & (match.rule == "go_id").fillna(False).astype(bool)
    if go.any():
        issues.add(
            row=None,
            column=match.column,
            value=f"{int(go.sum())} row(s)",
            problem="the Society column holds only numbers: they were read as IFRC GO "
            "country ids (the Society of each row is in ns_iso3, the rule in society_match).",
            action="check that the column holds GO ids; if not, write ISO3 codes instead",
            rule="society_go_ids",
        )
