"""Automatic detection of likely personal names and sub-national places in interview
texts, so that exemplar quotes can be masked.

Private helper module of :mod:`toolkit.interviews`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

__all__: list[str] = []

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
