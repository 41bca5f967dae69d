"""The bundled questionnaire's programme repeat, its four languages and its pyxform form.

The rest of the bundled questionnaire (taxonomy, per-activity questions, scale,
cooperation) is tested in tests/test_instrument.py.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest
from pyxform.xls2xform import convert

from toolkit.frame import load_frame
from toolkit.ingest import personal_columns
from toolkit.instrument import Instrument, bundled_instrument_path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("English (en)", "Français (fr)", "Español (es)", "العربية (ar)")
ARABIC = re.compile("[\u0600-\u06ff]")
XF = "{http://www.w3.org/2002/xforms}"

# question -> (type, choice list, required)
PROGRAMME = {
    "prog_name": ("text", "", True),
    "prog_status": ("select_one", "programme_status", True),
    "prog_start_year": ("integer", "", False),
    "prog_activities": ("select_multiple", "activity", True),
    "prog_activities_other": ("text", "", True),
    "prog_stages": ("select_multiple", "stage", True),
    "prog_groups": ("select_multiple", "target_group", True),
    "prog_country": ("select_one", "country", True),
    "prog_places": ("text", "", False),
    "prog_partners": ("select_multiple", "partner_type", True),
    "prog_partner_ns": ("select_multiple", "ns", True),
    "prog_funding": ("select_multiple", "funding_type", True),
    "prog_reached": ("integer", "", False),
    "prog_reached_basis": ("select_one", "reach_basis", True),
    "prog_contact_role": ("text", "", False),
    "prog_activities_run": ("calculate", "", False),
}


def test_programme_repeat_asks_every_programme_fact(instrument: Instrument) -> None:
    reps = instrument.repeats()
    assert reps["name"].tolist() == ["programme"]
    rep = reps.iloc[0]
    assert rep["path"] == "programmes/programme" and rep["parent"] == ""
    assert rep["questions"] == tuple(PROGRAMME)
    assert instrument.question("programme")["relevant"] == "${has_migration_programme} = 'yes'"
    for name, (typ, list_name, required) in PROGRAMME.items():
        q = instrument.question(name)
        assert (q["type"], q["list_name"], bool(q["required"])) == (typ, list_name, required), name
        assert q["repeat"] == "programmes/programme", name
    assert instrument.choice_names("programme_status") == ["running", "ended", "planned"]
    assert instrument.choice_names("reach_basis") == ["counted", "estimated"]
    assert {"ns", "ifrc", "icrc", "un", "government", "none"} <= set(
        instrument.choice_names("partner_type")
    )
    # reach is not asked of planned programmes; its basis whenever a number is given
    assert instrument.question("prog_reached")["relevant"] == "${prog_status} != 'planned'"
    assert instrument.question("prog_reached_basis")["relevant"] == "${prog_reached} != ''"


def test_partner_societies_come_from_the_frame(instrument: Instrument) -> None:
    frame = load_frame()
    assert set(instrument.choice_names("ns")) == set(frame["iso3"])
    assert instrument.choice_names("country") == instrument.choice_names("ns")
    q = instrument.question("prog_partner_ns")
    assert q["relevant"] == "selected(${prog_partners}, 'ns')"
    assert q["constraint"] == "not(selected(., ${ns_iso3}))"  # never the Society itself
    assert instrument.question("prog_partners")["constraint"] == (
        "not(selected(., 'none') and count-selected(.) > 1)"
    )


def test_contact_role_is_a_role_not_a_person(instrument: Instrument) -> None:
    q = instrument.question("prog_contact_role")
    words = {"English (en)": "never", "Français (fr)": "jamais", "Español (es)": "nunca"}
    for lang, word in words.items():
        assert word in q[f"label::{lang}"], lang
    assert "أبدًا" in q["label::العربية (ar)"]
    assert q["disclosure"] == "aggregate"  # never published per Society
    assert instrument.question("prog_name")["disclosure"] == "public"
    types = dict(zip(instrument.questions["name"], instrument.questions["type"], strict=True))
    fields = instrument.fields()["name"]
    assert personal_columns(fields, types) == [
        "resp_name",
        "resp_position",
        "resp_email",
        "resp_phone",
    ]


def test_society_activity_types_are_derived_from_the_programmes(instrument: Instrument) -> None:
    calc = {
        name: instrument.question(name)["calculation"]
        for name in ("prog_activities_run", "programme_count", "programme_activities")
    }
    assert calc == {
        "prog_activities_run": "if(${prog_status} = 'planned', '', ${prog_activities})",
        "programme_count": "count(${programme})",
        "programme_activities": "normalize-space(join(' ', ${prog_activities_run}))",
    }
    # the Society-level question is asked only when no programme that ran is listed
    assert instrument.question("activities")["relevant"] == (
        "${has_migration_programme} = 'yes' and ${programme_activities} = ''"
    )
    assert "selected(${programme_activities}, 'rfl')" in instrument.question("act_rfl")["relevant"]


def test_every_text_is_in_four_languages(instrument: Instrument) -> None:
    assert instrument.languages == LANGS
    q = instrument.questions
    for kind in ("label", "hint", "constraint_message"):
        english = q[f"{kind}::English (en)"].fillna("").str.strip() != ""
        for lang in LANGS[1:]:
            missing = q.loc[english & (q[f"{kind}::{lang}"].fillna("").str.strip() == ""), "name"]
            assert missing.tolist() == [], (kind, lang)
        arabic = q.loc[english, f"{kind}::العربية (ar)"]
        assert arabic.str.contains(ARABIC).all(), kind
    for list_name, table in instrument.choices.items():
        for lang in LANGS:
            assert table[f"label::{lang}"].fillna("").str.strip().ne("").all(), (list_name, lang)
        assert table["label::العربية (ar)"].str.contains(ARABIC).all(), list_name
    # Society choices: the country in Arabic (CLDR), the Society's own name as it is
    ken = instrument.choices["ns"].set_index("name").loc["KEN", "label::العربية (ar)"]
    assert ken.startswith("كينيا — ") and "Kenya" in ken


def test_bundled_form_converts_with_pyxform_without_warnings() -> None:
    warnings: list[str] = []
    xform = convert(xlsform=str(bundled_instrument_path()), warnings=warnings).xform
    assert warnings == []
    root = ET.fromstring(xform)
    langs = {t.get("lang") for t in root.iter(f"{XF}translation")}
    assert langs == set(LANGS)
    assert any(
        r.get("nodeset", "").endswith("/programmes/programme") for r in root.iter(f"{XF}repeat")
    )
    binds = {b.get("nodeset", "").rsplit("/", 1)[-1]: b for b in root.iter(f"{XF}bind")}
    assert "count(" in binds["programme_count"].get("calculate", "")
    assert "join(" in binds["programme_activities"].get("calculate", "")
    assert binds["prog_start_year"].get("type") == "int"
    assert binds["prog_partner_ns"].get("required") == "true()"


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_instrument", ROOT / "scripts" / "build_instrument.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _arabic_rows() -> list[dict[str, str]]:
    with (ROOT / "scripts" / "instrument_ar.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_arabic(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("stale", "has changed since it was translated"),
        ("missing", "no Arabic for ('survey', 'prog_name', 'label')"),
        ("unused", "is not used by the form"),
    ],
)
def test_build_refuses_missing_stale_or_unused_arabic(
    tmp_path: Path, change: str, message: str
) -> None:
    rows = _arabic_rows()
    at = next(k for k, r in enumerate(rows) if (r["name"], r["column"]) == ("prog_name", "label"))
    if change == "stale":
        rows[at]["label_en"] = "Programme name"
    elif change == "missing":
        del rows[at]
    else:
        rows.append({**rows[at], "name": "prog_title"})
    build = _build_script()
    csv_path = _write_arabic(tmp_path / "ar.csv", rows)
    with pytest.raises(ValueError, match=re.escape(message)):
        build.build(tmp_path / "form.xlsx", ROOT / "toolkit" / "data" / "membership.csv", csv_path)
    assert not (tmp_path / "form.xlsx").exists()
