"""Normalising National Society names as people write them.

One function, :func:`normalise_name`, turns a name in English, French, Spanish,
Portuguese or Arabic into a short key of the words that identify the Society: "Croix-Rouge
du Bénin", "Red Cross Society of Benin" and "Cruz Roja de Benín" all become ``"benin"``.
The crosswalk (``toolkit/data/society_names.csv``) and the values of an export go through
the same function, so the generic words ("Red Cross", "Croix-Rouge", "Cruz Roja",
"الهلال الأحمر", "Society", "of", ...) never decide a match.

The steps, in order:

1. casefold;
2. Unicode NFKD, then drop combining marks: accents of Latin letters (é -> e, ñ -> n),
   Arabic harakat and the hamza carried by alef (أ إ آ -> ا; also ؤ -> و, ئ -> ي);
   presentation forms become base letters;
3. Arabic letters unified: tatweel removed, ى -> ي, ة -> ه, Persian ی -> ي, ک -> ك;
4. French elision removed (``d'Ukraine`` -> ``Ukraine``, ``l'Ouganda``), then other
   apostrophes removed (``People's`` -> ``Peoples``);
5. everything that is not a letter or a digit becomes a space;
6. abbreviations expanded (``st`` -> ``saint``, ``rep`` -> ``republic``, ...) and the
   generic words of :data:`GENERIC_WORDS` removed;
7. single spaces between the remaining words.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

__all__ = ["GENERIC_WORDS", "drop_misspelt_generic", "normalise_name", "sorted_key"]

_GENERIC_AS_WRITTEN = (
    # English
    "red", "cross", "crescent", "redcross", "redcrescent", "society", "societies",
    "national", "authority", "of", "the", "and", "in", "rc", "rcs",
    # French
    "croix", "rouge", "croissant", "société", "nationale", "autorité", "de", "du",
    "des", "la", "le", "les", "en", "et",
    # Spanish
    "cruz", "roja", "media", "luna", "sociedad", "nacional", "autoridad", "del", "el",
    "los", "las", "y",
    # Portuguese
    "vermelha", "vermelho", "crescente", "sociedade", "da", "do", "das", "dos", "e",
    # Arabic
    "الهلال", "الأحمر", "الصليب", "للهلال", "للصليب", "جمعية", "الجمعية", "الوطنية",
    "الوطني", "هيئة", "في", "دولة", "لدولة",
)  # fmt: skip

_ABBREVIATIONS: dict[str, str] = {
    "st": "saint",
    "ste": "sainte",
    "sto": "santo",
    "rep": "republic",
    "dem": "democratic",
    "fed": "federated",
    "sts": "states",
    "pdr": "peoples democratic republic",
    "utd": "united",
    "n": "north",
    "s": "south",
}

_ARABIC = str.maketrans({"ـ": None, "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك", "ٱ": "ا"})
_ELISION = re.compile(r"\b[dl]['’ʼ`](?=\w)")
_APOSTROPHE = re.compile(r"['’ʼ`]")
_NOT_WORD = re.compile(r"[\W_]+")


def _words(value: object) -> list[str]:
    """Steps 1-5 of the module docstring: the words of a name, before step 6."""
    text = "" if value is None else str(value)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_ARABIC)
    text = _APOSTROPHE.sub("", _ELISION.sub("", text))
    return _NOT_WORD.sub(" ", text).split()


#: Words that name the Movement, the kind of body or a grammatical link in English,
#: French, Spanish, Portuguese and Arabic (as :func:`normalise_name` spells them: no
#: accents, ة -> ه, no hamza). They are removed from every name.
GENERIC_WORDS: frozenset[str] = frozenset(w for g in _GENERIC_AS_WRITTEN for w in _words(g))


def normalise_name(value: object) -> str:
    """Reduce a Society or country name to the words that identify it.

    Parameters
    ----------
    value : object
        A name as written (any script); ``None`` and non-strings are converted with
        ``str`` first.

    Returns
    -------
    str
        Lower-case words without accents, Arabic vowel marks, punctuation or generic
        words, separated by single spaces; ``""`` if nothing identifying is left.

    Examples
    --------
    >>> normalise_name("Croix-Rouge du Bénin")
    'benin'
    >>> normalise_name("Red Cross Society of Côte d’Ivoire")
    'cote ivoire'
    >>> normalise_name("جمعية الهلال الأحمر المصري")
    'المصري'
    >>> normalise_name("St. Lucia Red Cross")
    'saint lucia'
    """
    words: list[str] = []
    for word in _words(value):
        for part in _ABBREVIATIONS.get(word, word).split():
            if part not in GENERIC_WORDS:
                words.append(part)
    return " ".join(words)


def sorted_key(key: str) -> str:
    """Return the words of a normalised key in sorted order.

    Parameters
    ----------
    key : str
        Output of :func:`normalise_name`.

    Returns
    -------
    str
        The same words, sorted, so that "Korea, Republic of" and "Republic of Korea"
        give the same key.

    Examples
    --------
    >>> sorted_key("korea republic")
    'korea republic'
    >>> sorted_key("republic korea")
    'korea republic'
    """
    return " ".join(sorted(key.split()))


_LONG_GENERIC = tuple(sorted(w for w in GENERIC_WORDS if len(w) >= 4))


def drop_misspelt_generic(key: str, *, cutoff: float = 0.85) -> str:
    """Drop the words of a normalised key that are misspelt generic words.

    Parameters
    ----------
    key : str
        Output of :func:`normalise_name`.
    cutoff : float, default 0.85
        Lowest :class:`difflib.SequenceMatcher` ratio between a Latin-script word (of
        4 letters or more) and a generic word of 4 letters or more for the word to be
        dropped. Arabic words are kept: the article and endings they share with the
        generic words make them look alike.

    Returns
    -------
    str
        The key without those words ("kenia cros" -> "kenia"; "socity" and "cresent"
        go too). No word of a crosswalk name is this close to a generic word
        (``tests/test_frame_crosswalk.py`` checks it), so no identifying word is lost.

    Examples
    --------
    >>> drop_misspelt_generic("kenia cros")
    'kenia'
    """
    kept = []
    matcher = SequenceMatcher(autojunk=False)
    for word in key.split():
        matcher.set_seq2(word)
        near = False
        for generic in _LONG_GENERIC if len(word) >= 4 and word.isascii() else ():
            matcher.set_seq1(generic)
            if matcher.real_quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
                near = True
                break
        if not near:
            kept.append(word)
    return " ".join(kept)
