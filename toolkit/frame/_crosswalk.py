"""Identifying National Societies as people write them.

A Society column of an export may hold an ISO3 or ISO2 code, an FDRS code, an IFRC GO
country id, or the Society's or the country's name in English, French, Spanish or
Arabic, with or without accents. :func:`match_societies` identifies each value against
the membership frame through the crosswalk ``toolkit/data/society_names.csv`` (sources
and build in ``toolkit/data/README.md``) and records the rule of every match.

Rules, tried in this order (the first that applies decides):

1. **codes**: the trimmed, upper-cased value is an ISO3, ISO2, FDRS code or GO id
   (digits only) of a Society (rules ``iso3``, ``iso2``, ``fdrs``, ``go_id``);
2. **exact name**: the normalised value (:func:`~toolkit.frame.normalise_name`: no case,
   accents, Arabic vowel marks, punctuation or generic words such as "Red Cross",
   "Croix-Rouge", "الهلال الأحمر") equals a normalised crosswalk name, in the same word
   order, in any word order, or without spaces (rule ``name``);
3. **fuzzy**: the most similar crosswalk name scores at least ``threshold`` and beats
   the best name of any other Society by at least ``margin`` (rule ``fuzzy``).

A value is never accepted silently otherwise: a name or code of two Societies
("Korea", "DRC", "PRCS") is ``ambiguous``; a best candidate below ``threshold`` is a
``near_miss`` with its ``suggestion``; a Society that is not in the frame given is
``not_in_frame``; nothing similar is ``not_found``; a blank cell is ``missing``.

Similarity is :class:`difflib.SequenceMatcher`'s ratio, the larger of the ratio of the
normalised names and of their words in sorted order, also after dropping misspelt
generic words ("Kenia Red Cros"). Values shorter than five letters once normalised, and
unknown codes, are not compared. The standard library is enough here: names are short,
exports repeat few distinct values (each is matched once), and the ``real_quick_ratio``
and ``quick_ratio`` bounds skip most of the ~1,700 crosswalk names, so a distinct value
that needs the fuzzy step costs about 10 ms. rapidfuzz would be faster but would add a
compiled dependency for a step that takes well under a second on any export.

The defaults (threshold 0.85, margin 0.05) were chosen on one-edit typos (a letter
dropped, swapped or replaced) of every English, French and Spanish name of the
crosswalk: of 2,366 such typos 1,788 were accepted and none for a wrong Society, and
0.88 accepted 1,415, also with none wrong. Two-edit typos can land nearer another
Society's name ("Lirbia" for Liberia is nearer "Libia", Spanish for Libya): 2 of 1,183
were accepted wrongly, which is why a fuzzy match keeps its rule and a message. The
spellings of ``tests/test_frame_crosswalk.py`` accept no wrong Society either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from importlib import resources
from pathlib import Path

import pandas as pd

from toolkit.errors import FrameError
from toolkit.frame._membership import load_frame
from toolkit.frame._normalise import drop_misspelt_generic, normalise_name, sorted_key

__all__ = [
    "ACCEPTED_RULES",
    "CROSSWALK_COLUMNS",
    "MATCH_COLUMNS",
    "MATCH_RULES",
    "bundled_crosswalk_path",
    "load_crosswalk",
    "match_societies",
]

#: Columns of the crosswalk (``toolkit/data/society_names.csv``).
CROSSWALK_COLUMNS: tuple[str, ...] = ("iso3", "kind", "language", "variant", "source")
#: Every rule :func:`match_societies` records.
MATCH_RULES: tuple[str, ...] = (
    *("iso3", "iso2", "fdrs", "go_id", "name", "fuzzy"),
    *("ambiguous", "near_miss", "not_in_frame", "not_found", "missing"),
)
#: The rules under which a value is identified (``iso3`` is filled).
ACCEPTED_RULES: tuple[str, ...] = MATCH_RULES[:6]
#: Columns of the table :func:`match_societies` returns.
MATCH_COLUMNS: tuple[str, ...] = (
    *("value", "iso3", "rule", "score", "matched", "suggestion", "suggestion_name"),
    "message",
)

_CODE_KINDS = ("iso3", "iso2", "fdrs", "go_id")
_CODE_SHAPES = {
    "iso3": re.compile(r"[A-Z]{3}"),
    "iso2": re.compile(r"[A-Z]{2}"),
    "fdrs": re.compile(r"D[A-Z]{2}\d{3}"),
    "go_id": re.compile(r"\d{1,4}"),
}
_MISSING = {"", "N/A", "NAN", "NONE", "NULL", "-", "--", "?"}
_SUGGEST_FLOOR = 0.6  # below this similarity nothing is suggested
_FUZZY_MIN = 5  # shorter normalised values ("ICRC", "IFRC") are not compared
_MAX_SUGGESTIONS = 3


def bundled_crosswalk_path() -> Path:
    """Return the path of the bundled crosswalk of Society names.

    Returns
    -------
    pathlib.Path
        ``toolkit/data/society_names.csv`` inside the installed package.
    """
    return Path(str(resources.files("toolkit") / "data" / "society_names.csv"))


def load_crosswalk(path: str | Path | None = None) -> pd.DataFrame:
    """Load the crosswalk of codes and names of National Societies.

    Parameters
    ----------
    path : str or Path, optional
        A UTF-8 CSV with the columns of :data:`CROSSWALK_COLUMNS`; ``None`` loads the
        bundled one.

    Returns
    -------
    pandas.DataFrame
        One row per (iso3, kind, language, variant); ``kind`` is one of ``iso3``,
        ``iso2``, ``fdrs``, ``go_id``, ``country_name``, ``society_name``; ``language``
        is empty for codes.

    Raises
    ------
    FrameError
        If the file is missing a column or a row lacks its iso3, kind or variant.

    Examples
    --------
    >>> cw = load_crosswalk()
    >>> cw.loc[(cw["iso3"] == "BEN") & (cw["language"] == "fr"), "variant"].tolist()
    ['Bénin', 'Croix-Rouge béninoise']
    """
    source = bundled_crosswalk_path() if path is None else Path(path)
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FrameError(
            f"the crosswalk cannot be read ({exc}).",
            file=source,
            hint="give a UTF-8 CSV with the columns " + ", ".join(CROSSWALK_COLUMNS) + ".",
        ) from exc
    missing = [c for c in CROSSWALK_COLUMNS if c not in table.columns]
    if missing:
        raise FrameError(
            f"the crosswalk lacks the column(s) {', '.join(missing)}.",
            file=source,
            row=1,
            column=missing[0],
            hint="give a UTF-8 CSV with the columns " + ", ".join(CROSSWALK_COLUMNS) + ".",
        )
    table = table[list(CROSSWALK_COLUMNS)].apply(lambda s: s.str.strip())
    table["iso3"] = table["iso3"].str.upper()
    empty = (table[["iso3", "kind", "variant"]] == "").any(axis=1).to_numpy()
    if empty.any():
        row = int(empty.argmax())
        raise FrameError(
            "a crosswalk row lacks its iso3, kind or variant.",
            file=source,
            row=row + 2,
            hint="fill the cell or delete the row.",
        )
    return table


@dataclass
class _Index:
    """Lookup tables of one (crosswalk, frame) pair."""

    in_frame: set[str]
    names: dict[str, str]  # Society name by iso3, for messages
    codes: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # exact[j][form][iso3]: the first variant whose j-th form (_forms) is `form`
    exact: list[dict[str, dict[str, str]]] = field(default_factory=lambda: [{}, {}, {}])
    # fuzzy[arabic][(key, iso3)] = (sorted key, variant): names by script
    fuzzy: dict[bool, dict[tuple[str, str], tuple[str, str]]] = field(
        default_factory=lambda: {False: {}, True: {}}
    )

    def add_name(self, iso3: str, variant: str) -> None:
        key = normalise_name(variant)
        if not key:
            return
        self.fuzzy[_is_arabic(key)].setdefault((key, iso3), (sorted_key(key), variant))
        for table, form in zip(self.exact, _forms(key)):
            table.setdefault(form, {}).setdefault(iso3, variant)


def _is_arabic(key: str) -> bool:
    """Whether a normalised key starts with an Arabic letter (compared with Arabic only)."""
    return "\u0600" <= key[:1] <= "\u06ff"


def _forms(key: str) -> tuple[str, str, str]:
    """A normalised key in word order, in sorted order and without spaces."""
    return key, sorted_key(key), key.replace(" ", "")


def _build_index(crosswalk: pd.DataFrame, frame: pd.DataFrame) -> _Index:
    if "iso3" not in frame.columns:
        raise FrameError("the frame has no 'iso3' column.", hint="pass a membership table.")
    fr = frame.astype({"iso3": "string"}).dropna(subset=["iso3"])
    fr = fr.assign(iso3=fr["iso3"].str.strip().str.upper())
    in_frame = set(fr["iso3"])
    cw = crosswalk[["iso3", "kind", "variant"]]
    en = crosswalk[(crosswalk["kind"] == "society_name") & (crosswalk["language"] == "en")]
    names = dict(zip(en["iso3"], en["variant"]))
    extra: list[tuple[str, str, str]] = []  # the frame's own codes and names count too
    for col in ("fdrs", "iso2", "go_id", "country", "society_name"):
        if col in fr.columns:
            kind = {"country": "country_name"}.get(col, col)
            extra += [(i, kind, str(v)) for i, v in zip(fr["iso3"], fr[col]) if pd.notna(v)]
    if "society_name" in fr.columns:
        names.update({i: str(v) for i, v in zip(fr["iso3"], fr["society_name"]) if pd.notna(v)})
    index = _Index(in_frame=in_frame, names=names)
    for kind in _CODE_KINDS:
        index.codes[kind] = {}
    records = list(zip(cw["iso3"], cw["kind"], cw["variant"]))
    records += [(i, k, v.strip()) for i, k, v in extra]
    records += [(i, "iso3", i) for i in sorted(in_frame)]
    for iso3, kind, variant in records:
        if kind in _CODE_KINDS:
            code = _code_text(variant)
            index.codes[kind].setdefault(code, set()).add(iso3)
        elif kind in ("country_name", "society_name"):
            index.add_name(iso3, variant)
    return index


def _code_text(value: object) -> str:
    """A value as a code: trimmed, upper case, integral floats without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip().upper()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


@dataclass
class _Result:
    rule: str
    iso3: str | None = None
    score: float = float("nan")
    matched: str | None = None
    candidates: list[str] = field(default_factory=list)

    def row(self, value: object, index: _Index) -> tuple[object, ...]:
        sugg = None if self.iso3 else "; ".join(self.candidates) or None
        names = "; ".join(index.names.get(c, c) for c in self.candidates) or None
        return (
            value,
            self.iso3,
            self.rule,
            self.score,
            self.matched,
            sugg,
            None if self.iso3 else names,
            _message(value, self, index),
        )


_MISSING_VALUE = None  # every missing cell (None, NaN, pd.NA) is matched as this


def _is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))  # type: ignore[call-overload]


def _match_one(value: object, index: _Index, threshold: float, margin: float) -> _Result:
    if value is None:
        return _Result("missing")
    code = _code_text(value)
    if code in _MISSING:
        return _Result("missing")
    for kind in _CODE_KINDS:
        owners = index.codes[kind].get(code) if _CODE_SHAPES[kind].fullmatch(code) else None
        if owners:
            return _decide(kind, owners, 1.0, code, index)
    key = normalise_name(value)
    if not key:
        return _Result("not_found")
    for table, form in zip(index.exact, _forms(key)):
        found = table.get(form)
        if found:
            return _decide("name", set(found), 1.0, next(iter(found.values())), index)
    if len(key) < _FUZZY_MIN or any(shape.fullmatch(code) for shape in _CODE_SHAPES.values()):
        return _Result("not_found")  # too short, or an unknown code: similarity means nothing
    return _fuzzy(key, index, threshold, margin)


def _decide(rule: str, owners: set[str], score: float, shown: str | None, index: _Index) -> _Result:
    ordered = sorted(owners, key=lambda i: (i not in index.in_frame, i))
    if len(owners) > 1:
        return _Result("ambiguous", score=score, matched=shown, candidates=ordered)
    if ordered[0] not in index.in_frame:
        return _Result("not_in_frame", score=score, matched=shown, candidates=ordered)
    return _Result(rule, iso3=ordered[0], score=score, matched=shown)


def _fuzzy(key: str, index: _Index, threshold: float, margin: float) -> _Result:
    """Best crosswalk name per Society, by similarity to the key (also without any
    misspelt generic word, "kenia cros" -> "kenia"), in word and in sorted order."""
    queries: list[tuple[SequenceMatcher[str], bool]] = []  # (matcher, compare sorted words)
    for query in dict.fromkeys([key, drop_misspelt_generic(key)]):
        for text, in_sorted in ((query, False), (sorted_key(query), True)) if query else ():
            matcher = SequenceMatcher(autojunk=False)
            matcher.set_seq2(text)
            queries.append((matcher, in_sorted and text == query))
    best: dict[str, tuple[float, str]] = {}
    cutoff = _SUGGEST_FLOOR  # rises to (best so far - margin): nothing lower can matter
    for (cand, iso3), (scand, variant) in index.fuzzy[_is_arabic(key)].items():
        score = 0.0
        for i, (matcher, same_query) in enumerate(queries):
            if i % 2 and same_query and scand == cand:
                continue  # one-word query, candidate in sorted order: same comparison
            matcher.set_seq1(scand if i % 2 else cand)
            bar = max(cutoff, score)
            if matcher.real_quick_ratio() >= bar and matcher.quick_ratio() >= bar:
                score = max(score, matcher.ratio())
        if score >= cutoff and score > best.get(iso3, (0.0, ""))[0]:
            best[iso3] = (score, variant)
            cutoff = max(cutoff, score - margin)
    if not best:
        return _Result("not_found")
    ranked = sorted(best, key=lambda i: (-best[i][0], i))
    top, (score, shown) = ranked[0], best[ranked[0]]
    close = [i for i in ranked if best[i][0] > score - margin][:_MAX_SUGGESTIONS]
    score = round(score, 3)
    if score < threshold:
        return _Result("near_miss", score=score, matched=shown, candidates=close)
    if len(close) > 1:
        return _Result("ambiguous", score=score, matched=shown, candidates=close)
    if top not in index.in_frame:
        return _Result("not_in_frame", score=score, matched=shown, candidates=[top])
    return _Result("fuzzy", iso3=top, score=score, matched=shown)


def _message(value: object, res: _Result, index: _Index) -> str | None:
    def who(iso3: str) -> str:
        return f"{iso3} ({index.names.get(iso3, iso3)})"

    shown = f"'{value}'"
    options = " or ".join(who(c) for c in res.candidates)
    if res.rule == "iso2" and res.matched == "NA":
        return (
            f"{shown} is read as Namibia's ISO2 code; clear the cell if it means 'not available'."
        )
    if res.rule == "fuzzy":
        return (
            f"{shown}: read as {who(res.iso3 or '')}, similar ({res.score:.2f}) to '{res.matched}'."
        )
    if res.rule == "ambiguous":
        return f"{shown} can name several Societies: {options}; write the ISO3 code."
    if res.rule == "near_miss":
        return f"{shown}: not identified; did you mean {options}? (similarity {res.score:.2f} to '{res.matched}')"
    if res.rule == "not_in_frame":
        return f"{shown} names {options}, which is not in the membership frame."
    if res.rule == "not_found":
        return f"{shown}: no National Society has a code or name like this."
    return None


def match_societies(
    values: pd.Series | Iterable[object],
    frame: pd.DataFrame | None = None,
    *,
    threshold: float = 0.85,
    margin: float = 0.05,
    crosswalk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Identify the National Society named by each value of a column.

    Parameters
    ----------
    values : pandas.Series or iterable
        What the export holds (codes, names in any of the crosswalk's languages).
        Each distinct value is matched once.
    frame : pandas.DataFrame, optional
        The membership frame (at least ``iso3``); only its Societies are accepted. Its
        own ``country``, ``society_name``, ``fdrs``, ``iso2`` and ``go_id`` columns,
        where present, count as names and codes too. ``None`` loads the bundled frame.
    threshold : float, default 0.85
        Lowest similarity (0-1) at which a fuzzy match is accepted.
    margin : float, default 0.05
        How much a fuzzy match must beat the best name of any other Society.
    crosswalk : pandas.DataFrame, optional
        A table like :func:`load_crosswalk`'s; ``None`` uses the bundled one.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``values``, with the columns of :data:`MATCH_COLUMNS`: ``value``
        (as given), ``iso3`` (the Society, missing unless ``rule`` is in
        :data:`ACCEPTED_RULES`), ``rule`` (one of :data:`MATCH_RULES`), ``score``
        (1 for codes and exact names, the similarity for fuzzy rules), ``matched``
        (the crosswalk code or name that matched or came closest), ``suggestion`` and
        ``suggestion_name`` (candidate iso3 codes and Society names, ``"; "``-separated,
        when not accepted) and ``message`` (a sentence for the issues table; missing for
        codes and exact names).

    Examples
    --------
    >>> m = match_societies(["BEN", "Croix Rouge Béninoise", "Beninese Red Cross", "Korea"])
    >>> m["iso3"].tolist()
    ['BEN', 'BEN', <NA>, <NA>]
    >>> m["rule"].tolist()
    ['iso3', 'name', 'near_miss', 'ambiguous']
    >>> m["suggestion"].tolist()
    [<NA>, <NA>, 'BEN', 'KOR; PRK']
    >>> print(m.loc[2, "message"])
    'Beninese Red Cross': not identified; did you mean BEN (Red Cross of Benin)? (similarity 0.82 to 'Croix-Rouge béninoise')
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    index = _build_index(
        load_crosswalk() if crosswalk is None else crosswalk,
        load_frame() if frame is None else frame,
    )
    keys = [_MISSING_VALUE if _is_missing(v) else v for v in series.astype(object)]
    rows = {k: _match_one(k, index, threshold, margin).row(k, index) for k in dict.fromkeys(keys)}
    records = [rows[k] for k in keys]
    out = pd.DataFrame.from_records(records, columns=list(MATCH_COLUMNS), index=series.index)
    for col in MATCH_COLUMNS[1:]:
        if col != "score":
            out[col] = out[col].astype("string")
    out["value"] = series.astype(object)
    out["score"] = out["score"].astype(float)
    return out
