"""Reading KoboToolbox / ODK exports: records, repeats, validation, quarantine, privacy.

:func:`read_export` reads one export (a KoboToolbox or Ona CSV or XLSX with its repeat
sheets, an ODK Central ``.csv.zip``, an ODK Briefcase CSV with its repeat files; any
header style) against an :class:`~toolkit.instrument.Instrument` and returns an
:class:`IngestResult`: one typed record per submission (or per unit of a study), one
long table per repeat group, the validation issues (file, row, column, value, what was
done) and the quarantined rows, so that rows in = accepted + quarantined.
:func:`combine` merges several exports.  Personal data is pseudonymised or masked here
(:func:`pseudonymise`, :func:`mask_text`) and never travels further; the data-quality
summaries (:func:`returns_by_zone`, :func:`issue_summary`, ...) describe what was read.
"""

from __future__ import annotations

from toolkit.ingest._activities import activity_table
from toolkit.ingest._combine import combine
from toolkit.ingest._export import file_sha256, read_export
from toolkit.ingest._privacy import (
    KEY_ENV,
    PERSONAL_FIELDS,
    PERSONAL_METADATA,
    mask_text,
    personal_columns,
    pseudonymise,
    resolve_key,
)
from toolkit.ingest._quality import (
    completeness_by_group,
    completeness_by_question,
    issue_summary,
    quarantine_summary,
    returns_by_zone,
)
from toolkit.ingest._result import IngestResult, IngestWarning
from toolkit.ingest._rules import ISSUE_COLUMNS
from toolkit.ingest._tables import read_table_file

__all__ = [
    "ISSUE_COLUMNS",
    "KEY_ENV",
    "PERSONAL_FIELDS",
    "PERSONAL_METADATA",
    "IngestResult",
    "IngestWarning",
    "activity_table",
    "combine",
    "completeness_by_group",
    "completeness_by_question",
    "file_sha256",
    "issue_summary",
    "mask_text",
    "personal_columns",
    "pseudonymise",
    "quarantine_summary",
    "read_export",
    "read_table_file",
    "resolve_key",
    "returns_by_zone",
]
