"""Languages of the published outputs: catalogues, CLDR formats, labels and fallbacks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from toolkit.errors import InputError
from toolkit.publish._i18n import (
    LANGUAGES,
    Fallbacks,
    catalogue_path,
    font_dir,
    get_language,
    locale_dir,
    plain_digits,
)

ROOT = Path(__file__).resolve().parents[1]
PUBLISH = ROOT / "toolkit" / "publish"
KEYWORDS = {**DEFAULT_KEYWORDS, "translate": None}
PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _code_messages() -> set[str]:
    """Every msgid in the code, extracted as ``pybabel extract`` does with babel.cfg."""
    cfg = (locale_dir() / "babel.cfg").read_text(encoding="utf-8")
    assert "[python: toolkit/publish/**.py]" in cfg
    found = extract_from_dir(str(PUBLISH), [("**.py", "python")], keywords=KEYWORDS)
    return {msg for _, _, msg, _, _ in found if isinstance(msg, str)}


def _catalogue(code: str):
    with catalogue_path(code).open("rb") as fh:
        return read_po(fh, locale=code)


@pytest.fixture(scope="module")
def code_messages() -> set[str]:
    return _code_messages()


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_in_the_code_is_in_each_catalogue(code, code_messages):
    ids = {m.id for m in _catalogue(code) if m.id}
    assert code_messages - ids == set(), f"{code}: run pybabel update (locale/README.md)"


def test_translated_share_per_language(code_messages, capsys):
    shares = {}
    for code in LANGUAGES:
        cat = _catalogue(code)
        done = sum(
            1 for m in cat if m.id in code_messages and (code == "en" or (m.string and not m.fuzzy))
        )
        shares[code] = done / len(code_messages)
    with capsys.disabled():
        print(
            f"\ncatalogue: {len(code_messages)} messages; translated: "
            + ", ".join(f"{c} {s:.0%}" for c, s in shares.items())
        )
    assert all(s == 1.0 for s in shares.values()), shares


def test_template_is_in_step_with_the_code(code_messages):
    with (locale_dir() / "nsmap.pot").open("rb") as fh:
        pot = {m.id for m in read_po(fh) if m.id}
    assert pot == code_messages


@pytest.mark.parametrize("code", ["fr", "es", "ar"])
def test_translations_keep_the_placeholders(code):
    for m in _catalogue(code):
        if m.id and m.string:
            assert set(PLACEHOLDER.findall(m.id)) == set(PLACEHOLDER.findall(m.string)), m.id


def test_french_numbers_percentages_and_dates():
    fr = get_language("fr")
    assert fr.percent(0.59) == "59\xa0%"  # CLDR's French percent pattern: no-break space
    assert fr.number(1234.5, 1) == "1\u202f234,5"  # narrow no-break space, decimal comma
    assert fr.percent(0.125, 1) == "12,5\xa0%"
    assert fr.percent_range(0.48, 0.7) == "48–70\xa0%"
    assert fr.date(dt.date(2026, 5, 4)) == "4 mai 2026"
    assert get_language("es").date(dt.date(2026, 5, 4)) == "4 de mayo de 2026"
    assert get_language("en").percent(0.59) == "59%"


def test_arabic_follows_cldr_and_can_write_arabic_indic_digits():
    from babel import Locale

    ar = get_language("ar")
    assert ar.rtl and ar.direction == "rtl"
    assert ar.numbering == Locale.parse("ar").default_numbering_system
    if ar.numbering == "latn":  # CLDR 42+: Latin digits, percent sign kept in order by LRMs
        assert ar.percent(0.59) == "59\u200e%\u200e"
    arab = get_language("ar", numbering="arab")
    assert arab.percent(0.59).startswith("٥٩٪")
    assert arab.number(1234.5, 1) == "١٬٢٣٤٫٥"
    assert plain_digits(arab.percent(0.59)) == "59%"
    assert "مايو" in ar.date(dt.date(2026, 5, 4))


def test_unknown_language_lists_the_available_ones():
    with pytest.raises(InputError) as err:
        get_language("de")
    assert "en, fr, es, ar" in str(err.value)
    assert get_language("fr-FR").code == "fr"
    with pytest.raises(InputError):
        get_language("ar", numbering="thai")


def test_missing_translation_falls_back_to_english_and_is_counted():
    record = Fallbacks()
    fr = get_language("fr", fallbacks=record)
    assert fr.gettext("Key findings") == "Principaux résultats"
    assert fr.gettext("A sentence nobody translated") == "A sentence nobody translated"
    assert fr.gettext("A sentence nobody translated") == "A sentence nobody translated"
    assert record.count("fr") == 2
    assert record.to_dict()["fr"]["texts"] == [
        {"kind": "message", "text": "A sentence nobody translated", "uses": 2}
    ]
    assert get_language("en", fallbacks=record).gettext(
        "Not in any catalogue"
    ) and not record.count("en")


def test_labels_come_from_the_instrument_with_counted_fallback(instrument):
    record = Fallbacks()
    fr = get_language("fr", fallbacks=record)
    assert fr.choice_label(instrument, "activity", "health") == "Soins de santé"
    assert record.count() == 0
    ar = get_language("ar", fallbacks=record)
    label = ar.choice_label(instrument, "activity", "health")
    if ar.instrument_language(instrument) is None:  # the instrument has no Arabic yet
        assert label == instrument.choice_labels("activity")["health"]
        assert record.messages("ar") == [("label", "activity:health")]


def test_arabic_labels_for_the_instrument_cover_its_choice_lists(instrument):
    import pandas as pd

    table = pd.read_csv(ROOT / "scripts" / "instrument_ar.csv", keep_default_na=False)
    for name in ("activity", "stage", "target_group", "service_type"):
        got = table[table["list_name"] == name]
        assert set(got["name"]) == set(instrument.choice_names(name))
        assert got["label_ar"].str.contains("[\u0600-\u06ff]").all()


def test_country_names_from_cldr():
    assert get_language("ar").country("KEN", "Kenya") == "كينيا"
    assert get_language("fr").country("CIV", "Cote d'Ivoire") == "Côte d’Ivoire"
    record = Fallbacks()
    assert get_language("es", fallbacks=record).country("XXX", "Nowhere") == "Nowhere"
    assert record.count("es") == 1


def test_fonts_ship_with_their_licence():
    names = {p.name for p in font_dir().iterdir()}
    assert {"NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf", "OFL.txt"} <= names
    assert "SIL OPEN FONT LICENSE Version 1.1" in (font_dir() / "OFL.txt").read_text()
