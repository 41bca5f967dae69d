"""A study's interviews as a report needs them: all files read and validated at once,
coverage against the frame, reliability by zone, theme tables, questionnaire links,
automatic detection of names and places for quote masking, and the run's key.

Private helper module of :mod:`toolkit.interviews`.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import InputError, InterviewDataError
from toolkit.frame import ZONES
from toolkit.ingest import mask_text, personal_columns
from toolkit.interviews._analysis import code_frequencies, compare_with_answers
from toolkit.interviews._answers import AnswerSpec, read_answers
from toolkit.interviews._codebook import Codebook, read_codebook
from toolkit.interviews._io import ISSUE_COLUMNS
from toolkit.interviews._reliability import reliability_report
from toolkit.interviews._segments import read_segments

__all__: list[str] = []

# ------------------------------------------------------------------------ reading


def answer_spec(instrument: Any) -> dict[str, AnswerSpec]:
    """What structured interview answers may hold, from the questionnaire.

    Parameters
    ----------
    instrument : Instrument
        The study's XLSForm (:func:`toolkit.instrument.load_instrument`).

    Returns
    -------
    dict
        Column -> spec for :func:`read_answers`: ``select_one`` / ``select_multiple``
        questions may hold their choice names, each ``<q>__<choice>`` indicator ``0`` /
        ``1``, ``integer`` questions a whole number, ``decimal`` a number and other
        questions text.  Personal fields (respondent name, email, phone ...) and form
        metadata are left out, so such columns are reported and not imported.
    """
    fields = instrument.fields()
    types = dict(zip(fields["name"], fields["type"], strict=True))
    personal = set(personal_columns(list(types), types))
    out: dict[str, AnswerSpec] = {}
    for name, typ, lst in zip(fields["name"], fields["type"], fields["list_name"], strict=True):
        if (
            name in personal
            or name == "ns_iso3"
            or typ in ("start", "end", "today", "deviceid", "calculate")
        ):
            continue
        if typ in ("select_one", "select_multiple") and lst in instrument.choices:
            names = [str(c) for c in instrument.choice_names(lst)]
            out[name] = names
            if typ == "select_multiple":
                for c in names:
                    out[f"{name}__{c}"] = ["0", "1"]
        elif typ == "integer":
            out[name] = "integer"
        elif typ == "decimal":
            out[name] = "number"
        else:
            out[name] = "text"
    return out


@dataclass(frozen=True)
class StudyInterviews:
    """Every interview file of a study, read and validated.

    Attributes
    ----------
    codebook : Codebook
    segments : DataFrame
        Accepted coded segments of all segment files (columns of :func:`read_segments`).
    issues : DataFrame
        Problems found in any file (``file, row, column, value, problem, action``);
        values are masked for emails and phone numbers.
    quarantine : DataFrame
        Rejected rows (``file``, ``row``, identifying columns and ``reason``; the
        segment text is left out because it may hold personal details).
    answers : DataFrame or None
        Structured interview answers (one row per Society), when the study lists them.
    n_rows : int
        Segment rows read; ``len(segments) + `` the quarantined segment rows.
    files : tuple of str
        The files read (segment files, then the answers file if any).
    answers_file : str or None
        The structured answers file, if the study lists one.
    """

    codebook: Codebook
    segments: pd.DataFrame
    issues: pd.DataFrame
    quarantine: pd.DataFrame
    answers: pd.DataFrame | None = None
    n_rows: int = 0
    files: tuple[str, ...] = field(default_factory=tuple)
    answers_file: str | None = None

    def in_zone(self, zone: str, coder: str | None = None) -> pd.DataFrame:
        """Accepted segments of the Societies of one zone (``"all"``: every segment),
        optionally of one coder only (e.g. :func:`primary_coder`, for quotes)."""
        seg = self.segments
        if zone != "all":
            seg = seg[seg["zone"].astype(str) == zone]
        if coder is not None:
            seg = seg[seg["coder"].astype(str) == coder]
        return seg.reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row per file: rows read, accepted, quarantined and issues found (file
        names without their folder)."""

        def names(t: pd.DataFrame) -> pd.Series:
            if not len(t):
                return pd.Series([], dtype=object)
            return t["file"].map(lambda p: Path(str(p)).name if pd.notna(p) else "")

        seg, quar, iss = names(self.segments), names(self.quarantine), names(self.issues)
        rows = []
        for f in self.files:
            name = Path(f).name
            if self.answers_file is not None and f == self.answers_file:
                acc = 0 if self.answers is None else len(self.answers)
            else:
                acc = int((seg == name).sum())
            q = int((quar == name).sum())
            rows.append(
                {
                    "file": name,
                    "rows": acc + q,
                    "accepted": acc,
                    "quarantined": q,
                    "issues": int((iss == name).sum()),
                }
            )
        return pd.DataFrame(rows, columns=["file", "rows", "accepted", "quarantined", "issues"])


_QUARANTINE_KEEP = (
    "file",
    "row",
    "interview_id",
    "document",
    "ns_iso3",
    "coder",
    "code",
    "tag",
    "Codename",
    "File",
    "Coder",
    "reason",
)


def read_study_interviews(
    study: Any, *, frame: pd.DataFrame | None = None, instrument: Any | None = None
) -> StudyInterviews:
    """Read and validate every interview file a study configuration lists.

    Parameters
    ----------
    study : Study
        From :func:`toolkit.run.load_study` (``paths.interviews``: ``codebook``,
        ``segments`` (a list), optionally ``documents`` and ``answers``).
    frame : DataFrame, optional
        Membership table (default the study's frame); every zone's Societies must be
        in it, so pass the full frame, not one zone.
    instrument : Instrument, optional
        For the answers file (default the study's instrument).

    Returns
    -------
    StudyInterviews

    Raises
    ------
    InterviewDataError
        If the study lists no codebook or no segment file, or a file cannot be read.
    """
    paths = (study.config.get("paths") or {}).get("interviews") or {}
    if not paths.get("codebook") or not paths.get("segments"):
        raise InterviewDataError(
            "the study lists no interview codebook or coded segments.",
            file=str(study.path),
            column="paths.interviews",
            hint="add 'codebook:' and 'segments:' (a list of files) under paths.interviews "
            "in study.yaml.",
        )
    frame = study.frame() if frame is None else frame
    codebook = read_codebook(paths["codebook"])
    documents = paths.get("documents")
    data, issues, quarantine, files = [], [], [], []
    n_rows = 0
    for f in paths["segments"]:
        imp = read_segments(f, codebook=codebook, frame=frame, documents=documents)
        data.append(imp.data)
        issues.append(imp.issues)
        keep = [c for c in _QUARANTINE_KEEP if c in imp.quarantine.columns]
        quarantine.append(imp.quarantine[keep])
        files.append(str(f))
        n_rows += imp.n_rows
    answers = None
    if paths.get("answers"):
        inst = study.instrument() if instrument is None else instrument
        imp = read_answers(paths["answers"], allowed=answer_spec(inst), frame=frame)
        answers = imp.data
        issues.append(imp.issues)
        q = imp.quarantine
        quarantine.append(q[[c for c in ("file", "row", "ns_iso3", "reason") if c in q]])
        files.append(str(paths["answers"]))
    segs = pd.concat(data, ignore_index=True)
    dup = segs.duplicated(["interview_id", "coder", "code", "segment"])
    if dup.any():
        # the same coding in two files: keep the first, say so
        extra = segs[dup]
        issues.append(
            pd.DataFrame(
                {
                    "file": extra["file"],
                    "row": extra["row"],
                    "column": "segment",
                    "value": extra["interview_id"].astype(str),
                    "problem": "the same coded segment is in an earlier file",
                    "action": "quarantined",
                }
            )
        )
        quarantine.append(
            extra[["file", "row", "interview_id", "ns_iso3", "coder", "code"]].assign(
                reason="duplicate of a segment in an earlier file"
            )
        )
        segs = segs[~dup].reset_index(drop=True)
    iss = pd.concat(
        [i for i in issues if len(i)] or [pd.DataFrame(columns=ISSUE_COLUMNS)], ignore_index=True
    )[ISSUE_COLUMNS]
    if len(iss):
        iss["value"] = mask_text(iss["value"].astype("string"))
    quar = pd.concat(
        [q for q in quarantine if len(q)] or [pd.DataFrame(columns=["file", "row", "reason"])],
        ignore_index=True,
    )
    for t in (iss, quar):
        if len(t):
            t["file"] = t["file"].map(lambda p: Path(str(p)).name if pd.notna(p) else p)
    segs["file"] = segs["file"].astype("string")
    return StudyInterviews(
        codebook=codebook,
        segments=segs,
        issues=iss,
        quarantine=quar,
        answers=answers,
        n_rows=n_rows,
        files=tuple(files),
        answers_file=str(paths["answers"]) if paths.get("answers") else None,
    )


# ------------------------------------------------------------------------ analysis helpers


def _zone_order(values: Iterable[object]) -> list[str]:
    present = list(dict.fromkeys(str(v) for v in values))
    return [z for z in ZONES if z in present] + [z for z in present if z not in ZONES]


def primary_coder(segments: pd.DataFrame, coder: str | None = "auto") -> str | None:
    """Whose coding to count in frequencies and tables.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments.
    coder : str or None, default "auto"
        ``"auto"``: the coder who coded the most interviews (ties: the first in
        alphabetical order); ``"any"``, ``""`` or None: every coder (a code counts when
        any coder applied it; returns None); otherwise a coder's name, which must occur.

    Returns
    -------
    str or None

    Raises
    ------
    InputError
        If the named coder coded nothing.
    """
    if coder in (None, "", "any"):
        return None
    coders = segments["coder"].astype(str)
    if coder == "auto":
        if len(segments) == 0:
            return None
        n = segments.assign(_c=coders).groupby("_c")["interview_id"].nunique()
        return str(min(n.index, key=lambda c: (-int(n[c]), c)))
    if str(coder) not in set(coders):
        raise InputError(
            f"coder {coder!r} coded none of the segments.",
            value=coder,
            hint=f"coders are: {', '.join(sorted(set(coders)))}; or use 'auto' or 'any'.",
        )
    return str(coder)


def interview_coverage(
    segments: pd.DataFrame, societies: pd.DataFrame, zones: Sequence[str] | None = None
) -> pd.DataFrame:
    """How many Societies of each zone were interviewed, double-coded, and had answered.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments (all zones or one).
    societies : DataFrame
        Frame rows with ``iso3``, ``zone`` and ``responded`` (the analytical database's
        ``societies`` table).
    zones : sequence of str, optional
        Zones to list (default those of ``societies``, in IFRC order).

    Returns
    -------
    DataFrame
        Indexed by zone plus ``"all"``: ``societies`` (in the frame), ``interviewed``
        (with at least one accepted segment), ``share_interviewed``, ``double_coded``
        (interviewed Societies with an interview coded by two or more coders),
        ``returned_questionnaire`` and ``not_returned`` (interviewed Societies that did
        / did not return the questionnaire: the latter are the non-response follow-up).
    """
    for c in ("iso3", "zone", "responded"):
        if c not in societies.columns:
            raise InputError(
                f"the Societies table has no column {c!r}.",
                column=c,
                hint="pass the 'societies' table of the analytical database.",
            )
    soc = societies.assign(zone=societies["zone"].astype(str), iso3=societies["iso3"].astype(str))
    if zones is None:
        zones = _zone_order(soc["zone"])
    seg = segments.assign(ns_iso3=segments["ns_iso3"].astype(str))
    interviewed = set(seg["ns_iso3"])
    per_int = seg.groupby("interview_id")["coder"].nunique()
    double_int = set(per_int[per_int >= 2].index)
    double = set(seg.loc[seg["interview_id"].isin(double_int), "ns_iso3"])
    soc = soc.assign(
        _i=soc["iso3"].isin(interviewed),
        _d=soc["iso3"].isin(double),
        _r=soc["responded"].astype(bool),
    )
    rows = []
    for z in [*zones, "all"]:
        s = soc if z == "all" else soc[soc["zone"] == z]
        n_i = int(s["_i"].sum())
        rows.append(
            {
                "zone": z,
                "societies": len(s),
                "interviewed": n_i,
                "share_interviewed": n_i / len(s) if len(s) else np.nan,
                "double_coded": int(s["_d"].sum()),
                "returned_questionnaire": int((s["_i"] & s["_r"]).sum()),
                "not_returned": int((s["_i"] & ~s["_r"]).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("zone")


def reliability_by_zone(
    segments: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    n_boot: int = 1000,
    seed: int | None = None,
    zones: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Overall inter-coder reliability (all codes) per zone and for all zones.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments of all zones.
    codebook : Codebook, optional
    n_boot : int, default 1000
    seed : int, optional
    zones : sequence of str, optional
        Zones to report (default every zone with a double-coded interview, in IFRC
        order).

    Returns
    -------
    DataFrame
        Indexed by zone plus ``"all"``: the ``"(all codes)"`` row of
        :func:`reliability_report` on the zone's segments — ``n_units`` (double-coded
        interviews), ``prevalence``, ``alpha``, ``ci_low``, ``ci_high``, ``kappa``,
        ``verdict``, ``verdict_ci_low``.  A zone without double-coded interviews has
        ``n_units`` 0 and NaN values.
    """
    cols = [
        "n_units",
        "prevalence",
        "alpha",
        "ci_low",
        "ci_high",
        "kappa",
        "verdict",
        "verdict_ci_low",
    ]
    seg = segments.assign(zone=segments["zone"].astype(str))
    if zones is None:
        per_int = seg.groupby("interview_id")["coder"].nunique()
        multi = seg[seg["interview_id"].isin(per_int[per_int >= 2].index)]
        zones = _zone_order(multi["zone"])
    rows = []
    for z in [*zones, "all"]:
        s = seg if z == "all" else seg[seg["zone"] == z]
        r = (
            reliability_report(s, codebook=codebook, n_boot=n_boot, seed=seed)
            if len(s)
            else pd.DataFrame()
        )
        if len(r) and int(r.iloc[-1]["n_units"]) > 0:
            row = r.iloc[-1][cols].to_dict()
        else:
            row = dict.fromkeys(cols, np.nan)
            row.update(n_units=0, verdict="no double coding", verdict_ci_low="")
        rows.append({"zone": z, **row})
    out = pd.DataFrame(rows).set_index("zone")
    out["n_units"] = out["n_units"].astype(int)
    return out


def theme_table(
    segments: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    level: str = "theme",
    codebook: Codebook | None = None,
    coder: str | None = None,
    zones: Sequence[str] | None = None,
    overall: bool = True,
) -> pd.DataFrame:
    """Themes (or codes) by zone, counted by Society, with an all-zones column.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments of every zone (the all-zones column uses them all).
    frame : DataFrame
        Membership table (``iso3``, ``zone``).
    level : {"theme", "code"}
    codebook : Codebook, optional
        Lists themes (codes) raised by nobody, with 0.
    coder : str, optional
        Count only this coder's coding (see :func:`primary_coder`).
    zones : sequence of str, optional
        Zones to keep (default all with interviews).
    overall : bool, default True
        Add ``zone="all"`` rows over every interviewed Society.

    Returns
    -------
    DataFrame
        Tidy, as :func:`code_frequencies`: ``zone``, ``theme`` (or ``code`` [and
        ``theme``]), ``n_societies``, ``n_interviewed``, ``share`` — the input of
        :func:`toolkit.figures.theme_heatmap`.
    """
    long = code_frequencies(segments, frame, level=level, codebook=codebook, coder=coder)
    if zones is not None:
        long = long[long["zone"].astype(str).isin([str(z) for z in zones])]
    if overall and len(segments):
        all_ = code_frequencies(
            segments,
            frame.assign(_all="all"),
            level=level,
            by="_all",
            codebook=codebook,
            coder=coder,
        ).rename(columns={"_all": "zone"})
        long = pd.concat([long, all_], ignore_index=True)
    long["zone"] = long["zone"].astype(str)
    return long.reset_index(drop=True)


def themes_vs_answers(
    segments: pd.DataFrame,
    answers: pd.DataFrame,
    pairs: Mapping[str, str],
    *,
    level: str = "code",
    coder: str | None = None,
    codebook: Codebook | None = None,
    interview_answers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each chosen interview code against one questionnaire indicator (Fisher's test).

    Parameters
    ----------
    segments : DataFrame
        Accepted segments (e.g. one zone's).
    answers : DataFrame
        Questionnaire data, one row per Society (the ``responses`` table), with
        ``ns_iso3`` and the indicators.
    pairs : mapping of str to str
        Code (or theme) -> binary indicator, e.g. ``{"cross_border": "coop_any",
        "volunteer_wellbeing": "activities__pss"}``.
    level, coder, codebook
        As in :func:`compare_with_answers`.
    interview_answers : DataFrame, optional
        Structured answers given in interviews (:func:`read_answers`): used for
        Societies that have no questionnaire row (the follow-up of non-respondents).

    Returns
    -------
    DataFrame
        The rows of :func:`compare_with_answers` for each pair (``n`` counts interviewed
        Societies with a known indicator), in the order of ``pairs``.

    Raises
    ------
    InputError
        If an indicator is not a column of the answers, or is not binary.
    """
    if not pairs:
        raise InputError(
            "no code-indicator pair to compare.", hint="pass e.g. {'cross_border': 'coop_any'}."
        )
    ans = answers
    if interview_answers is not None and len(interview_answers):
        extra = interview_answers[
            ~interview_answers["ns_iso3"].astype(str).isin(set(answers["ns_iso3"].astype(str)))
        ]
        keep = [
            "ns_iso3",
            *[c for c in dict.fromkeys(pairs.values()) if c in interview_answers.columns],
        ]
        ans = pd.concat([answers, extra[keep]], ignore_index=True)
    parts = [
        compare_with_answers(
            segments, ans, [ind], codes=[code], level=level, coder=coder, codebook=codebook
        )
        for code, ind in pairs.items()
    ]
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------ identifiers

_CAP_WORD = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]*[a-zß-öø-ÿ]")
_LOWER_WORD = re.compile(r"(?<![\w'’])[a-zß-öø-ÿ][\w'’\-]*")
_TOKEN = re.compile(r"[^\W_][\w'’\-]*|[^\w\s]")
_SENTENCE_START = {
    ".",
    "!",
    "?",
    ":",
    "]",
    ")",
    '"',
    "“",
    "”",
    "(",
    "[",
    "–",
    "—",
    "-",
    "…",
    "«",
    "»",
    "¿",
    "¡",
    "*",
    "•",
}
_PLACE_PREP = {
    "in",
    "at",
    "from",
    "near",
    "around",
    "outside",
    "inside",
    "via",
    "towards",
    "toward",
    "into",
    "to",
    "between",
    "across",
    "en",
    "à",
    "dans",
    "desde",
    "hacia",
}
_STOP_TEXT = """
a about above after again against all also although always among an and another any are
as at because been before being below between both but by can could did do does during
each either even every few for from further had has have having he her here hers him his
how however i if in into is it its just last later least less many may me meanwhile might
more most much must my never next no nobody none nor not nothing now of off often on once
one only or other others our ours out over own perhaps please rather really same several
she should since so some someone something sometimes still such than thank thanks that the
their theirs them then there therefore these they this those though through thus to today
together too under unless until up upon us very was we well were what whatever when where
whether which while who whom whose why will with within without would yes yet you your
yours first second third finally also however moreover yesterday tomorrow everyone
everybody anyone anybody nobody interviewer interviewee respondent participant moderator
facilitator note notes question answer translator interpreter speaker
"""
_VOCAB_TEXT = """
red cross crescent crystal society societies national international federation movement
committee secretariat ifrc icrc government ministry minister interior health affairs
office branch branches headquarters department unit team programme program project
covid ebola cholera mpox whatsapp facebook signal telegram internet google kobo
english french spanish arabic russian portuguese chinese swahili hausa amharic
africa african americas america american asia asian pacific europe european middle east
eastern west western north northern south southern central latin caribbean mediterranean
sahel balkans gulf atlantic indian ocean sea union nations united un eu zone region
regional global world january february march april may june july august september october
november december monday tuesday wednesday thursday friday saturday sunday
british filipino filipina turkish dutch swiss kurdish kurd arab muslim christian latino
latina roma rohingya bedouin european
"""
#: Endings that make a demonym of a country name ("Ukrain|ian", "Sudan|ese").
_DEMONYM_ENDINGS = frozenset(
    {
        "",
        "s",
        "n",
        "ns",
        "an",
        "ans",
        "ian",
        "ians",
        "ese",
        "i",
        "is",
        "ish",
        "ic",
        "ite",
        "ites",
        "er",
        "ers",
        "lese",
        "ean",
        "eans",
        "ani",
        "anis",
        "ien",
        "iens",
        "o",
        "os",
        "a",
        "as",
    }
)
_COUNTRY_ENDINGS = frozenset({"", "a", "e", "o", "y", "s", "on", "ia", "ea", "istan"})
_STOPWORDS = frozenset(_STOP_TEXT.split())
_VOCABULARY = frozenset(_VOCAB_TEXT.split())


@dataclass(frozen=True)
class Identifiers:
    """Likely personal names and places found in interview texts.

    The terms themselves are personal data: pass them to :func:`quote_table`
    (``names=``, ``places=``) and do not print them; the representation shows counts
    only.
    """

    names: tuple[str, ...] = field(default=(), repr=False)
    places: tuple[str, ...] = field(default=(), repr=False)

    def __len__(self) -> int:
        return len(self.names) + len(self.places)

    def __repr__(self) -> str:
        return f"Identifiers({len(self.names)} names, {len(self.places)} places)"


def _country_like(word: str, countries: set[str]) -> bool:
    """Whether ``word`` (case-folded) is a country word or its demonym: a shared stem
    of four letters or more, the country word's ending dropped (``Ukrain|e``,
    ``Afghan|istan``) and a demonym ending added (``Ukrain|ian``)."""
    for t in countries:
        if len(t) < 4 or word[:4] != t[:4]:
            continue
        k = 4
        while k < min(len(t), len(word)) and word[k] == t[k]:
            k += 1
        if t[k:] in _COUNTRY_ENDINGS and word[k:] in _DEMONYM_ENDINGS:
            return True
    return False


def _vocabulary(frame: pd.DataFrame | None, known: Iterable[str]) -> set[str]:
    words = set(_VOCABULARY) | {str(k).casefold() for k in known}
    if frame is not None:
        for col in ("country", "society_name"):
            if col in frame.columns:
                for v in frame[col].dropna().astype(str):
                    words.update(w.casefold() for w in re.findall(r"[^\W\d_]+", v))
    return words


def likely_identifiers(
    texts: Iterable[str] | pd.Series,
    *,
    frame: pd.DataFrame | None = None,
    known: Iterable[str] = (),
) -> Identifiers:
    """Find capitalised words that are probably personal names or sub-national places.

    A heuristic that prefers over-masking (see :func:`mask_quote` for what is caught
    without it).  In each text, runs of capitalised words are split at *common* words
    — function words, the words of the frame's country and Society names and the
    demonyms of its countries ("Ukrainian", "Sudanese"), organisation, region, language,
    month and day names, ``known`` words, and any word that also occurs in lower case
    somewhere in ``texts``.  What remains is

    * a **place** when it follows a preposition of place (``in``, ``at``, ``from``,
      ``near``, ``to`` ...): "the branch in Rivertown";
    * a **name** when it has two or more words ("Maria Mensah") or is a single word
      inside a sentence ("ask Amina").

    A single capitalised word at the start of a sentence is not taken (it cannot be
    told from an ordinary word).  Names written in lower case, and people or places
    that are also common words, are missed: review quotes before publication.

    Parameters
    ----------
    texts : iterable of str
        Interview segments (all of the study's, so that the lower-case check sees as
        much text as possible).
    frame : DataFrame, optional
        Membership table: its country and Society names are never masked.
    known : iterable of str
        Further words never to mask (e.g. programme names).

    Returns
    -------
    Identifiers
        ``names`` and ``places`` (sorted), for :func:`quote_table`.
    """
    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    lower_words = {w.casefold() for t in texts for w in _LOWER_WORD.findall(t)}
    vocab = _vocabulary(frame, known)

    countries = (
        {
            w.casefold()
            for v in frame["country"].dropna().astype(str)
            for w in re.findall(r"[^\W\d_]+", v)
        }
        if frame is not None and "country" in frame.columns
        else set()
    )

    def common(word: str) -> bool:
        f = word.casefold()
        forms = {f, re.sub(r"['’]s$", "", f), f.removesuffix("s")}
        return any(
            x in _STOPWORDS or x in vocab or x in lower_words for x in forms
        ) or _country_like(f, countries)

    names: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for text in texts:
        toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        i = 0
        while i < len(toks):
            if not _CAP_WORD.fullmatch(toks[i][0]):
                i += 1
                continue
            j = i
            while (
                j + 1 < len(toks)
                and _CAP_WORD.fullmatch(toks[j + 1][0])
                and "\n" not in text[toks[j][2] : toks[j + 1][1]]
            ):
                j += 1
            # split the run [i, j] into sub-runs of uncommon words
            k = i
            while k <= j:
                if common(toks[k][0]):
                    k += 1
                    continue
                m = k
                while m + 1 <= j and not common(toks[m + 1][0]):
                    m += 1
                words = [re.sub(r"['’]s$", "", toks[x][0]) for x in range(k, m + 1)]
                term = " ".join(words)
                prev = toks[k - 1][0] if k > 0 else None
                initial = (
                    k == 0 or prev in _SENTENCE_START or "\n" in text[toks[k - 1][2] : toks[k][1]]
                )
                if prev is not None and prev.casefold() in _PLACE_PREP:
                    places[term] += 1
                elif len(words) >= 2 or not initial:
                    names[term] += 1
                k = m + 1
            i = j + 1
    return Identifiers(names=tuple(sorted(names)), places=tuple(sorted(places)))


def study_key(study: Any) -> tuple[bytes, str]:
    """The pseudonymisation key for this run and a sentence saying where it came from.

    Parameters
    ----------
    study : Study
        Its ``privacy.key_env`` names the environment variable holding the key.

    Returns
    -------
    key : bytes
        The study's key, or a random key for this run when the variable is unset.
    message : str
        Says which (never contains the key).
    """
    env = str(study.config.get("privacy", {}).get("key_env") or "NSMAP_PSEUDONYM_KEY")
    key = study.pseudonym_key()
    if key:
        return key.encode("utf-8"), (
            f"Speakers and interviews are pseudonymised with the key "
            f"in the environment variable {env}: the same person "
            "gets the same pseudonym in every run."
        )
    return secrets.token_bytes(32), (
        f"The environment variable {env} is not set, so a random key is used for this run "
        "only: pseudonyms will differ from one run to the next and cannot be linked. Set "
        f"{env} (and keep it secret) for stable pseudonyms."
    )
