"""Interview data: codebooks, coded segments, structured answers, inter-coder
reliability, themes across zones and exemplar quotes.

Data in
    :func:`read_codebook` (CSV/XLSX table or REFI-QDA ``.qdc``), :func:`read_segments`
    (Taguette highlights export, QualCoder coding report, or the toolkit template —
    :func:`segment_template`) and :func:`read_answers` (structured answers in the
    questionnaire's variable names).  Segment and answer files are validated like
    questionnaire exports: every problem is a row of ``issues`` (file, row, column,
    value, problem, action), rejected rows go to ``quarantine`` with a reason, and
    ``n_rows == len(data) + len(quarantine)``.  Unreadable files raise
    :class:`toolkit.errors.InterviewDataError` naming the file.
Reliability
    :func:`krippendorff_alpha` (nominal, ordinal, interval, ratio; missing values
    allowed), :func:`cohen_kappa`, :func:`bootstrap_alpha` and
    :func:`reliability_report` (per code and overall, bootstrap intervals over
    interviews, thresholds 0.8 / 0.667).
Analysis
    :func:`code_frequencies` and :func:`theme_zone_table` (counted by Society, not by
    segment), :func:`cooccurrence`, :func:`compare_with_answers` (Fisher exact tests
    against questionnaire indicators) and :func:`quote_table` (pseudonymised, masked
    exemplar quotes).
Reports
    :func:`read_study_interviews` (every interview file of a study at once, as
    :class:`StudyInterviews`), :func:`interview_coverage`, :func:`reliability_by_zone`,
    :func:`primary_coder`, :func:`theme_table`, :func:`themes_vs_answers`,
    :func:`likely_identifiers` (names and places to mask in quotes), :func:`study_key`
    and :func:`answer_spec`.
"""

from __future__ import annotations

from toolkit.interviews._agreement import bootstrap_alpha, cohen_kappa, krippendorff_alpha
from toolkit.interviews._analysis import (
    code_frequencies,
    compare_with_answers,
    cooccurrence,
    society_codes,
    theme_zone_table,
)
from toolkit.interviews._answers import read_answers
from toolkit.interviews._codebook import Codebook, read_codebook
from toolkit.interviews._identifiers import Identifiers, likely_identifiers
from toolkit.interviews._io import ISSUE_COLUMNS, InterviewImport
from toolkit.interviews._quotes import mask_quote, pseudonym, quote_table
from toolkit.interviews._reliability import (
    RELIABLE,
    TENTATIVE,
    coding_matrix,
    reliability_report,
)
from toolkit.interviews._report import (
    interview_coverage,
    primary_coder,
    reliability_by_zone,
    theme_table,
    themes_vs_answers,
)
from toolkit.interviews._segments import (
    SEGMENT_COLUMNS,
    TEMPLATE_COLUMNS,
    read_segments,
    segment_template,
)
from toolkit.interviews._study import (
    StudyInterviews,
    answer_spec,
    read_study_interviews,
    study_key,
)

__all__ = [
    "ISSUE_COLUMNS",
    "RELIABLE",
    "SEGMENT_COLUMNS",
    "TEMPLATE_COLUMNS",
    "TENTATIVE",
    "Codebook",
    "Identifiers",
    "InterviewImport",
    "StudyInterviews",
    "answer_spec",
    "bootstrap_alpha",
    "code_frequencies",
    "coding_matrix",
    "cohen_kappa",
    "compare_with_answers",
    "cooccurrence",
    "interview_coverage",
    "krippendorff_alpha",
    "likely_identifiers",
    "mask_quote",
    "primary_coder",
    "pseudonym",
    "quote_table",
    "read_answers",
    "read_codebook",
    "read_segments",
    "read_study_interviews",
    "reliability_by_zone",
    "reliability_report",
    "segment_template",
    "society_codes",
    "study_key",
    "theme_table",
    "theme_zone_table",
    "themes_vs_answers",
]
