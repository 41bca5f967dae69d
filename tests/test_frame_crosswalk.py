"""Tests of toolkit.frame's crosswalk: identifying Societies as people write them."""

from __future__ import annotations

import csv
import doctest
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import FrameError
from toolkit.frame import (
    ACCEPTED_RULES,
    CROSSWALK_COLUMNS,
    MATCH_COLUMNS,
    MATCH_RULES,
    _crosswalk,
    _matching,
    _normalise,
    bundled_crosswalk_path,
    load_crosswalk,
    match_societies,
    normalise_name,
)

REPO = Path(__file__).resolve().parents[1]

# value, expected iso3 (accepted) or None, expected rule, expected first suggestion
CASES: list[tuple[object, str | None, str, str | None]] = [
    # ---- codes
    ("KEN", "KEN", "iso3", None),
    (" ken ", "KEN", "iso3", None),
    ("BJ", "BEN", "iso2", None),
    ("cd", "COD", "iso2", None),
    ("DKE001", "KEN", "fdrs", None),
    ("dbj001", "BEN", "fdrs", None),
    # a bare number among names is not read as a GO id (see test_numbers_*)
    ("209", None, "number", "BEN"),
    (209.0, None, "number", "BEN"),
    ("Benin (209)", "BEN", "name", None),  # a name confirms the number
    ("GRC", "GRC", "iso3", None),  # Greece, not the German Red Cross: codes win
    ("MDA", "MDA", "iso3", None),  # Moldova, not Magen David Adom
    ("OMN", None, "not_found", None),  # Oman has no member Society
    # ---- countries, English
    ("Kenya", "KEN", "name", None),
    ("Côte d'Ivoire", "CIV", "name", None),
    ("Cote dIvoire", "CIV", "fuzzy", None),
    ("Ivory Coast", "CIV", "name", None),
    ("Congo", "COG", "name", None),
    ("Congo-Brazzaville", "COG", "name", None),
    ("Republic of the Congo", "COG", "name", None),
    ("DR Congo", "COD", "name", None),
    ("Congo, Dem. Rep.", "COD", "name", None),
    ("Democratic Republic of Congo", "COD", "name", None),
    ("Republic of Korea", "KOR", "name", None),
    ("Korea, Republic of", "KOR", "name", None),
    ("South Korea", "KOR", "name", None),
    ("North Korea", "PRK", "name", None),
    ("Korea", None, "ambiguous", "KOR"),
    ("Guinea", "GIN", "name", None),
    ("Guinea-Bissau", "GNB", "name", None),
    ("Guinea Bissau", "GNB", "name", None),
    ("Equatorial Guinea", "GNQ", "name", None),
    ("Papua New Guinea", "PNG", "name", None),
    ("Niger", "NER", "name", None),
    ("Nigeria", "NGA", "name", None),
    ("Sudan", "SDN", "name", None),
    ("South Sudan", "SSD", "name", None),
    ("Sudan, South", "SSD", "name", None),
    ("S. Sudan", "SSD", "name", None),
    ("Dominica", "DMA", "name", None),
    ("Dominican Republic", "DOM", "name", None),
    ("Viet Nam", "VNM", "name", None),
    ("Turkey", "TUR", "name", None),
    ("Turkiye", "TUR", "name", None),
    ("Swaziland", "SWZ", "name", None),
    ("UK", "GBR", "name", None),
    ("United States of America", "USA", "name", None),
    ("Iran", "IRN", "name", None),
    ("St. Lucia", "LCA", "name", None),
    ("Saint Vincent & the Grenadines", "VCT", "name", None),
    ("Trinidad & Tobago", "TTO", "name", None),
    ("Micronesia", "FSM", "name", None),
    ("Laos", "LAO", "name", None),
    ("Timor Leste", "TLS", "name", None),
    ("Palestine", "PSE", "name", None),
    # ---- Societies, English
    ("Kenya Red Cross Society", "KEN", "name", None),
    ("KRCS", "KEN", "name", None),
    ("British Red Cross", "GBR", "name", None),
    ("American Red Cross", "USA", "name", None),
    ("Magen David Adom", "ISR", "name", None),
    ("Nigerian Red Cross Society", "NGA", "name", None),
    ("Red Cross Society of Niger", "NER", "name", None),
    ("The Sudanese Red Crescent", "SDN", "name", None),
    ("South Sudan Red Cross", "SSD", "name", None),
    ("Red Crescent Society of the Islamic Republic of Iran", "IRN", "name", None),
    ("Palestine Red Crescent Society", "PSE", "name", None),
    ("Danish Red Cross", "DNK", "name", None),
    ("DRC", None, "ambiguous", "COD"),  # DR Congo or the Danish Red Cross
    ("PRCS", None, "ambiguous", "PAK"),  # Pakistan or Palestine Red Crescent Society
    ("Red Crescent", None, "ambiguous", None),  # generic words only: which Society?
    ("Red Cross", None, "ambiguous", None),
    ("ICRC", None, "not_found", None),
    # ---- French
    ("Croix-Rouge béninoise", "BEN", "name", None),
    ("Croix Rouge Beninoise", "BEN", "name", None),
    ("CROIX-ROUGE BÉNINOISE", "BEN", "name", None),
    ("Croix-Rouge du Bénin", "BEN", "name", None),
    ("Croix-Rouge de Côte d’Ivoire", "CIV", "name", None),
    ("Croix Rouge Francaise", "FRA", "name", None),
    ("Croissant-Rouge marocain", "MAR", "name", None),
    ("Croissant Rouge Algerienne", "DZA", "fuzzy", None),
    ("Croix-Rouge de la République démocratique du Congo", "COD", "name", None),
    ("RDC", "COD", "name", None),
    ("Croix-Rouge guinéenne", "GIN", "name", None),
    ("Croix-Rouge nigérienne", "NER", "name", None),
    ("Sénégal", "SEN", "name", None),
    ("Guinée équatoriale", "GNQ", "name", None),
    ("Soudan du Sud", "SSD", "name", None),
    ("Société de la Croix-Rouge centrafricaine", "CAF", "name", None),
    ("Croix-Rouge d'Ukraine", "UKR", "name", None),
    ("Corée", None, "ambiguous", "KOR"),
    # ---- Spanish
    ("Cruz Roja Mexicana", "MEX", "name", None),
    ("Cruz Roja Espanola", "ESP", "name", None),
    ("Sociedad de la Cruz Roja Colombiana", "COL", "name", None),
    ("Cruz Roja de Guinea Ecuatorial", "GNQ", "name", None),
    ("Media Luna Roja Argelina", "DZA", "name", None),
    ("Níger", "NER", "name", None),
    ("Sudán del Sur", "SSD", "name", None),
    ("República Dominicana", "DOM", "name", None),
    ("Cruz Roja Hondurena", "HND", "name", None),
    ("Kenia", "KEN", "name", None),
    ("Corea del Sur", "KOR", "name", None),
    # ---- Arabic
    ("الهلال الأحمر المصري", "EGY", "name", None),
    ("جمعية الهلال الاحمر المصري", "EGY", "name", None),
    ("ٱلْهِلَالُ ٱلْأَحْمَرُ ٱلْمِصْرِيّ", "EGY", "name", None),  # with harakat
    ("الهلال الأحمر المصرى", "EGY", "name", None),  # ى for ي
    ("مصر", "EGY", "name", None),
    ("الهلال الأحمر الجزائري", "DZA", "name", None),
    ("جمعية الهلال الأحمر السوداني", "SDN", "name", None),
    ("السودان", "SDN", "name", None),
    ("جنوب السودان", "SSD", "name", None),
    ("الصليب الأحمر في جنوب السودان", "SSD", "name", None),
    ("الصليب الأحمر اللبناني", "LBN", "name", None),
    ("الصليب الأحمر لغينيا", "GIN", "name", None),
    ("النيجر", "NER", "name", None),
    ("نيجيريا", "NGA", "name", None),
    ("الهلال الأحمر الأردني", "JOR", "name", None),
    ("جمعية الهلال الأحمر الكويتية", "KWT", "name", None),
    ("كوريا", None, "ambiguous", "KOR"),
    # ---- Portuguese and own languages
    ("Cruz Vermelha de Angola", "AGO", "name", None),
    ("Cruz Vermelha Portuguesa", "PRT", "name", None),
    ("Deutsches Rotes Kreuz", "DEU", "name", None),
    # ---- typos and near misses
    ("Kenia Red Cros", "KEN", "fuzzy", None),
    ("Ethopian Red Cross", "ETH", "fuzzy", None),
    ("Bangldesh Red Crescent", "BGD", "fuzzy", None),
    ("Afganistán", "AFG", "name", None),  # CLDR Spanish
    ("Afghanstan", "AFG", "fuzzy", None),
    ("Philipines", "PHL", "fuzzy", None),
    ("Austrailia", "AUS", "fuzzy", None),
    ("Swizerland", "CHE", "fuzzy", None),
    ("Beninese Red Cross", None, "near_miss", "BEN"),
    ("Croix-Rouge Béninnoise du Nord", None, "near_miss", "BEN"),
    ("Nigerien Red Cross", None, "ambiguous", "NER"),  # Croix-Rouge nigérienne / Nigerian
    ("Gambai", None, "near_miss", "GMB"),
    ("Columbia", "COL", "fuzzy", None),
    ("Cruz Roja Colombianna", "COL", "fuzzy", None),
    ("Kenya (KEN)", "KEN", "name", None),  # name and code agree
    ("KEN - Kenya Red Cross Society", "KEN", "name", None),
    ("Korea (KOR)", "KOR", "name", None),  # the code settles the name
    ("Kenya (UGA)", None, "ambiguous", "KEN"),  # name and code disagree
    ("Afghanistan — Afghan Red Crescent Society", "AFG", "name", None),  # a choice label
    ("Atlantis", None, "near_miss", "ALB"),  # a poor suggestion (0.71), never accepted
    ("Kenya (Nairobi branch)", None, "near_miss", "KEN"),
    # ---- missing
    ("", None, "missing", None),
    ("N/A", None, "missing", None),
    ("NA", "NAM", "iso2", None),  # Namibia's ISO2 code, with a warning message
    (None, None, "missing", None),
]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    values = pd.Series([c[0] for c in CASES], dtype=object)
    return match_societies(values)


def test_table_is_large_and_realistic() -> None:
    assert len(CASES) >= 60
    assert len({str(c[0]) for c in CASES}) == len(CASES)
    # go_id needs a column of numbers (test_numbers_*); not_in_frame a smaller frame
    assert {c[2] for c in CASES} == set(MATCH_RULES) - {"not_in_frame", "go_id"}


@pytest.mark.parametrize("pos", range(len(CASES)), ids=[str(c[0]) for c in CASES])
def test_spelling(table: pd.DataFrame, pos: int) -> None:
    value, iso3, rule, suggestion = CASES[pos]
    got = table.iloc[pos]
    assert (got["rule"], None if pd.isna(got["iso3"]) else got["iso3"]) == (rule, iso3), got[
        "message"
    ]
    first = None if pd.isna(got["suggestion"]) else got["suggestion"].split("; ")[0]
    assert first == suggestion
    if rule in ("iso3", "iso2", "fdrs", "go_id", "name"):
        assert got["score"] == 1.0 and pd.isna(got["message"]) == (value != "NA")
    if rule in ("fuzzy", "near_miss", "ambiguous", "not_found"):
        assert isinstance(got["message"], str) and f"'{value}'" in got["message"]


def test_no_wrong_match_is_accepted(table: pd.DataFrame) -> None:
    expected = pd.Series([c[1] for c in CASES], dtype="string")
    accepted = table["rule"].isin(ACCEPTED_RULES).to_numpy()
    assert table["iso3"].notna().to_numpy().tolist() == accepted.tolist()
    got, want = table["iso3"].to_numpy()[accepted], expected.to_numpy()[accepted]
    assert (got == want).all()
    counts = Counter(
        "accepted" if a else ("suggested" if isinstance(s, str) else "not found")
        for a, s in zip(
            accepted, table["suggestion"].astype(object).where(table["suggestion"].notna(), None)
        )
    )
    assert counts["accepted"] >= 100 and counts["suggested"] >= 8


def test_near_miss_below_threshold_is_never_accepted() -> None:
    m = match_societies(["Beninese Red Cross"])
    assert m.loc[0, "rule"] == "near_miss" and pd.isna(m.loc[0, "iso3"])
    assert m.loc[0, "suggestion"] == "BEN" and m.loc[0, "suggestion_name"] == "Red Cross of Benin"
    assert "did you mean BEN (Red Cross of Benin)?" in m.loc[0, "message"]
    assert 0.6 <= m.loc[0, "score"] < 0.85
    # A lower threshold accepts it, and records the rule.
    low = match_societies(["Beninese Red Cross"], threshold=0.8)
    assert (low.loc[0, "iso3"], low.loc[0, "rule"]) == ("BEN", "fuzzy")


def test_every_frame_society_matches_its_own_codes_and_names(frame: pd.DataFrame) -> None:
    cw = load_crosswalk()
    iso2 = cw[cw["kind"] == "iso2"].set_index("iso3")["variant"]
    values = pd.concat(
        [frame["iso3"], frame["iso3"].map(iso2), frame["society_name"], frame["country"]],
        ignore_index=True,
    ).astype(object)
    want = pd.concat([frame["iso3"]] * 4, ignore_index=True)
    got = match_societies(values, frame)
    assert got["rule"].tolist() == ["iso3"] * 193 + ["iso2"] * 193 + ["name"] * 386
    assert (got["iso3"] == want).all()


def test_one_letter_typos_never_accept_a_wrong_society(frame: pd.DataFrame) -> None:
    """Drop or swap one letter of every country name: right Society or not accepted."""
    rng = np.random.default_rng(20261127)
    values, want = [], []
    for iso3, name in zip(frame["iso3"], frame["country"]):
        if len(name) < 5:
            continue
        i = int(rng.integers(1, len(name) - 2))
        values += [name[:i] + name[i + 1 :], name[:i] + name[i + 1] + name[i] + name[i + 2 :]]
        want += [iso3, iso3]
    got = match_societies(values, frame)
    accepted = got["rule"].isin(ACCEPTED_RULES)
    wrong = got[accepted & (got["iso3"] != pd.Series(want))]
    assert wrong.empty, wrong[["value", "iso3", "score"]].to_string()
    assert accepted.mean() > 0.7  # most typos are still recognised; of the others,
    # short names ("Knya") are not compared, and every suggestion names the right Society
    suggested = got[~accepted & got["suggestion"].notna()]
    assert len(suggested) > 40
    for (_, row), iso3 in zip(suggested.iterrows(), pd.Series(want)[suggested.index]):
        assert iso3 in row["suggestion"].split("; "), (row["value"], row["suggestion"])


# ================================================================ numbers and GO ids
def test_numbers_in_a_column_of_names_are_not_go_ids() -> None:
    """Almost every number up to 290 is some Society's GO id: a count or a choice index
    typed into a Society column must not be read as one."""
    m = match_societies(["Kenya", "12", "3", "209", "9999"])
    assert m["rule"].tolist() == ["name", "number", "number", "number", "not_found"]
    assert m["iso3"].isna().tolist() == [False, True, True, True, True]
    cw = load_crosswalk()
    go = cw[cw["kind"] == "go_id"].set_index("variant")["iso3"]
    assert m["suggestion"].tolist()[1:4] == [go["12"], go["3"], "BEN"]  # what GO would say
    assert "bare number" in m.loc[1, "message"] and "ISO3" in m.loc[1, "message"]


def test_a_cell_too_long_to_be_a_name_is_not_found() -> None:
    """A pasted paragraph is neither split into parts nor compared: not found, while a
    short name beside it still matches."""
    long_text = "Kenya Red Cross, " * 20
    m = match_societies([long_text, "Kenya Red Cross Society"])
    assert m["rule"].tolist() == ["not_found", "name"]
    assert m["iso3"].tolist()[1] == "KEN"


def test_a_column_of_numbers_is_a_column_of_go_ids() -> None:
    m = match_societies(pd.Series(["209", "12", None, "", 130.0]))
    cw = load_crosswalk()
    go = cw[cw["kind"] == "go_id"].set_index("variant")["iso3"]
    assert m["iso3"].tolist() == ["BEN", go["12"], pd.NA, pd.NA, go["130"]]
    assert m["rule"].tolist() == ["go_id", "go_id", "missing", "missing", "go_id"]
    assert match_societies(["9999"])["rule"].tolist() == ["not_found"]  # no such GO id


@pytest.mark.parametrize(
    "go_ids,rules",
    [(True, ["go_id", "name"]), (False, ["number", "name"]), (None, ["number", "name"])],
)
def test_go_ids_declared(go_ids: bool | None, rules: list[str]) -> None:
    assert match_societies(["209", "Kenya"], go_ids=go_ids)["rule"].tolist() == rules
    only_numbers = match_societies(["209"], go_ids=go_ids)["rule"].tolist()
    assert only_numbers == ["number" if go_ids is False else "go_id"]


def test_frame_keys_that_are_not_iso3_codes_match_exactly() -> None:
    own = pd.DataFrame({"iso3": ["NS-01", "209"]})
    m = match_societies([" ns-01 ", "209", "12"], own)
    assert m["iso3"].tolist() == ["NS-01", "209", pd.NA]  # the frame's own key comes first
    assert m["rule"].tolist() == ["iso3", "iso3", "number"]


# ================================================================ the frame given
def test_only_societies_of_the_frame_are_accepted(frame: pd.DataFrame) -> None:
    africa = frame[frame["zone"] == "africa"]
    m = match_societies(["France", "FRA", "DFR001", "Kenya", "Croix-Rouge française"], africa)
    assert m["rule"].tolist() == [
        "not_in_frame",
        "not_in_frame",
        "not_in_frame",
        "name",
        "not_in_frame",
    ]
    assert m["iso3"].tolist()[3] == "KEN" and m["suggestion"].tolist()[0] == "FRA"
    assert "not in the membership frame" in m.loc[0, "message"]


def test_frame_own_names_and_codes_count() -> None:
    own = pd.DataFrame(
        {
            "iso3": ["KEN", "XKX"],
            "country": ["Kenya", "Kosovo"],
            "society_name": ["Kenya Red Cross Society", "Red Cross of Kosovo"],
            "zone": ["africa", "europe"],
            "fdrs": ["DKE001", "DXK001"],
        }
    )
    m = match_societies(["Kosovo", "XKX", "Croix-Rouge du Kosovo", "DXK001", "ken", "Kenia"], own)
    assert m["iso3"].tolist() == ["XKX", "XKX", "XKX", "XKX", "KEN", "KEN"]
    assert m["rule"].tolist() == ["name", "iso3", "name", "fdrs", "iso3", "name"]


def test_frame_needs_iso3() -> None:
    with pytest.raises(FrameError, match="iso3"):
        match_societies(["KEN"], pd.DataFrame({"code": ["KEN"]}))


# ================================================================ output shape
def test_output_is_aligned_and_vectorised(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Counter()
    real = _matching.match_one

    def counting(value, *args):
        calls[value] += 1
        return real(value, *args)

    monkeypatch.setattr(_matching, "match_one", counting)
    values = pd.Series(
        ["Kenya", "KEN", np.nan, "Kenia Red Cros", None, pd.NA] * 500, index=range(10, 3010)
    )
    m = match_societies(values)
    assert list(m.columns) == list(MATCH_COLUMNS)
    assert m.index.equals(values.index)
    assert max(calls.values()) == 1 and len(calls) == 4  # each distinct value once, one missing
    assert m["iso3"].dtype == "string" and m["rule"].dtype == "string" and m["score"].dtype == float
    assert m["rule"].iloc[:6].tolist() == ["name", "iso3", "missing", "fuzzy", "missing", "missing"]
    assert m["value"].iloc[0] == "Kenya" and pd.isna(m["value"].iloc[2])


def test_accepts_a_plain_list() -> None:
    m = match_societies(["KEN", "Korea"])
    assert m.index.tolist() == [0, 1] and m["iso3"].tolist()[0] == "KEN"


# ================================================================ normalisation
@pytest.mark.parametrize(
    "raw,key",
    [
        ("Croix-Rouge du Bénin", "benin"),
        ("Red Cross Society of Côte d’Ivoire", "cote ivoire"),
        ("Cruz Roja de la República Dominicana", "republica dominicana"),
        ("Croix-Rouge d'Ukraine", "ukraine"),
        (
            "Red Cross Society of the Democratic People's Republic of Korea",
            "democratic peoples republic korea",
        ),
        ("جمعية الهلال الأحمر المصري", "المصري"),
        ("ٱلْهِلَالُ ٱلْأَحْمَرُ ٱلْمِصْرِيّ", "المصري"),
        ("الإمارات العربية المتحدة", "الامارات العربيه المتحده"),
        ("هيئة الهلال الأحمر السعودي", "السعودي"),
        ("الـمـغـرب", "المغرب"),  # tatweel
        ("Trinidad & Tobago", "trinidad tobago"),
        ("St. Kitts and Nevis", "saint kitts nevis"),
        ("Red Crescent", ""),
        (None, ""),
    ],
)
def test_normalise_name(raw: object, key: str) -> None:
    assert normalise_name(raw) == key


def test_no_crosswalk_word_looks_like_a_misspelt_generic_word() -> None:
    cw = load_crosswalk()
    names = cw[cw["kind"].isin(["country_name", "society_name"])]["variant"]
    words = {w for v in names for w in normalise_name(v).split()}
    assert [w for w in words if _normalise.drop_misspelt_generic(w) != w] == []


def test_doctests() -> None:
    for module in (_crosswalk, _normalise):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted >= 2 and result.failed == 0, module.__name__


# ================================================================ the crosswalk file
@pytest.fixture(scope="module")
def crosswalk() -> pd.DataFrame:
    return load_crosswalk()


def test_crosswalk_is_well_formed(crosswalk: pd.DataFrame, frame: pd.DataFrame) -> None:
    text = bundled_crosswalk_path().read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CROSSWALK_COLUMNS) and "\r" not in text
    assert not crosswalk.duplicated(["iso3", "kind", "language", "variant"]).any()
    assert set(crosswalk["iso3"]) == set(frame["iso3"])
    assert set(crosswalk["kind"]) == {
        "iso3",
        "iso2",
        "fdrs",
        "go_id",
        "country_name",
        "society_name",
    }
    assert set(crosswalk["source"]) == {"ifrc_go", "cldr", "alias", "pattern"}
    codes = crosswalk[crosswalk["kind"].isin(["iso3", "iso2", "fdrs", "go_id"])]
    assert (codes["language"] == "").all()
    names = crosswalk[~crosswalk.index.isin(codes.index)]
    assert set(names["language"]) >= {"en", "fr", "es", "ar"}
    assert (names["variant"] == names["variant"].str.strip()).all()
    for kind in ("iso3", "iso2", "go_id"):
        per = codes[codes["kind"] == kind]
        assert per["iso3"].is_unique and per["variant"].is_unique and len(per) == 193, kind
    iso3 = codes[codes["kind"] == "iso3"]
    assert (iso3["variant"] == iso3["iso3"]).all()
    fdrs = codes[codes["kind"] == "fdrs"].set_index("iso3")["variant"]
    assert fdrs.to_dict() == frame.dropna(subset=["fdrs"]).set_index("iso3")["fdrs"].to_dict()
    go = crosswalk[crosswalk["source"] == "ifrc_go"]
    for kind in ("country_name", "society_name"):
        per = go[go["kind"] == kind]
        assert per.groupby("iso3")["language"].apply(set).eq({"en", "fr", "es", "ar"}).all()
    en = go[(go["kind"] == "society_name") & (go["language"] == "en")].set_index("iso3")
    assert en["variant"].to_dict() == frame.set_index("iso3")["society_name"].to_dict()


def test_only_the_intended_names_belong_to_two_societies(crosswalk: pd.DataFrame) -> None:
    names = crosswalk[crosswalk["kind"].isin(["country_name", "society_name"])]
    owners = names.assign(key=names["variant"].map(normalise_name)).groupby("key")["iso3"].agg(set)
    shared = {k: sorted(v) for k, v in owners.items() if len(v) > 1}
    assert shared == {
        "korea": ["KOR", "PRK"],
        "coree": ["KOR", "PRK"],
        "corea": ["KOR", "PRK"],
        "كوريا": ["KOR", "PRK"],
        "drc": ["COD", "DNK"],
        "prcs": ["PAK", "PSE"],
        "ircs": ["IND", "IRQ"],
    }


def test_load_crosswalk_errors(tmp_path: Path) -> None:
    bad = tmp_path / "cw.csv"
    bad.write_text("iso3,kind,variant\nKEN,iso3,KEN\n", encoding="utf-8")
    with pytest.raises(FrameError, match="language"):
        load_crosswalk(bad)
    bad.write_text("iso3,kind,language,variant,source\nKEN,iso3,,,x\n", encoding="utf-8")
    with pytest.raises(FrameError, match="lacks its iso3") as err:
        load_crosswalk(bad)
    assert err.value.row == 2


# ================================================================ the build script
def _builder() -> ModuleType:
    path = REPO / "scripts" / "build_society_names.py"
    spec = importlib.util.spec_from_file_location("build_society_names", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_build_reproduces_the_committed_crosswalk() -> None:
    """Rebuild from the committed IFRC GO and CLDR rows, the script's own alias table and
    its Arabic patterns: the same CSV, byte for byte (GO and Babel are not needed)."""
    build = _builder()
    with bundled_crosswalk_path().open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    go = [r for r in rows if r["source"] == "ifrc_go"]
    cldr = [r for r in rows if r["source"] == "cldr"]
    rebuilt, _notes = build.build_rows(go, cldr, build.parse_aliases())
    assert build.render_csv(rebuilt) == bundled_crosswalk_path().read_text(encoding="utf-8")


def test_arabic_patterns() -> None:
    build = _builder()
    assert build.arabic_patterns("مصر") == ["لمصر", "المصري", "المصرية"]
    assert build.arabic_patterns("السودان") == ["للسودان", "السوداني", "السودانية"]
    assert build.arabic_patterns("كينيا") == ["لكينيا", "الكيني", "الكينية"]
    assert build.arabic_patterns("جنوب السودان") == ["لجنوب السودان"]
