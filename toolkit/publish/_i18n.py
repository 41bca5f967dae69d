"""Languages of the published outputs: gettext catalogues, CLDR number and date formats,
instrument labels and a record of every text that fell back to English.

Catalogues are GNU gettext ``.po`` files under ``toolkit/publish/locale/<code>/LC_MESSAGES/
nsmap.po`` (one per language, English included as the source).  They are read with Babel
and compiled **in memory, at first use** (cached for the process): the wheel carries only
the ``.po`` files, so a plain ``pip install`` (or an editable install, or a read-only
site-packages) works without a build hook and can never load a ``.mo`` file older than its
``.po``; reading the four catalogues takes a few milliseconds.  ``locale/README.md`` says
how to extract new messages (``pybabel extract``) and update the catalogues.

Numbers, percentages and dates follow the CLDR data Babel ships, with the locale's
default numbering system unless one is asked for: French ``59 %`` (no-break space) and
decimal commas, Spanish ``59 %``, Arabic the CLDR default for ``ar`` (Latin digits with
the Arabic percent pattern, whose left-to-right marks keep ``59%`` in order inside
right-to-left text; ``numbering="arab"`` writes Arabic-Indic digits ``٥٩٪``).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from toolkit.errors import InputError

__all__ = [
    "DOMAIN",
    "FONT_FAMILIES",
    "LANGUAGES",
    "N_",
    "Fallbacks",
    "Language",
    "available_languages",
    "catalogue_path",
    "check_languages",
    "font_dir",
    "get_language",
    "iter_languages",
    "locale_dir",
    "plain_digits",
]

#: Languages with a catalogue, in the order outputs list them.
LANGUAGES = ("en", "fr", "es", "ar")
#: gettext domain of the toolkit's catalogues.
DOMAIN = "nsmap"
#: Font families of the bundled fonts (``toolkit/data/fonts``), Latin first.
FONT_FAMILIES = ("Noto Sans", "Noto Sans Arabic")

_SOURCE = "en"
_DIGITS = {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹"}
_TO_ASCII = str.maketrans({d: str(i) for digits in _DIGITS.values() for i, d in enumerate(digits)})
_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogues without translating it.

    For module-level tables of messages (headings, zone names, index labels) that are
    translated later with :meth:`Language.gettext`.
    """
    return message


def locale_dir() -> Path:
    """Folder of the gettext catalogues (``toolkit/publish/locale``)."""
    return Path(__file__).resolve().parent / "locale"


def catalogue_path(code: str) -> Path:
    """The ``.po`` file of one language."""
    return locale_dir() / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def font_dir() -> Path:
    """Folder of the bundled fonts (``toolkit/data/fonts``, SIL OFL 1.1)."""
    return Path(__file__).resolve().parents[1] / "data" / "fonts"


def plain_digits(text: str) -> str:
    """``text`` with Arabic-Indic digits as ASCII digits and bidirectional marks,
    no-break spaces and Arabic separators made plain (for tests and parsing)."""
    text = text.translate(_TO_ASCII)
    for mark in ("\u200e", "\u200f", "\u061c", "\u2068", "\u2069", "\u2066", "\u2067"):
        text = text.replace(mark, "")
    return (
        text.replace("\u202f", " ")
        .replace("\xa0", " ")
        .replace("٫", ".")
        .replace("٬", ",")
        .replace("٪", "%")
    )


class Fallbacks:
    """Every text an output needed in a language and took in English instead.

    One object is shared by everything written in a run (pass it to
    :func:`get_language`); :meth:`to_dict` is what goes into the run manifest.
    """

    def __init__(self) -> None:
        self._counts: dict[str, Counter[tuple[str, str]]] = {}

    def record(self, lang: str, message: str, kind: str = "message") -> None:
        """Count one use of ``message`` (of ``kind``: a catalogue message or an
        instrument ``label``) that fell back to English in ``lang``."""
        self._counts.setdefault(lang, Counter())[(kind, message)] += 1

    def count(self, lang: str | None = None) -> int:
        """Number of fallbacks (uses, not distinct texts), in one language or in all."""
        langs = [lang] if lang is not None else list(self._counts)
        return sum(sum(self._counts.get(code, Counter()).values()) for code in langs)

    def messages(self, lang: str) -> list[tuple[str, str]]:
        """Distinct ``(kind, text)`` pairs that fell back in ``lang``, sorted."""
        return sorted(self._counts.get(lang, Counter()))

    def update(self, other: Fallbacks | Mapping[str, Mapping[str, Any]]) -> None:
        """Add the fallbacks of ``other`` (a record, or its :meth:`to_dict`, e.g. sent
        back by a worker process of the run) to this record."""
        data = other.to_dict() if isinstance(other, Fallbacks) else other
        for lang, entry in data.items():
            counts = self._counts.setdefault(lang, Counter())
            for item in entry.get("texts", ()):
                counts[(str(item["kind"]), str(item["text"]))] += int(item["uses"])

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{lang: {"count": uses, "distinct": n, "texts": [{"kind", "text", "uses"}]}}``."""
        out: dict[str, dict[str, Any]] = {}
        for lang in sorted(self._counts):
            counts = self._counts[lang]
            out[lang] = {
                "count": sum(counts.values()),
                "distinct": len(counts),
                "texts": [
                    {"kind": kind, "text": text, "uses": counts[(kind, text)]}
                    for kind, text in sorted(counts)
                ],
            }
        return out

    def __bool__(self) -> bool:
        return self.count() > 0

    def __repr__(self) -> str:
        per = ", ".join(f"{lang}: {self.count(lang)}" for lang in sorted(self._counts))
        return f"Fallbacks({per})"


@functools.cache
def _messages(code: str) -> Mapping[str, str]:
    """The translated, non-fuzzy messages of one catalogue (compiled at first use)."""
    from babel.messages.pofile import read_po

    path = catalogue_path(code)
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=code, domain=DOMAIN)
    out: dict[str, str] = {}
    for msg in catalog:
        usable = isinstance(msg.id, str) and isinstance(msg.string, str) and not msg.fuzzy
        if usable and msg.id and msg.string:
            out[str(msg.id)] = str(msg.string)
    return out


def available_languages() -> tuple[str, ...]:
    """Languages whose catalogue ships with the package."""
    return tuple(code for code in LANGUAGES if catalogue_path(code).is_file())


@dataclass(frozen=True)
class Language:
    """One output language: translations, number and date formats, labels, direction.

    Get one with :func:`get_language`.  Every method that returns text records in
    :attr:`fallbacks` what it had to take in English.

    Attributes
    ----------
    code : str
        ``en``, ``fr``, ``es`` or ``ar``.
    locale : babel.Locale
    numbering : str
        CLDR numbering system of the digits (``latn``, ``arab``).
    fallbacks : Fallbacks
    """

    code: str
    locale: Locale
    numbering: str
    fallbacks: Fallbacks = field(default_factory=Fallbacks, compare=False)

    # -- identity ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The language's own name (``français``, ``العربية``)."""
        return str(self.locale.get_display_name(self.code))

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.locale.text_direction == "rtl"

    @property
    def direction(self) -> str:
        """``"rtl"`` or ``"ltr"`` (for HTML ``dir`` and the PDF engine)."""
        return "rtl" if self.rtl else "ltr"

    # -- messages ----------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        """``message`` (an English msgid) in this language; English, counted in
        :attr:`fallbacks`, when the catalogue lacks it."""
        if self.code == _SOURCE:
            return _messages(self.code).get(message, message)
        text = _messages(self.code).get(message)
        if text is None:
            self.fallbacks.record(self.code, message)
            return message
        return text

    def translate(self, message: str, /, **values: Any) -> str:
        """Translate ``message`` and fill its ``{name}`` placeholders with ``values``.

        The extraction keyword of the catalogues, like ``gettext`` and ``N_``.
        """
        return self.gettext(message).format(**values)

    # -- numbers and dates -------------------------------------------------------------
    def _digits(self, text: str) -> str:
        digits = _DIGITS.get(self.numbering)
        if digits is None:
            return text
        return text.translate(str.maketrans("0123456789", digits))

    def _symbol(self, name: str, default: str) -> str:
        symbols = self.locale.number_symbols.get(self.numbering) or {}
        value = symbols.get(name)
        return str(value) if value and value != "None" else default

    def number(self, value: float, digits: int = 0) -> str:
        """A number with ``digits`` decimals, the locale's way (``1 234,5`` in French)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        text = format_decimal(value, pattern, locale=self.locale, numbering_system=self.numbering)
        return self._digits(text)

    def integer(self, value: int) -> str:
        """A whole number, the locale's way."""
        return self.number(int(value), 0)

    def percent(self, share: float, digits: int = 0) -> str:
        """A share (0-1) as a percentage, the locale's way (``59 %`` in French)."""
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return "–"
        pattern = self.locale.percent_formats[None].pattern
        if digits:
            pattern = pattern.replace("0", "0." + "0" * digits, 1)
        text = format_percent(share, pattern, locale=self.locale, numbering_system=self.numbering)
        # Babel keeps the pattern's literal "%": use the locale's percent sign (with
        # its bidirectional marks in Arabic).
        return self._digits(text.replace("%", self._symbol("percentSign", "%")))

    def percent_range(self, low: float, high: float) -> str:
        """An interval of shares, ``48–70%`` (the percent sign once, at the end)."""
        return self.translate(
            "{low}–{high}", low=self.number(round(low * 100)), high=self.percent(high)
        )

    def join(self, items: list[str]) -> str:
        """Items separated by semicolons, the language's way (``A ; B`` in French,
        ``A؛ B`` in Arabic): labels such as "Shelter and accommodation" hold commas
        and "and" themselves."""
        return self.gettext("; ").join(items)

    def date(self, value: dt.date) -> str:
        """A date in the locale's long format (``4 mai 2026``)."""
        return self._digits(format_date(value, format="long", locale=self.locale))

    # -- labels from elsewhere ----------------------------------------------------------
    def instrument_language(self, instrument: Any) -> str | None:
        """The instrument's label language for this code (``Français (fr)``), if any."""
        for name in getattr(instrument, "languages", ()):
            if name == self.code or name.endswith(f"({self.code})"):
                return str(name)
        return None

    def choice_label(self, instrument: Any, list_name: str, code: str, default: str = "") -> str:
        """Label of choice ``code`` of ``list_name`` in this language.

        Taken from the instrument's ``label::<language> (<code>)`` column; where the
        instrument has no such column or the cell is empty, the English (default)
        label is used and counted in :attr:`fallbacks`.
        """
        english = default or code
        if instrument is not None and list_name in getattr(instrument, "choices", {}):
            en_labels = instrument.choice_labels(list_name)
            english = str(en_labels.get(code) or english)
            column = self.instrument_language(instrument)
            if column is not None:
                table = instrument.choices[list_name]
                col = f"label::{column}"
                if col in table:
                    hit = table.loc[table["name"].astype(str) == code, col]
                    value = hit.iloc[0] if len(hit) else None
                    if isinstance(value, str) and value.strip():
                        return value.strip()
        if self.code != _SOURCE:
            self.fallbacks.record(self.code, f"{list_name}:{code}", kind="label")
        return english

    def country(self, iso3: str, default: str) -> str:
        """Country name in this language from CLDR (``KEN`` -> ``كينيا``), else ``default``."""
        from babel.core import get_global

        alpha2 = (get_global("territory_aliases").get(iso3.upper()) or [None])[0]
        name = self.locale.territories.get(alpha2) if alpha2 else None
        if not name:
            if self.code != _SOURCE:
                self.fallbacks.record(self.code, iso3, kind="country")
            return default
        return str(name)

    def isolate(self, text: str) -> str:
        """``text`` in a bidirectional isolate when this language is right to left, so
        that a Latin name or number inside Arabic keeps its own order."""
        return f"\u2068{text}\u2069" if self.rtl and text else text

    def placeholders(self, message: str) -> set[str]:
        """Placeholder names of ``message`` in this language (for checks)."""
        return set(_PLACEHOLDER.findall(self.gettext(message)))


def get_language(
    code: str, *, fallbacks: Fallbacks | None = None, numbering: str | None = None
) -> Language:
    """The :class:`Language` for ``code``.

    Parameters
    ----------
    code : str
        ``en``, ``fr``, ``es`` or ``ar`` (case-insensitive; ``fr-FR`` and ``fr_FR``
        are read as ``fr``).
    fallbacks : Fallbacks, optional
        Where to record texts taken in English (a new record when omitted); share one
        across a run and write it into the manifest.
    numbering : str, optional
        CLDR numbering system of the digits; the locale's default when omitted
        (``latn`` for all four languages in CLDR 42 and later; ``arab`` gives
        Arabic-Indic digits).

    Raises
    ------
    InputError
        If there is no catalogue for ``code`` (the message lists the available
        languages) or ``numbering`` is not one the toolkit writes.
    """
    available = available_languages()
    norm = str(code).strip().replace("-", "_").split("_")[0].lower()
    if norm not in available:
        raise InputError(
            f"there is no translation for language {code!r}.",
            column="language",
            value=code,
            hint=f"use one of {', '.join(available)}.",
        )
    locale = Locale.parse(norm)
    system = numbering or str(getattr(locale, "default_numbering_system", "latn"))
    if system not in ("latn", *_DIGITS):
        raise InputError(
            f"numbering system {system!r} is not supported.",
            column="numbering",
            value=system,
            hint=f"use one of latn, {', '.join(_DIGITS)}.",
        )
    return Language(norm, locale, system, fallbacks if fallbacks is not None else Fallbacks())


def check_languages(codes: str | Iterable[str], *, key: str = "language") -> tuple[str, ...]:
    """The language codes of ``codes`` (a list, or a comma-separated string such as
    ``"fr,es"``), normalised (``fr-FR`` -> ``fr``) and without repeats, in order.

    Parameters
    ----------
    codes : str or iterable of str
    key : str, default "language"
        What to name in an error (the option or the configuration key).

    Raises
    ------
    InputError
        For an empty list or a code without a catalogue; the message lists the
        available languages.
    """
    items = codes.split(",") if isinstance(codes, str) else list(codes)
    available = available_languages()
    out: list[str] = []
    for item in items:
        raw = str(item).strip()
        if not raw:
            continue
        norm = raw.replace("-", "_").split("_")[0].lower()
        if norm not in available:
            raise InputError(
                f"there is no translation for language {raw!r}.",
                column=key,
                value=raw,
                hint=f"use one or more of {', '.join(available)} (comma-separated).",
            )
        if norm not in out:
            out.append(norm)
    if not out:
        raise InputError(
            "no language is given.",
            column=key,
            hint=f"use one or more of {', '.join(available)} (comma-separated).",
        )
    return tuple(out)


def iter_languages(
    codes: Iterator[str] | tuple[str, ...] = LANGUAGES, *, fallbacks: Fallbacks | None = None
) -> Iterator[Language]:
    """:func:`get_language` for each of ``codes``, sharing one fallback record."""
    record = fallbacks if fallbacks is not None else Fallbacks()
    for code in codes:
        yield get_language(code, fallbacks=record)
