"""The rules of :func:`toolkit.frame.match_societies`, value by value.

The order of the rules, the thresholds and why they are what they are, are described
in :mod:`toolkit.frame._crosswalk`; this module holds the lookup tables built from one
(crosswalk, frame) pair (:class:`Index`) and the decision for one value
(:func:`match_one`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import pandas as pd

from toolkit.errors import FrameError
from toolkit.frame._normalise import drop_misspelt_generic, normalise_name, sorted_key

__all__ = [
    "MISSING_VALUE",
    "Index",
    "Result",
    "all_numbers",
    "build_index",
    "is_missing",
    "match_one",
]

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
#: Longer cells are not a Society's name (the longest official one has ~70 characters):
#: they are not split into parts nor compared, and are reported as not found.
_MAX_NAME = 200
# Where a value joining a name and a code is split: brackets, slashes, bars, commas,
# semicolons, colons and dashes with spaces around them (not the hyphen of a name).
_PARTS = re.compile(r"\s*(?:[()\[\]{}|/\\;:,]|\s[-\u2013\u2014]\s|[\u2013\u2014])\s*")


@dataclass
class Index:
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


def build_index(crosswalk: pd.DataFrame, frame: pd.DataFrame) -> Index:
    """Build the lookup tables of a crosswalk and a frame.

    Parameters
    ----------
    crosswalk : pandas.DataFrame
        A table like :func:`toolkit.frame.load_crosswalk`'s.
    frame : pandas.DataFrame
        The membership frame; its keys (``iso3``) and its own ``fdrs``, ``iso2``,
        ``go_id``, ``country`` and ``society_name`` columns count as codes and names.

    Returns
    -------
    Index

    Raises
    ------
    FrameError
        If the frame has no ``iso3`` column.
    """
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
    index = Index(in_frame=in_frame, names=names)
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
class Result:
    """The outcome for one value: the rule, the Society (if accepted), the similarity,
    the code or name that matched or came closest, and the candidate Societies."""

    rule: str
    iso3: str | None = None
    score: float = float("nan")
    matched: str | None = None
    candidates: list[str] = field(default_factory=list)

    def row(self, value: object, index: Index) -> tuple[object, ...]:
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


MISSING_VALUE = None  # every missing cell (None, NaN, pd.NA) is matched as this


def is_missing(value: object) -> bool:
    """Whether a cell is missing (``None``, NaN, ``pd.NA``; not the empty string)."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))  # type: ignore[call-overload]


def match_one(value: object, index: Index, threshold: float, margin: float, go: bool) -> Result:
    """Apply the rules of :mod:`toolkit.frame._crosswalk` to one value.

    Parameters
    ----------
    value : object
        The cell (``None`` when missing).
    index : Index
    threshold, margin : float
        As in :func:`toolkit.frame.match_societies`.
    go : bool
        Whether a bare number is read as an IFRC GO id.

    Returns
    -------
    Result
    """
    if value is None:
        return Result("missing")
    code = _code_text(value)
    if code in _MISSING:
        return Result("missing")
    exact = _exact(code, value, index, go)
    if exact is not None:
        return exact
    if len(str(value)) > _MAX_NAME:
        return Result("not_found")
    parts = _by_parts(value, index)
    if parts is not None and parts.rule != "near_miss":
        return parts
    key = normalise_name(value)
    if not key:  # only generic words ("Red Cross") or no letters at all
        words = any(ch.isalpha() for ch in str(value))
        return Result("ambiguous") if words else Result("not_found")
    if len(key) < _FUZZY_MIN or any(shape.fullmatch(code) for shape in _CODE_SHAPES.values()):
        return parts or Result("not_found")  # too short, or an unknown code
    res = _fuzzy(key, index, threshold, margin)
    if parts is not None and res.rule in ("near_miss", "not_found"):
        return parts  # a part names a Society exactly: the better suggestion
    return res


def _exact(code: str, value: object, index: Index, go: bool) -> Result | None:
    """Rules 1 and 2 of the module docstring: a code or an exact name, else ``None``."""
    if code in index.in_frame:
        return Result("iso3", iso3=code, score=1.0, matched=code)
    for kind in _CODE_KINDS:
        owners = index.codes[kind].get(code) if _CODE_SHAPES[kind].fullmatch(code) else None
        if owners and kind == "go_id" and not go:
            return Result("number", score=1.0, matched=code, candidates=sorted(owners))
        if owners:
            return _decide(kind, owners, 1.0, code, index)
    key = normalise_name(value)
    for table, form in zip(index.exact, _forms(key) if key else ()):
        found = table.get(form)
        if found:
            return _decide("name", set(found), 1.0, next(iter(found.values())), index)
    return None


def _by_parts(value: object, index: Index) -> Result | None:
    """Rule 3: every part a code or an exact name, one Society in common.

    Returns ``None`` when the value has one part, or no part names a Society by name;
    a ``near_miss`` (never accepted) when some parts name one Society and others
    nothing ("Kenya (Nairobi branch)"), for the fuzzy rule to improve on.
    """
    parts = [p for p in _PARTS.split(str(value)) if p.strip()]
    if len(parts) < 2:
        return None
    common: set[str] | None = None
    named: set[str] = set()
    seen: list[str] = []
    found: list[str] = []
    unknown = False
    for part in parts:
        code = _code_text(part)
        if code in _MISSING or not (normalise_name(part) or code.isdigit()):
            continue  # a generic part ("Red Cross") says nothing
        res = _exact(code, part, index, True)  # a number counts if a name agrees with it
        owners = set() if res is None else {res.iso3} if res.iso3 else set(res.candidates)
        if not owners:
            unknown = True
            continue
        if not code.isdigit():
            named |= owners
        found.append(part.strip())
        seen += [o for o in sorted(owners) if o not in seen]
        common = owners if common is None else common & owners
    if common is None or not named:
        return None  # nothing but numbers: a bare number is not read as a GO id here
    shown = " + ".join(found)
    if unknown:
        if 0 < len(common) <= _MAX_SUGGESTIONS:
            return Result("near_miss", matched=shown, candidates=sorted(common))
        return None
    if len(common) == 1:
        return _decide("name", common, 1.0, shown, index)
    return Result("ambiguous", score=1.0, matched=shown, candidates=sorted(common or seen))


def _decide(rule: str, owners: set[str], score: float, shown: str | None, index: Index) -> Result:
    """Accept the one owner of a code or name, or say why not (several, not in frame)."""
    ordered = sorted(owners, key=lambda i: (i not in index.in_frame, i))
    if len(owners) > 1:
        return Result("ambiguous", score=score, matched=shown, candidates=ordered)
    if ordered[0] not in index.in_frame:
        return Result("not_in_frame", score=score, matched=shown, candidates=ordered)
    return Result(rule, iso3=ordered[0], score=score, matched=shown)


def _fuzzy(key: str, index: Index, threshold: float, margin: float) -> Result:
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
        return Result("not_found")
    ranked = sorted(best, key=lambda i: (-best[i][0], i))
    top, (score, shown) = ranked[0], best[ranked[0]]
    close = [i for i in ranked if best[i][0] > score - margin][:_MAX_SUGGESTIONS]
    score = round(score, 3)
    if score < threshold:
        return Result("near_miss", score=score, matched=shown, candidates=close)
    if len(close) > 1:
        return Result("ambiguous", score=score, matched=shown, candidates=close)
    if top not in index.in_frame:
        return Result("not_in_frame", score=score, matched=shown, candidates=[top])
    return Result("fuzzy", iso3=top, score=score, matched=shown)


def _message(value: object, res: Result, index: Index) -> str | None:
    """The sentence for the issues table (``None`` for codes and exact names)."""

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
    if res.rule == "ambiguous" and not res.candidates:
        return f"{shown} does not say which National Society; write its ISO3 code or its country."
    if res.rule == "ambiguous":
        return f"{shown} can name several Societies: {options}; write the ISO3 code."
    if res.rule == "number":
        return (
            f"{shown} is a bare number: it is the IFRC GO id of {options}, but a number among "
            "names or codes may be a count or a choice index, so it is not read as one; write "
            "the ISO3 code (or declare the column as GO ids)."
        )
    if res.rule == "near_miss" and res.score != res.score:  # from a part, no similarity
        return (
            f"{shown}: not identified; did you mean {options}? (its part '{res.matched}' names it)"
        )
    if res.rule == "near_miss":
        return f"{shown}: not identified; did you mean {options}? (similarity {res.score:.2f} to '{res.matched}')"
    if res.rule == "not_in_frame":
        return f"{shown} names {options}, which is not in the membership frame."
    if res.rule == "not_found":
        return f"{shown}: no National Society has a code or name like this."
    return None


def all_numbers(values: list[object]) -> bool:
    """Whether every non-missing value is a bare number of at most four digits."""
    codes = [_code_text(v) for v in values if v is not None]
    codes = [c for c in codes if c not in _MISSING]
    return bool(codes) and all(_CODE_SHAPES["go_id"].fullmatch(c) for c in codes)
