"""Export metadata columns of KoboToolbox, Ona, ODK Central and ODK Briefcase.

Every metadata column is recognised under a canonical name (``_uuid``,
``_submission_time``, ``_review_state`` ...).  Some identify the submission
(:func:`submission_ids`), some link repeat tables to their parents (``KEY``,
``PARENT_KEY``, ``_index``, ``_parent_index``), some say whether a submission was
rejected on the server (:func:`rejected_submissions`); personal ones (who submitted,
which device) never reach the data.
"""

from __future__ import annotations

import json
import re

import pandas as pd

__all__ = [
    "DROPPED_META",
    "LINK_META",
    "PERSONAL_META",
    "canonical_meta",
    "rejected_submissions",
    "strip_uuid",
    "submission_ids",
]

# Written exactly so by ODK Central / Briefcase (case matters: a form may have a
# question 'deviceid' next to Central's 'DeviceID').
_EXACT = {
    "SubmissionDate": "_submission_time",
    "KEY": "_odk_key",
    "PARENT_KEY": "_parent_key",
    "SubmitterID": "_submitter_id",
    "SubmitterName": "_submitted_by",
    "AttachmentsPresent": "_attachments_present",
    "AttachmentsExpected": "_attachments_expected",
    "Status": "_odk_status",
    "ReviewState": "_review_state",
    "DeviceID": "_device_id",
    "Edits": "_edits",
    "FormVersion": "__version__",
    "isValidated": "_is_validated",
}
# Compared case-insensitively; "meta/" paths in any separator style.
_FOLDED = {
    **{k.casefold(): v for k, v in _EXACT.items()},
    "_id": "_id",
    "_uuid": "_uuid",
    "uuid": "_uuid",  # KoboToolbox's _uuid as renamed by many cleaning scripts (R)
    "submission_time": "_submission_time",
    "validation_status": "_validation_status",
    "_submission_time": "_submission_time",
    "_validation_status": "_validation_status",
    "_index": "_index",
    "_parent_table_name": "_parent_table_name",
    "_parent_index": "_parent_index",
    "_status": "_status",
    "_submitted_by": "_submitted_by",
    "_last_edited_by": "_last_edited_by",
    "__version__": "__version__",
    "_version_": "__version__",
    "_version": "_version",
    "_xform_id_string": "_xform_id_string",
    "_xform_id": "_xform_id",
    "_tags": "_tags",
    "_notes": "_notes",
    "_attachments": "_attachments",
    "_geolocation": "_geolocation",
    "_duration": "_duration",
    "_total_media": "_total_media",
    "_media_count": "_media_count",
    "_media_all_received": "_media_all_received",
    "_date_modified": "_date_modified",
    "instanceid": "_instance_id",
    "meta/instanceid": "_instance_id",
    "meta/rootuuid": "_root_uuid",
    "meta/deprecatedid": "_deprecated_id",
    "meta/instancename": "_instance_name",
    "formhub/uuid": "_formhub_uuid",
    "audit_url": "_audit_url",
}
_SEPARATORS = re.compile(r"[\-.:]")

#: Canonical metadata that links tables or identifies people: never copied to the data.
LINK_META = frozenset(
    {"_odk_key", "_parent_key", "_set_of", "_index", "_parent_index", "_parent_table_name"}
)
#: Canonical metadata that identifies a person or a device (never past ingestion).
PERSONAL_META = frozenset(
    {
        "_submitted_by",
        "_submitter_id",
        "_device_id",
        "_geolocation",
        "_last_edited_by",
        "_submission_field",
    }
)
#: Canonical metadata left out of the data (links, personal data, duplicates of _uuid).
DROPPED_META = LINK_META | PERSONAL_META | {"_instance_id", "_submission_uuid"}


def canonical_meta(header: str) -> str | None:
    """Canonical name of a metadata column, or None if ``header`` is not metadata.

    Parameters
    ----------
    header : str
        The column header as written.

    Returns
    -------
    str or None
        E.g. ``"_submission_time"`` for ``SubmissionDate``, ``"_instance_id"`` for
        ``meta/instanceID`` or ``meta-instanceID``, ``"_set_of"`` for Briefcase's
        ``SET-OF-<repeat>``, ``"_submission_field"`` for the copies of the parent's
        metadata in KoboToolbox repeat sheets (``_submission__uuid`` ...; the uuid
        itself is ``"_submission_uuid"``).
    """
    h = header.strip()
    if h in _EXACT:
        return _EXACT[h]
    if h.startswith("SET-OF-"):
        return "_set_of"
    low = h.casefold()
    if low.startswith("_submission__"):
        return "_submission_uuid" if low == "_submission__uuid" else "_submission_field"
    if low in _FOLDED:
        return _FOLDED[low]
    slashed = _SEPARATORS.sub("/", low, count=1) if low.startswith(("meta", "formhub")) else low
    return _FOLDED.get(slashed)


def strip_uuid(values: pd.Series) -> pd.Series:
    """Submission ids without the ``uuid:`` prefix ODK writes (Kobo's ``_uuid`` has none)."""
    s = values.astype("string").str.strip()
    # Only a value starting with u or U can start with "uuid:" in any case.
    maybe = s.str.slice(0, 1).isin(["u", "U"]).to_numpy(dtype=bool)
    if maybe.any():
        s = s.copy()
        s[maybe] = s[maybe].str.replace(r"^uuid:", "", regex=True, case=False)
    return s.replace({"": pd.NA})


def submission_ids(table: pd.DataFrame, meta: dict[str, str]) -> pd.Series:
    """The submission's own id on every row of an export.

    The first non-empty of ``_uuid`` (KoboToolbox), ``KEY`` (ODK Central / Briefcase),
    ``meta/instanceID`` and ``_id`` (KoboToolbox's number), without ``uuid:``.

    Parameters
    ----------
    table : pandas.DataFrame
        The export, as strings.
    meta : dict of str to str
        Canonical metadata name -> header.

    Returns
    -------
    pandas.Series (string)
        Missing where a row has no id at all.
    """
    out = pd.Series(pd.NA, index=table.index, dtype="string")
    for canon in ("_uuid", "_odk_key", "_instance_id", "_id"):
        if canon in meta:
            missing = out.isna().to_numpy(dtype=bool)
            if not missing.any():
                break  # every row has its id
            found = strip_uuid(table[meta[canon]])
            out = found.rename(None) if missing.all() else out.fillna(found)
    return out


_REJECTED = {
    "validation_status_not_approved",
    "not approved",
    "not_approved",
    "rejected",
}


def _status_text(value: object) -> str:
    """KoboToolbox writes ``_validation_status`` as JSON (API, new exports) or text."""
    text = str(value).strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text.casefold()
        if isinstance(parsed, dict):
            return str(parsed.get("uid") or parsed.get("label") or "").strip().casefold()
    return text.casefold()


def rejected_submissions(table: pd.DataFrame, meta: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Submissions rejected on the server and the validation status of every row.

    KoboToolbox's ``_validation_status`` (JSON such as ``{"uid":
    "validation_status_not_approved", ...}`` or its text) and ODK Central's
    ``ReviewState`` (``rejected``) are read.

    Returns
    -------
    status : pandas.Series (string)
        The status as a short text (``validation_status_approved``, ``rejected``,
        ``hasissues`` ...), missing where none.
    rejected : pandas.Series of bool
    """
    status = pd.Series(pd.NA, index=table.index, dtype="string")
    for canon in ("_validation_status", "_review_state"):
        if canon in meta:
            col = table[meta[canon]].astype("string").fillna("")
            texts = col.map(_status_text).astype("string").replace({"": pd.NA})
            status = status.fillna(texts)
    return status, status.isin(_REJECTED).fillna(False).astype(bool)
