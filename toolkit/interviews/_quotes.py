"""Exemplar quotes with pseudonymised speakers and masked personal details.

Private helper module of :mod:`toolkit.interviews`.

What is masked, and how (limits stated honestly):

* **Emails and phone numbers** — the rules of :func:`toolkit.ingest.mask_text`
  (regular expressions: ``local@domain.tld``; digit groups with an optional ``+`` and
  separators, where dates, years and plain counts are not taken for phone numbers).  A
  number written in words or split across lines is not caught.
* **Speakers** — a capitalised name of one to four words at the start of a line
  followed by an optional ``(role)`` and a colon (``Amina Diallo (NS focal point):``)
  is a speaker label: it is replaced by a keyed pseudonym (HMAC-SHA-256, the key is an
  argument and never stored), and every such name, and each of its words of three or
  more letters (except organisation words such as Red, Cross, Crescent, Society), is
  then masked as ``[name]`` wherever it appears in any quote.  Generic
  labels (Interviewer, Respondent, Q, A, R1, P2, Speaker 1, ...) are kept.  A
  ``speaker`` column in the segments is pseudonymised the same way.
* **Other names** — names in the supplied ``names`` list (whole words, any case); a
  capitalised name after a title (Mr, Mrs, Ms, Dr, Prof, ...); and a capitalised name
  after "my name is" / "I am called" / "call me".  A name mentioned in passing without
  a title, not in the list and not a speaker label is **not** caught: review quotes
  before publication.
* **Places finer than the country** — places in the supplied ``places`` list; a
  capitalised name followed by District, Province, Region, County, Municipality,
  Governorate, Prefecture, Department, Oblast, State, Camp, City, Town or Village; and
  "city/town/village/camp/district/province/region of <Name>".  Country names are
  kept.  Unlisted place names used on their own ("we went to Mopti") are **not**
  caught: supply the study's known places.

Over-masking (e.g. "Asia Pacific Region") is preferred to under-masking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from toolkit.errors import InputError
from toolkit.ingest import mask_text, pseudonymise

__all__: list[str] = []

_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’\-]+"
_LABEL = re.compile(
    rf"^(?P<indent>[ \t]*)(?P<label>{_NAME}(?:[ \t]+{_NAME}){{0,3}})[ \t]*"
    r"(?P<role>\([^)\n]*\))?[ \t]*:(?P<rest>[ \t]?)",
    re.MULTILINE,
)
_GENERIC = re.compile(
    r"^(?:interviewer|interviewee|respondent|participant|moderator|facilitator|"
    r"note|notes|translator|interpreter|speaker(?:\s*\d+)?|question|answer|q|a|"
    r"[RPIQA]\d+|int|resp)$",
    re.IGNORECASE,
)
_TITLE = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Mme|Mlle|Sr|Sra|Dra|Dona|Don)\.?[ \t]+"
    rf"{_NAME}(?:[ \t]+{_NAME})?"
)
_SELF = re.compile(
    rf"(?P<pre>\b(?:[Mm]y name is|I am called|I'm called|call me))[ \t]+"
    rf"{_NAME}(?:[ \t]+{_NAME})?"
)
_PLACE_AFTER = re.compile(
    rf"\b{_NAME}(?:[ \t]+{_NAME}){{0,2}}[ \t]+(?:District|Province|Region|County|"
    r"Municipality|Governorate|Prefecture|Department|Oblast|State|Camp|City|Town|Village)\b"
)
_PLACE_OF = re.compile(
    rf"(?P<pre>\b(?:[Cc]ity|[Tt]own|[Vv]illage|[Cc]amp|[Dd]istrict|[Pp]rovince|[Rr]egion|"
    rf"[Cc]ounty|[Mm]unicipality|[Gg]overnorate|[Pp]refecture|[Dd]epartment) of)[ \t]+"
    rf"{_NAME}(?:[ \t]+{_NAME}){{0,2}}"
)
_TOKENS = re.compile(r"\[(?:name|place|email|phone)\]")


def _check_key(key: str | bytes) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)) or len(key) == 0:
        raise InputError(
            "a non-empty pseudonymisation key is needed for quotes.",
            hint="pass the study key, e.g. key=os.environ['NSMAP_PSEUDONYM_KEY'].",
        )
    return bytes(key)


def pseudonym(name: str, key: str | bytes, *, prefix: str = "P", length: int = 8) -> str:
    """Keyed pseudonym of a person's name (HMAC-SHA-256 of the normalised name).

    The same name and key always give the same pseudonym; without the key the name
    cannot be recovered or re-derived.  Names are trimmed, case-folded and their inner
    spaces collapsed before hashing.
    """
    k = _check_key(key)
    return str(pseudonymise(pd.Series([str(name)]), k, prefix=prefix, length=length).iloc[0])


def speaker_names(texts: Iterable[str]) -> list[str]:
    """Non-generic speaker labels found at line starts in ``texts``."""
    out: dict[str, None] = {}
    for t in texts:
        if not isinstance(t, str):
            continue
        for m in _LABEL.finditer(t):
            label = m.group("label").strip()
            if not _GENERIC.match(label):
                out[label] = None
    return list(out)


#: Words never masked on their own when they are part of a speaker label
#: ("Kenya Red Cross:" masks the whole label, not every "Red" and "Cross").
_NOT_NAMES = frozenset(
    {
        "red",
        "cross",
        "crescent",
        "society",
        "national",
        "international",
        "federation",
        "committee",
        "branch",
        "office",
        "team",
        "staff",
        "volunteer",
        "volunteers",
        "the",
        "and",
        "of",
        "for",
        "de",
        "la",
        "du",
        "des",
        "del",
        "los",
        "las",
        "el",
    }
)


def _name_words(names: Iterable[str]) -> list[str]:
    words: dict[str, None] = {}
    for n in names:
        n = str(n).strip()
        if not n:
            continue
        words[n] = None
        for w in n.split():
            if len(w) >= 3 and w.casefold() not in _NOT_NAMES:
                words[w] = None
    return list(words)


def mask_quote(
    text: str,
    *,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    key: str | bytes | None = None,
) -> str:
    """Mask personal details in one quote.

    Parameters
    ----------
    text : str
    names, places : iterable of str
        Known personal names and sub-national places.
    key : str or bytes, optional
        Pseudonymisation key for speaker labels; without it labels become
        ``[speaker]``.

    Returns
    -------
    str
        The text with speaker labels pseudonymised and ``[email]``, ``[phone]``,
        ``[name]`` and ``[place]`` in place of what was found (see the module notes for
        what is and is not caught).
    """
    if not isinstance(text, str):
        return text
    labels = speaker_names([text])

    def relabel(m: re.Match[str]) -> str:
        label = m.group("label").strip()
        if _GENERIC.match(label):
            return m.group(0)
        who = pseudonym(label, key) if key is not None else "[speaker]"
        return f"{m.group('indent')}{who}:{m.group('rest')}"

    out = _LABEL.sub(relabel, text)
    out = _SELF.sub(lambda m: m.group("pre") + " [name]", out)
    out = _TITLE.sub("[name]", out)
    out = _PLACE_OF.sub(lambda m: m.group("pre") + " [place]", out)
    out = _PLACE_AFTER.sub("[place]", out)
    masked = mask_text(
        pd.Series([out], dtype="string"),
        names=_name_words(list(names) + labels),
        places=list(places),
    )
    return str(masked.iloc[0])


def quote_table(
    segments: pd.DataFrame,
    *,
    key: str | bytes,
    codes: Iterable[str] | None = None,
    names: Iterable[str] = (),
    places: Iterable[str] = (),
    per_code: int = 3,
    min_chars: int = 40,
    max_chars: int = 400,
    seed: int | None = None,
) -> pd.DataFrame:
    """Exemplar quotes per code, pseudonymised and masked.

    For each code, up to ``per_code`` segments are chosen: segments of ``min_chars`` to
    ``max_chars`` characters first, one per Society before a second from the same
    Society, in a random order fixed by ``seed``.  Longer quotes are cut at a word
    boundary (``truncated``).  Speaker names found in *any* segment are masked in every
    quote.

    Parameters
    ----------
    segments : DataFrame
        Accepted segments (with ``segment`` text, ``code``, ``ns_iso3``,
        ``interview_id``; optionally ``theme``, ``zone``, ``speaker``).
    key : str or bytes
        Pseudonymisation key (required).
    codes : iterable of str, optional
        Codes to quote (default: all, in theme then code order).
    names, places : iterable of str
        Known names and sub-national places to mask.
    per_code, min_chars, max_chars : int
    seed : int, optional

    Returns
    -------
    DataFrame
        ``theme``, ``code``, ``zone``, ``ns_iso3``, ``interview`` (keyed pseudonym of the
        interview id), ``speaker`` (pseudonym, or NA), ``quote``, ``n_masked`` (number
        of ``[name]``/``[place]``/``[email]``/``[phone]`` inserted) and ``truncated``.
    """
    k = _check_key(key)
    need = [c for c in ("segment", "code", "ns_iso3", "interview_id") if c not in segments]
    if need:
        raise InputError(
            f"the segments table has no column {need[0]!r}.",
            column=need[0],
            hint="pass read_segments(...).data, the validated segments.",
        )
    seg = segments[
        segments["segment"].notna() & (segments["segment"].astype("string").str.strip() != "")
    ].copy()
    speakers = []
    if "speaker" in seg:
        speakers = [s for s in seg["speaker"].dropna().astype(str) if s.strip()]
    all_names = list(names) + speakers + speaker_names(seg["segment"].astype(str))
    rng = np.random.default_rng(seed)
    if codes is None:
        order = seg[["code"] + (["theme"] if "theme" in seg else [])].drop_duplicates()
        order = order.sort_values(["theme", "code"] if "theme" in order else ["code"])
        codes = order["code"].astype(str).tolist()
    rows = []
    for code in codes:
        cand = seg[seg["code"].astype(str) == code].drop_duplicates("segment")
        if cand.empty:
            continue
        length = cand["segment"].astype(str).str.len().to_numpy()
        fits = (length >= min_chars) & (length <= max_chars)
        rnd = rng.random(len(cand))
        cand = cand.assign(_fit=~fits, _r=rnd).sort_values(["_fit", "_r"])
        cand["_nth"] = cand.groupby("ns_iso3").cumcount()
        cand = cand.sort_values(["_nth", "_fit", "_r"]).head(per_code)
        for r in cand.itertuples(index=False):
            text = str(r.segment).strip()
            masked = mask_quote(text, names=all_names, places=places, key=k)
            truncated = len(masked) > max_chars
            if truncated:
                cut = masked[:max_chars].rsplit(" ", 1)[0]
                masked = cut.rstrip(" ,;:") + " …"
            spk = getattr(r, "speaker", None)
            spk_ps = pseudonym(spk, k) if isinstance(spk, str) and spk.strip() else pd.NA
            if spk_ps is pd.NA:
                labels = speaker_names([text])
                spk_ps = pseudonym(labels[0], k) if labels else pd.NA
            rows.append(
                {
                    "theme": getattr(r, "theme", pd.NA),
                    "code": code,
                    "zone": getattr(r, "zone", pd.NA),
                    "ns_iso3": r.ns_iso3,
                    "interview": pseudonym(str(r.interview_id), k, prefix="I"),
                    "speaker": spk_ps,
                    "quote": masked,
                    "n_masked": len(_TOKENS.findall(masked)) - len(_TOKENS.findall(text)),
                    "truncated": truncated,
                }
            )
    cols = [
        "theme",
        "code",
        "zone",
        "ns_iso3",
        "interview",
        "speaker",
        "quote",
        "n_masked",
        "truncated",
    ]
    out = pd.DataFrame(rows, columns=cols)
    for c in cols[:7]:
        out[c] = out[c].astype("string")
    return out
