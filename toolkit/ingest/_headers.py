"""Mapping export headers to instrument questions.

KoboToolbox, Ona, ODK Central and ODK Briefcase write headers in many styles: XML
names with or without group paths, the groups joined by ``/`` (Kobo), ``-`` (ODK),
``.`` (exports re-written by R) or ``:``; question labels in any of the form's
languages; one column per option of a select_multiple question (``q/option``, or
``q/<option label>``); the parts of a geopoint (``_q_latitude`` in Kobo,
``q-Latitude`` in ODK); repeat groups spread over columns with instance numbers
(``children[2]/name``, ``a[1]/b[2]/q``).  Field names may themselves hold dots or
dashes (``Q1.1``): every spelling is resolved against the instrument's own names, so
``Q1.1`` is a question and ``grp.Q1.1`` the same question below group ``grp``.

:class:`HeaderMap` says what each header holds, for the submission table or for the
table of one repeat group; :func:`check_roles` demotes extra columns that hold what
another column already holds; :func:`header_style` names the style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandas as pd

from toolkit.ingest._form import FormShape
from toolkit.ingest._meta import canonical_meta
from toolkit.instrument import Instrument

__all__ = ["SEPARATORS", "ColumnRole", "HeaderMap", "check_roles", "header_style"]

#: Group separators in export headers, in the order they are tried.
SEPARATORS = ("/", "-", ".", ":")
_INDEX = re.compile(r"\[(\d+)\]")
_ODK_GEO = {
    "latitude": "latitude",
    "longitude": "longitude",
    "altitude": "altitude",
    "accuracy": "precision",
    "precision": "precision",
}
_KOBO_GEO = re.compile(r"(.+)_(latitude|longitude|altitude|precision)", re.IGNORECASE)
_KOBO_GEO_START = re.compile(r"(?:^|(?<=[/\-.:]))_")
GEO_TYPES = ("geopoint", "start-geopoint")


def _norm(text: str) -> str:
    text = re.sub(r"[*_`]{1,2}", "", str(text))  # markdown emphasis in labels
    return re.sub(r"\s+", " ", text).strip().casefold()


def _options(table: pd.DataFrame | None) -> tuple[set[str], dict[str, str]]:
    """A choice list's names, and its labels and names (normalised) -> name."""
    if table is None:
        return set(), {}
    lab_map: dict[str, str] = {}
    for col in [c for c in table.columns if c.startswith("label")]:
        for n, lab in zip(table["name"], table[col]):
            if isinstance(lab, str) and lab.strip():
                lab_map.setdefault(_norm(lab), str(n))
    for n in table["name"].astype(str):
        lab_map.setdefault(_norm(n), n)
    return set(table["name"].astype(str)), lab_map


@dataclass(frozen=True)
class ColumnRole:
    """What one export column holds.

    Attributes
    ----------
    kind : str
        ``"field"``, ``"option"`` (one option of a select_multiple question), ``"geo"``
        (one part of a geopoint), ``"meta"``, ``"note"`` (a note of the form, which
        holds no answer) or ``"unknown"``.
    question : str
        The question (canonical metadata name for ``meta``).
    option : str
        The option, or the geopoint part (``latitude``, ``longitude``, ``altitude``,
        ``precision``).
    index : tuple of int
        Instance numbers of a repeat question spread over columns, outermost first.
    note : str
        Why an ``unknown`` column was not used.
    exact : bool
        Whether the header spells the question's name as the form does, case
        included; ``False`` for a match found only by ignoring case, or by label.
        XLSForm names are case-sensitive, so an exact column beats a folded one.
    """

    kind: str
    question: str = ""
    option: str = ""
    index: tuple[int, ...] = ()
    note: str = ""
    exact: bool = True


@dataclass
class HeaderMap:
    """Recognises export headers against an instrument.

    Parameters
    ----------
    instrument : Instrument
        The form the data were collected with.
    shape : FormShape, optional
        Its repeats (derived from ``instrument`` when omitted).
    """

    instrument: Instrument
    shape: FormShape | None = None
    names: set[str] = field(init=False)
    groups: set[str] = field(init=False)
    types: dict[str, str] = field(init=False)
    select_multiple: dict[str, set[str]] = field(init=False)
    option_labels: dict[str, dict[str, str]] = field(init=False)
    labels: dict[str, str] = field(init=False)
    _spelled: dict[str, list[str]] = field(init=False)
    _folded: dict[str, list[str]] = field(init=False)
    _notes: dict[str, list[str]] = field(init=False)
    _cache: dict[str, list[ColumnRole]] = field(init=False)

    def __post_init__(self) -> None:
        self.shape = self.shape or FormShape(self.instrument)
        q = self.instrument.questions
        data_q = self.shape.fields
        self.names = set(data_q["name"])
        self.types = dict(zip(data_q["name"], data_q["type"]))
        containers = q[q["type"].isin(["begin_group", "begin_repeat", "begin_loop"])]
        self.groups = {p for g in containers["group"] for p in str(g).split("/") if p}
        self.groups |= {str(n).rsplit("/", 1)[-1] for n in containers["name"]}
        self._spelled, self._folded = self._spellings(data_q)
        self._notes, _ = self._spellings(q[q["type"] == "note"])
        self.labels = {}
        for col in [c for c in q.columns if c.startswith("label::")]:
            for name, lab in zip(q["name"], q[col]):
                if isinstance(lab, str) and lab.strip() and name in self.names:
                    self.labels.setdefault(_norm(lab), name)
        self.select_multiple, self.option_labels = {}, {}
        multiple = data_q[data_q["type"] == "select_multiple"]
        by_list: dict[object, tuple[set[str], dict[str, str]]] = {}
        for name, list_name in zip(multiple["name"], multiple["list_name"]):
            if list_name not in by_list:
                by_list[list_name] = _options(self.instrument.choices.get(list_name))
            names, lab_map = by_list[list_name]
            self.select_multiple[name] = set(names)
            self.option_labels[name] = dict(lab_map)
        self._cache = {}

    @staticmethod
    def _spellings(rows: pd.DataFrame) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Every way an export may write each question's path -> question names
        (exactly, and case-folded)."""
        spelled: dict[str, list[str]] = {}
        folded: dict[str, list[str]] = {}
        shorts = rows["short_name"] if "short_name" in rows else rows["name"]
        for name, group, short in zip(rows["name"], rows["group"], shorts):
            path = [g for g in str(group).split("/") if g]
            xml = str(short).rsplit("/", 1)[-1]
            for i in range(len(path) + 1):
                for sep in SEPARATORS:
                    key = sep.join([*path[i:], xml])
                    for book, k in ((spelled, key), (folded, key.casefold())):
                        hits = book.setdefault(k, [])
                        if name not in hits:
                            hits.append(name)
        return spelled, folded

    # -- one header ---------------------------------------------------------------------
    def role(self, header: str, table: str = "") -> ColumnRole:
        """Classify one header.

        Parameters
        ----------
        header : str
            A column header as written in the export.
        table : str, default ""
            The table the column is in: ``""`` for the submissions (where repeat
            questions may be spread over columns with instance numbers), else the
            name of the repeat group whose own table (sheet, CSV file) this is.

        Returns
        -------
        ColumnRole
        """
        assert self.shape is not None
        h = header.strip()
        exact = self._spelled.get(h, [])
        if any(self.shape.table_of[q] == table for q in exact):
            return ColumnRole("field", next(q for q in exact if self.shape.table_of[q] == table))
        meta = canonical_meta(h)
        if meta is not None:
            return ColumnRole("meta", meta)
        index = tuple(int(n) for n in _INDEX.findall(h))
        plain = _INDEX.sub("", h) if index else h
        candidates = self._candidates(plain)
        for cand in candidates:
            home = self.shape.table_of[cand.question]
            if table == "" and home != "" and len(index) == self.shape.depth(home):
                return replace(cand, index=index)
            if home == table and not index:
                return cand
        if not candidates:
            notes = self._notes.get(plain, [])
            return ColumnRole("note", notes[0]) if notes else ColumnRole("unknown")
        q = candidates[0].question
        home = self.shape.table_of[q]
        if table and home != table:
            where = f"repeat group '{home}'" if home else "the submission (main table)"
            note = f"question '{q}' belongs to {where}, not to repeat group '{table}'"
        elif home and not index:
            note = (
                f"question '{q}' is in repeat group '{home}' but the column has no instance "
                "number (a flattened export with one row per repeat instance?)"
            )
        elif index and not home:
            note = f"question '{q}' is not in a repeat group but the column has instance numbers"
        else:
            note = f"the instance numbers do not match the nesting of repeat group '{home}'"
        return ColumnRole("unknown", q, note=note)

    def _lookup(self, key: str) -> list[str]:
        return self._spelled.get(key) or self._folded.get(key.casefold(), [])

    def _candidates(self, plain: str) -> list[ColumnRole]:
        """Every question (option, geopoint part) ``plain`` may hold, best first."""
        if plain in self._cache:
            return self._cache[plain]
        out = self._strict(plain)
        if not out:
            out = self._loose(plain)
        if not out:
            label = self._label_role(plain)
            out = [label] if label is not None else []
        self._cache[plain] = out
        return out

    def _strict(self, plain: str) -> list[ColumnRole]:
        out = [ColumnRole("field", q) for q in self._spelled.get(plain, [])]
        for sep in SEPARATORS:
            if sep not in plain:
                continue
            head, tail = plain.rsplit(sep, 1)
            exact = head in self._spelled
            for q in self._lookup(head):
                if q in self.select_multiple:
                    opt = tail if tail in self.select_multiple[q] else None
                    opt = opt or self.option_labels[q].get(_norm(tail))
                    if opt is not None:
                        out.append(ColumnRole("option", q, opt, exact=exact))
                elif self.types.get(q) in GEO_TYPES and tail.casefold() in _ODK_GEO:
                    out.append(ColumnRole("geo", q, _ODK_GEO[tail.casefold()], exact=exact))
        for m in _KOBO_GEO_START.finditer(plain):
            geo = _KOBO_GEO.fullmatch(plain[m.end() :])
            if geo is not None:
                head = plain[: m.start()] + geo.group(1)
                for q in self._lookup(head):
                    if self.types.get(q) in GEO_TYPES:
                        part = geo.group(2).casefold()
                        out.append(ColumnRole("geo", q, part, exact=head in self._spelled))
        if not out:  # the name with other capitals ('REGION' for 'region'): a weaker match
            folded = self._folded.get(plain.casefold(), [])
            out = [ColumnRole("field", q, exact=False) for q in folded]
        if not out and "_" in plain:  # "q_option": option columns as re-written by R scripts
            for m in re.finditer("_", plain):
                head, tail = plain[: m.start()], plain[m.end() :]
                for q in self._spelled.get(head, []):
                    if tail in self.select_multiple.get(q, ()):
                        out.append(ColumnRole("option", q, tail))
        return out

    def _loose(self, plain: str) -> list[ColumnRole]:
        """Headers below a path that is not the question's own (``/``: any path; other
        separators: only group names, since names may hold those characters)."""
        for sep in SEPARATORS:
            parts = plain.split(sep)
            for k in range(1, len(parts)):
                if sep != "/" and not all(p in self.groups for p in parts[:k]):
                    break
                found = self._strict(sep.join(parts[k:]))
                if found:
                    return found
        return []

    def _label_role(self, header: str) -> ColumnRole | None:
        whole = _norm(header)
        if whole in self.labels:
            return ColumnRole("field", self.labels[whole], exact=False)
        parts = header.split("/")
        for k in range(1, len(parts)):
            tail = _norm("/".join(parts[k:]))
            if tail in self.labels:
                return ColumnRole("field", self.labels[tail], exact=False)
        # "<question label>/<option label>" (optionally below group labels)
        for k in range(len(parts) - 1):
            q = self.labels.get(_norm("/".join(parts[k:-1])))
            if q in self.select_multiple:
                opt = self.option_labels[q].get(_norm(parts[-1]))
                if opt is None and parts[-1].strip() in self.select_multiple[q]:
                    opt = parts[-1].strip()
                if opt is not None:
                    return ColumnRole("option", q, opt, exact=False)
        return None

    # -- whole header rows --------------------------------------------------------------
    def score(self, header: list[str]) -> int:
        """Number of cells of a candidate header row that the instrument recognises."""
        n = 0
        for h in header:
            if not h:
                continue
            h = h.strip()
            plain = _INDEX.sub("", h)
            if canonical_meta(h) is not None or self._candidates(plain) or plain in self._notes:
                n += 1
        return n

    def map(self, headers: list[str], table: str = "") -> pd.DataFrame:
        """Classify every header of one table.

        Returns
        -------
        pandas.DataFrame
            Columns ``header``, ``kind``, ``question``, ``option``, ``index`` (tuple),
            ``note`` and ``exact`` (:attr:`ColumnRole.exact`), one row per header.
        """
        roles = [self.role(h, table) for h in headers]
        return pd.DataFrame(
            {
                "header": headers,
                "kind": [r.kind for r in roles],
                "question": [r.question for r in roles],
                "option": [r.option for r in roles],
                "index": pd.Series([r.index for r in roles], dtype=object),
                "note": [r.note for r in roles],
                "exact": [r.exact for r in roles],
            }
        )


_REPEATABLE_META = {"_set_of", "_submission_field"}


def check_roles(roles: pd.DataFrame) -> pd.DataFrame:
    """Demote columns that hold what an earlier column already holds.

    Two columns for the same question (or option, geopoint part or metadata) happen
    with loops, duplicate names and hand-edited exports; the first column that spells
    the name exactly (case included: XLSForm names are case-sensitive) is used, else
    the first column, and the others become ``unknown`` with a note (reported as
    issues, never guessed at).

    Parameters
    ----------
    roles : pandas.DataFrame
        :meth:`HeaderMap.map` of one table's headers.

    Returns
    -------
    pandas.DataFrame
        ``roles`` with the extra columns demoted.
    """
    keys = list(zip(roles["kind"], roles["question"], roles["option"], roles["index"]))
    exact = list(roles["exact"]) if "exact" in roles else [True] * len(roles)
    headers = list(roles["header"])
    used: dict[tuple[object, ...], int] = {}
    for pos, key in enumerate(keys):
        if key[0] == "unknown" or (key[0] == "meta" and key[1] in _REPEATABLE_META):
            continue
        if key not in used or (exact[pos] and not exact[used[key]]):
            used[key] = pos
    out = roles.copy()
    for pos, key in enumerate(keys):
        if key not in used or used[key] == pos:
            continue
        what = {"meta": "metadata", "option": "option", "geo": "geopoint part"}.get(
            str(key[0]), "question"
        )
        why = (
            ": its header spells the name exactly, case included"
            if exact[used[key]] and not exact[pos]
            else ""
        )
        out.at[out.index[pos], "kind"] = "unknown"
        out.at[out.index[pos], "note"] = (
            f"holds the same {what} as column '{headers[used[key]]}' (which is used{why})"
        )
    return out


def header_style(roles: pd.DataFrame) -> str:
    """Name the header style of an export from its column roles.

    Returns
    -------
    str
        ``"xml names"``, ``"xml names with group paths"``, ``"odk briefcase paths"``
        (``-``), ``"dotted paths"`` (``.``), ``"colon paths"`` (``:``), ``"labels"`` or
        ``"unknown"`` (no question column recognised).
    """
    mapped = roles[roles["kind"] == "field"]
    if mapped.empty:
        return "unknown"
    h = [_INDEX.sub("", str(x)) for x in mapped["header"]]
    q = [str(n).rsplit("/", 1)[-1] for n in mapped["question"]]
    styles = {
        "xml names with group paths": "/",
        "odk briefcase paths": "-",
        "dotted paths": ".",
        "colon paths": ":",
    }
    shares = {"xml names": float(pd.Series([a == b for a, b in zip(h, q)]).mean())}
    for style, sep in styles.items():
        shares[style] = float(pd.Series([a.endswith(sep + b) for a, b in zip(h, q)]).mean())
    best = max(shares, key=lambda k: shares[k])
    pathed = max(styles, key=lambda k: shares[k])
    if shares[pathed] > 0.2 and best == "xml names":
        best = pathed  # questions outside groups have no path
    return best if shares[best] > 0.5 or (best != "xml names" and shares[best] > 0.2) else "labels"
