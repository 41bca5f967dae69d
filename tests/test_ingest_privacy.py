"""Tests of toolkit.ingest: keyed pseudonyms, key resolution, masking, personal columns."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from toolkit.ingest import (
    KEY_ENV,
    PERSONAL_FIELDS,
    mask_text,
    personal_columns,
    pseudonymise,
    read_export,
    resolve_key,
)
from toolkit.ingest._privacy import personal_questions
from toolkit.instrument import Instrument, read_xlsform

KEY = b"study-key-2026"


# ============================================================ pseudonyms
def test_pseudonym_is_the_keyed_hmac_of_the_normalised_value() -> None:
    out = pseudonymise(pd.Series(["Jane Doe"]), KEY)
    expected = "R" + hmac.new(KEY, b"jane doe", hashlib.sha256).hexdigest()[:10]
    assert out.tolist() == [expected]


def test_pseudonyms_are_stable_for_a_key() -> None:
    values = pd.Series(["Jane Doe", "Ali Khan", "jane.doe@ifrc.org"])
    first = pseudonymise(values, KEY)
    again = pseudonymise(values.sample(frac=1, random_state=3), KEY).sort_index()
    pd.testing.assert_series_equal(first, again)
    assert first.is_unique


def test_pseudonyms_differ_across_keys() -> None:
    values = pd.Series(["Jane Doe", "Ali Khan"])
    a = pseudonymise(values, KEY)
    b = pseudonymise(values, b"another-key")
    assert (a != b).all()


def test_normalisation_of_case_and_spaces() -> None:
    values = pd.Series(["Jane Doe", " jane  DOE ", "JANE\tdoe", "Jane Do"])
    out = pseudonymise(values, KEY)
    assert out.iloc[0] == out.iloc[1] == out.iloc[2]
    assert out.iloc[3] != out.iloc[0]


def test_missing_stays_missing() -> None:
    values = pd.Series(["Jane", None, "", "   ", float("nan")], index=[7, 8, 9, 10, 11])
    out = pseudonymise(values, KEY)
    assert out.dtype == "string"
    assert out.index.tolist() == [7, 8, 9, 10, 11]
    assert out.isna().tolist() == [False, True, True, True, True]


def test_prefix_and_length() -> None:
    out = pseudonymise(pd.Series(["x"]), KEY, prefix="NS-", length=6)
    assert out.str.fullmatch(r"NS-[0-9a-f]{6}").all()


# ============================================================ key resolution
def test_explicit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "from-env")
    assert resolve_key("from-yaml") == (b"from-yaml", True)
    assert resolve_key(b"\x00bytes") == (b"\x00bytes", True)


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "secret-from-env")
    key, stable = resolve_key()
    assert (key, stable) == (b"secret-from-env", True)
    out = pseudonymise(pd.Series(["Jane"]), key)
    assert out.iloc[0] == pseudonymise(pd.Series(["Jane"]), b"secret-from-env").iloc[0]


def test_random_key_is_flagged_unstable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    key1, stable1 = resolve_key()
    key2, stable2 = resolve_key()
    assert stable1 is False and stable2 is False
    assert len(key1) == 32 and key1 != key2


@pytest.mark.parametrize("env", ["", "   "])
def test_empty_environment_key_is_unset(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv(KEY_ENV, env)
    assert resolve_key()[1] is False


@pytest.mark.parametrize("empty", ["", "  ", b""])
def test_empty_explicit_key_is_not_used(
    monkeypatch: pytest.MonkeyPatch, empty: str | bytes
) -> None:
    # An empty key would make pseudonyms an unkeyed hash that anyone can recompute.
    monkeypatch.delenv(KEY_ENV, raising=False)
    key, stable = resolve_key(empty)
    assert stable is False and len(key) == 32
    monkeypatch.setenv(KEY_ENV, "env-key")
    assert resolve_key(empty) == (b"env-key", True)


# ============================================================ masking free text
@pytest.mark.parametrize(
    "text,expected",
    [
        ("Write to jane.doe@redcross.org today", "Write to [email] today"),
        ("a.b-c+tag@sub.example.co.uk, x@y.io", "[email], [email]"),
        ("Call +41 22 730 42 22.", "Call [phone]."),
        ("Call 0044 20 7946 0958 now", "Call [phone] now"),
        ("Call (555) 123-4567", "Call [phone]"),
        ("Call +1 (555) 123-4567", "Call [phone]"),
        ("+41 (0)22 730 42 22", "[phone]"),
        ("+41-22-730-4222", "[phone]"),
        ("Contact Amina (+46 199 1066) for details", "Contact Amina ([phone]) for details"),
        ("mobile 079 123 45 67 or 06.12.34.56.78", "mobile [phone] or [phone]"),
        ("landline 0227304222", "landline [phone]"),
        ("tel: 123-4567", "tel: [phone]"),
    ],
)
def test_mask_text_masks_emails_and_phone_numbers(text: str, expected: str) -> None:
    assert mask_text(pd.Series([text])).tolist() == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 we reached 1,200 people.",
        "1 200 000 people were reached in 2023",
        "12.345.678 personas",
        "about 12000000 people",
        "1,234,567.50 CHF",
        "from 2019-2024 and 2019 2020",
        "on 2024-03-01, 15/01/2024 and 2024-01-15 10:30",
        "version 1.2.3, ratio 3/4, 10-20 volunteers, 45 branches",
    ],
)
def test_mask_text_keeps_years_dates_and_counts(text: str) -> None:
    assert mask_text(pd.Series([text])).tolist() == [text]


def test_mask_text_listed_names_and_places() -> None:
    text = pd.Series(
        ["Ann met ANN SMITH in Lampedusa; Annual report by J. Doe in St. Gallen", None]
    )
    out = mask_text(
        text, names=["Ann Smith", "Ann", "J. Doe", " ", ""], places=["lampedusa", "St. Gallen"]
    )
    assert out.tolist()[0] == ("[name] met [name] in [place]; Annual report by [name] in [place]")
    assert out.isna().tolist() == [False, True]


def test_mask_text_ignores_listed_entries_too_long_to_be_names() -> None:
    """A pasted paragraph in a name field is not searched for (it would be slow and is
    no name); the real names listed beside it are still masked."""
    essay = "Ann " + "x" * 5000
    out = mask_text(pd.Series(["Ann wrote " + essay]), names=[essay, "Ann"])
    assert out.tolist() == ["[name] wrote [name] " + "x" * 5000]


def test_mask_text_keeps_index_and_missing() -> None:
    text = pd.Series([None, "mail a@b.org"], index=["x", "y"])
    out = mask_text(text)
    assert out.index.tolist() == ["x", "y"]
    assert pd.isna(out["x"]) and out["y"] == "mail [email]"


# ============================================================ personal columns
def test_personal_columns_finds_personal_fields() -> None:
    cols = [
        "ns_iso3",
        "society_name",
        "resp_name",
        "resp_email",
        "resp_phone",
        "resp_position",
        "resp_id",
        "activities",
        "people_reached",
    ]
    assert personal_columns(cols) == ["resp_name", "resp_email", "resp_phone", "resp_position"]
    assert set(PERSONAL_FIELDS) <= set(personal_columns(cols))


def test_personal_columns_kobo_and_odk_metadata() -> None:
    cols = [
        "_id",
        "_uuid",
        "_submission_time",
        "_submitted_by",
        "_index",
        "SubmitterName",
        "DeviceID",
        "KEY",
        "meta-instanceID",
    ]
    assert personal_columns(cols) == ["_submitted_by", "SubmitterName", "DeviceID"]


def test_personal_columns_by_metadata_type() -> None:
    types = {
        "user": "username",
        "tel": "phonenumber",
        "dev": "deviceid",
        "sim": "simserial",
        "ns_iso3": "select_one",
        "n": "integer",
    }
    assert personal_columns(list(types), types) == ["user", "tel", "dev", "sim"]


def test_personal_columns_by_name() -> None:
    cols = [
        "contact_email",
        "contact_phone_number",
        "focal_point_name",
        "respondent_name",
        "email_address",
        "whatsapp2",
        "enumerator_name",
        "phone",
        "email",
    ]
    assert personal_columns(cols) == cols


def test_personal_columns_with_group_paths() -> None:
    cols = [
        "society/respondent/resp_name",
        "respondent-resp_email",
        "group/contact_email",
        "society/ns_iso3",
    ]
    assert personal_columns(cols) == cols[:3]


def test_personal_columns_leaves_non_personal_names() -> None:
    cols = [
        "society_name",
        "ns_iso3",
        "country_name",
        "mobile_clinics",
        "phone_calls",
        "rfl_phone_services",
        "activity_name",
        "people_reached",
        "_email_sent",
    ]
    assert personal_columns(cols) == []


def test_personal_columns_respects_non_text_types() -> None:
    # A question named like a contact field but of another type is not personal.
    types = {"contact_phone": "integer", "resp_email": "text"}
    assert personal_columns(list(types), types) == ["resp_email"]


# ============================================================ personal questions of a form
@pytest.mark.parametrize(
    "name",
    ["childs_name", "ChildName", "name_of_child", "member_name", "hh_head_name", "first_name",
     "prenom", "nom_prenom", "volunteers_name", "staff_names2", "enumerator_name"],
)  # fmt: skip
def test_personal_columns_person_names(name: str) -> None:
    assert personal_columns([name]) == [name]


@pytest.mark.parametrize(
    "name",
    ["prog_name", "partner_name", "programme_name", "branch_name", "village_name",
     "org_name", "file_name", "name"],
)  # fmt: skip
def test_personal_columns_names_of_other_things(name: str) -> None:
    assert personal_columns([name]) == []


def _form(tmp_path: Path, rows: list[list[str]], *, marks: bool = False) -> Instrument:
    """A form with a 'members' repeat; rows are (type, name, label[, personal])."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label", *(["personal"] if marks else [])])
    ws.append(["text", "village", "Village", *([""] if marks else [])])
    ws.append(["begin_repeat", "members", "Household members", *([""] if marks else [])])
    for row in rows:
        ws.append(row)
    ws.append(["end_repeat", "", "", *([""] if marks else [])])
    wb.save(tmp_path / "form.xlsx")
    return read_xlsform(tmp_path / "form.xlsx")


def test_personal_questions_in_repeats(tmp_path: Path) -> None:
    form = _form(
        tmp_path,
        [
            ["text", "name", "Name"],  # plain 'name' in a repeat of persons
            ["text", "q1", "Child's first name"],
            ["text", "q2", "Numéro de téléphone"],
            ["text", "q3", "Nom et prénom"],
            ["text", "q4", "اسم العائلة"],
            ["text", "occupation", "Occupation"],
            ["text", "q5", "Name of the National Society"],
            ["text", "q6", "Contact: role only, never a person's name"],
            ["integer", "age", "Age"],
        ],
    )
    got = personal_questions(form)
    assert got == {"name": "name", "q1": "label", "q2": "label", "q3": "label", "q4": "label"}


def test_the_form_marks_questions_personal_or_not(tmp_path: Path) -> None:
    form = _form(
        tmp_path,
        [
            ["text", "member_name", "Member", "no"],  # an office, say: the form decides
            ["integer", "age", "Age", "yes"],
            ["text", "notes", "Notes", ""],
        ],
        marks=True,
    )
    assert personal_questions(form) == {"age": "marked"}


def test_names_in_repeats_never_reach_processed_tables(tmp_path: Path) -> None:
    """A repeat's personal questions are left out of the repeat table and of the
    quarantine, in every export shape (wide columns, repeat sheet), as top-level ones."""
    form = _form(
        tmp_path,
        [
            ["text", "member_name", "Name"],
            ["text", "contact", "Phone number"],
            ["integer", "age", "Age"],
            ["text", "notes", "Notes"],  # free text: emails and phone numbers masked
        ],
    )
    header = "village,members[1]/member_name,members[1]/contact,members[1]/age,"
    header += "members[1]/notes,_uuid\n"
    notes = "write to amara.b@example.org or call +260 97 7654321"
    rows = [
        f"Kanyama,Amara Banda,+260 97 1234567,7,{notes},u1\n",
        f"Matero,Chanda Phiri,0977 123 456,12,{notes},u2\n",
        f"Matero,Chanda Phiri,0977 123 456,12,{notes},u2\n",  # a duplicate: quarantined
    ]
    wide = tmp_path / "wide.csv"
    wide.write_text(header + "".join(rows), encoding="utf-8")
    wb = openpyxl.Workbook()
    main = wb.active
    main.title = "Household"
    main.append(["village", "_uuid", "_index"])
    main.append(["Kanyama", "u1", 1])
    main.append(["Matero", "u2", 2])
    sheet = wb.create_sheet("members")
    sheet.append(["member_name", "contact", "age", "notes", "_parent_index", "_submission__uuid"])
    sheet.append(["Amara Banda", "+260 97 1234567", 7, notes, 1, "u1"])
    sheet.append(["Chanda Phiri", "0977 123 456", 12, notes, 2, "u2"])
    sheet.append(["Mutale Zulu", "0977 765 432", 30, notes, 9, "u9"])  # no parent
    wb.save(tmp_path / "sheets.xlsx")
    for path in (wide, tmp_path / "sheets.xlsx"):
        r = read_export(path, form, key="k")
        assert r.reconciles() and len(r.quarantine) >= 1, path
        table = r.repeats["members"]
        assert "age" in table and not {"member_name", "contact"} & set(table.columns)
        everything = pd.concat(
            [t.astype("string").stack() for t in (r.data, table, r.quarantine, r.issues)]
        )
        assert everything.str.contains("[email]", regex=False).any()  # notes are kept
        secrets = ("Amara", "Chanda", "Mutale", "1234567", "123 456", "765 432", "7654321")
        for secret in (*secrets, "example.org"):
            assert not everything.str.contains(secret, regex=False).any(), (path, secret)
        withheld = r.issues[r.issues["rule"] == "personal_column"]
        assert set(withheld["column"]) == {"member_name", "contact"}
