"""Tests of toolkit.ingest: keyed pseudonyms, key resolution, masking, personal columns."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from toolkit.ingest import (
    KEY_ENV,
    PERSONAL_FIELDS,
    mask_text,
    personal_columns,
    pseudonymise,
    resolve_key,
)

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
