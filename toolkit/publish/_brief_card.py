"""What a run's landing page shows of a brief: one card per zone, in one language.

A card is the zone's response rate, two or three headline numbers and, for the
network brief, the headline sentences of the study.  Every number on a card is one
of the brief's key findings (:meth:`~toolkit.publish._brief_findings.Finding.shown`)
or its data note, so the card never says more than the brief, and a withheld share or
one with too few answers never appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from toolkit.publish._brief import Brief
from toolkit.publish._brief_terms import INDEX_LABELS, zone_name
from toolkit.publish._brief_text import finding_text, label
from toolkit.publish._i18n import Language

__all__ = ["BriefCard", "CardNumber", "brief_card"]

#: Findings whose share a card may show as a headline number.
_SHARE_WORDINGS = ("about", "nearly_all", "very_few", "between")


@dataclass(frozen=True)
class CardNumber:
    """One headline number of a card.

    Attributes
    ----------
    label : str
        What the number is (an activity's label, "Gaps along the routes").
    value : str
        The number as written in the card's language (``62 %``, ``35–78 %``, ``4``).
    note : str
        Its interval or what it is out of.
    code : str
        The indicator (activity code) or ``"gaps"``.
    """

    label: str
    value: str
    note: str = ""
    code: str = ""


@dataclass(frozen=True)
class BriefCard:
    """A zone's card on the landing page, every string in one language.

    Attributes
    ----------
    zone, lang : str
    rtl : bool
    title : str
        The zone's name.
    rate : str
        The response rate (``45 %``).
    response : str
        The sentence "17 of 38 National Societies answered (45 %)."
    numbers : tuple of CardNumber
        Two or three headline numbers.
    headlines : tuple of str
        Key findings as sentences (the network card's are the study's headline).
    figure_alt : str
        Text alternative of the key figure's thumbnail.
    """

    zone: str
    lang: str
    rtl: bool
    title: str
    rate: str
    response: str
    numbers: tuple[CardNumber, ...] = field(default=())
    headlines: tuple[str, ...] = field(default=())
    figure_alt: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON, pickling between processes)."""
        return {
            "zone": self.zone,
            "lang": self.lang,
            "rtl": self.rtl,
            "title": self.title,
            "rate": self.rate,
            "response": self.response,
            "numbers": [n.__dict__.copy() for n in self.numbers],
            "headlines": list(self.headlines),
            "figure_alt": self.figure_alt,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BriefCard:
        """The card of :meth:`to_dict`."""
        return cls(
            zone=str(data["zone"]),
            lang=str(data["lang"]),
            rtl=bool(data["rtl"]),
            title=str(data["title"]),
            rate=str(data["rate"]),
            response=str(data["response"]),
            numbers=tuple(CardNumber(**n) for n in data.get("numbers", ())),
            headlines=tuple(str(h) for h in data.get("headlines", ())),
            figure_alt=str(data.get("figure_alt", "")),
        )


def _share_number(lang: Language, brief: Brief, finding: Any) -> CardNumber:
    name = label(lang, brief, finding.dimension, finding.code)
    if finding.wording == "between":
        return CardNumber(
            name,
            lang.percent_range(finding.ci_low, finding.ci_high),
            lang.gettext(INDEX_LABELS["wide_note"]),
            finding.code,
        )
    level = lang.percent(brief.level, 1 if round(brief.level * 100) != brief.level * 100 else 0)
    return CardNumber(
        name,
        lang.percent(finding.estimate),
        lang.translate(
            INDEX_LABELS["interval_note"],
            level=level,
            range=lang.percent_range(finding.ci_low, finding.ci_high),
        ),
        finding.code,
    )


def _sentence(lang: Language, brief: Brief, finding: Any) -> str:
    """A key finding as the brief prints it: the indicator's label, then the sentence."""
    text = finding_text(lang, brief, finding)
    return f"{text.lead} {text.text}"


def brief_card(brief: Brief, lang: Language, *, headlines: int = 0) -> BriefCard:
    """The landing-page card of ``brief`` in ``lang``.

    The headline numbers are the shares of the brief's first two key findings that
    state one (the most common activities of the zone, or of the network), with their
    interval, then the gaps along the zone's routes (out of the stage–activity cells
    migrants need, with how many are unknown).

    Parameters
    ----------
    brief : Brief
    lang : Language
    headlines : int, default 0
        Key findings given as whole sentences, label first (the network card of the
        landing page shows three as the study's headline).

    Returns
    -------
    BriefCard
    """
    numbers = [
        _share_number(lang, brief, f)
        for f in brief.findings
        if f.kind == "top" and f.wording in _SHARE_WORDINGS
    ][:2]
    routes = brief.routes
    needed = int(routes["needed_cells"].sum()) if not routes.empty else 0
    if needed:
        numbers.append(
            CardNumber(
                lang.gettext(INDEX_LABELS["gaps"]),
                lang.integer(int(routes["gaps"].sum())),
                lang.translate(
                    INDEX_LABELS["gaps_note"],
                    needed=lang.integer(needed),
                    unknown=lang.integer(int(routes["unknown"].sum())),
                ),
                "gaps",
            )
        )
    rate = lang.percent(brief.response_rate) if brief.population else "–"
    return BriefCard(
        zone=brief.zone,
        lang=lang.code,
        rtl=lang.rtl,
        title=zone_name(lang, brief.zone),
        rate=rate,
        response=lang.translate(
            "{n} of {population} National Societies answered ({rate}).",
            n=lang.integer(brief.n),
            population=lang.integer(brief.population),
            rate=rate,
        ),
        numbers=tuple(numbers),
        headlines=tuple(_sentence(lang, brief, f) for f in brief.findings[:headlines]),
        figure_alt=lang.gettext(
            "Dots and bars: share of National Societies running each activity, with intervals."
        ),
    )
