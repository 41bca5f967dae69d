"""Coded interview segments: Taguette, QualCoder and the toolkit's own template.

Private helper module of :mod:`toolkit.interviews`.

Supported exports (checked against the programs' source code):

Taguette (``remram44/taguette``, ``taguette/export.py``: *Export highlights* as CSV or
Excel, sheet ``highlights``)
    Columns ``id, document, tag, content``: one row per highlight *and tag* (a
    highlight with two tags is two rows with the same ``id``; a highlight with no tag
    has an empty ``tag``).  Taguette records no coder, so ``coder=`` or a ``coder``
    column in the documents table is required.
QualCoder (``ccbogel/QualCoder``, ``report_codes.py``: *Coding reports* exported as
CSV (UTF-8 with BOM, all cells quoted) or XLSX)
    Columns ``File, Coder, Coded, Id, Codename, Coded_Memo, Category...`` or, for case
    reports, ``Case, Filename, Coder, ...``; optional ``FileVar_*``/``CaseVar_*``
    columns are ignored.  ``Id`` is ``ctid:<n>`` for text, ``imid:``/``avid:`` for image
    and audio/video codings (whose ``Coded`` cell is ``image``/``a/v``: they are
    accepted without text).  Older exports without ``Id``/``Coded_Memo`` are accepted.
Template (the toolkit's own CSV)
    Columns ``interview_id, ns_iso3, coder, code, segment`` and optionally
    ``segment_id`` (segments shared by coders of a pre-segmented transcript),
    ``speaker`` and ``document``.  See :func:`segment_template`.

Interviews are linked to Societies by a *documents table* (``document, interview_id,
ns_iso3`` and optionally ``coder``) or, failing that, by a document (or QualCoder
case) name that is an ISO3 code of the frame or starts with one followed by ``_``,
``-``, space or ``.`` (e.g. ``KEN_interview_2026.docx``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from toolkit.errors import InterviewDataError
from toolkit.interviews._codebook import Codebook
from toolkit.interviews._io import (
    InterviewImport,
    Issues,
    quarantine_frame,
    read_table,
    spreadsheet_row,
)

__all__: list[str] = []

TEMPLATE_COLUMNS = ["interview_id", "ns_iso3", "coder", "code", "segment"]
TEMPLATE_OPTIONAL = ["segment_id", "speaker", "document"]
SEGMENT_COLUMNS = [
    "file",
    "row",
    "format",
    "interview_id",
    "document",
    "ns_iso3",
    "zone",
    "coder",
    "code",
    "theme",
    "segment_id",
    "speaker",
    "segment",
]

_ISO_PREFIX = re.compile(r"^([A-Za-z]{3})(?:$|[_\-\s.])")


def segment_template() -> pd.DataFrame:
    """An empty table with the columns of the toolkit's coded-segment template.

    Returns
    -------
    DataFrame
        Columns ``interview_id, ns_iso3, coder, code, segment, segment_id, speaker``
        (the last two optional).  Save it with ``to_csv(path, index=False)`` and give
        it to coders who do not use a QDA program.
    """
    return pd.DataFrame(
        {c: pd.Series(dtype="string") for c in [*TEMPLATE_COLUMNS, "segment_id", "speaker"]}
    )


def _detect(cols: list[str], file: str | None) -> str:
    low = {c.lower() for c in cols}
    if {"id", "document", "tag", "content"} <= low:
        return "taguette"
    if {"coder", "coded", "codename"} <= low and ({"file"} <= low or {"case", "filename"} <= low):
        return "qualcoder"
    if set(TEMPLATE_COLUMNS) <= low:
        return "template"
    raise InterviewDataError(
        "the coded-segment file is not a known export (columns found: " + ", ".join(cols) + ").",
        file=file,
        hint="use Taguette's highlights export (id, document, tag, content), QualCoder's "
        "coding report (File, Coder, Coded, Id, Codename) or the toolkit template "
        "(interview_id, ns_iso3, coder, code, segment).",
    )


def _documents_table(
    documents: str | Path | pd.DataFrame | None, frame_codes: set[str], issues: Issues
) -> dict[str, dict[str, str]]:
    if documents is None:
        return {}
    raw, file, _ = read_table(documents, what="documents table")
    cols = {c.lower(): c for c in raw.columns}
    need = [c for c in ("document", "ns_iso3") if c not in cols]
    if need:
        raise InterviewDataError(
            f"the documents table has no {need[0]!r} column (found: "
            + ", ".join(raw.columns)
            + ").",
            file=file,
            hint="give the columns document, interview_id, ns_iso3 (and optionally coder).",
        )
    out: dict[str, dict[str, str]] = {}
    doc_issues = Issues(file)
    for pos in range(len(raw)):
        r = raw.iloc[pos]
        doc = str(r[cols["document"]]).strip()
        iso = str(r[cols["ns_iso3"]]).strip().upper()
        rec = {
            "interview_id": str(r[cols["interview_id"]]).strip() if "interview_id" in cols else doc,
            "ns_iso3": iso,
            "coder": str(r[cols["coder"]]).strip() if "coder" in cols else "",
        }
        if not rec["interview_id"]:
            rec["interview_id"] = doc
        # row number from the row's label (a DataFrame source keeps its own index)
        row = spreadsheet_row(int(raw.index[pos]))
        if not doc:
            doc_issues.add(row, "document", "", "document name is empty", "row ignored")
            continue
        if doc in out:
            doc_issues.add(
                row,
                "document",
                doc,
                "document listed twice in the documents table",
                "row ignored; first row used",
            )
            continue
        if iso not in frame_codes:
            doc_issues.add(
                row,
                "ns_iso3",
                iso,
                "Society not in the frame",
                "segments of this document quarantined",
            )
        out[doc] = rec
    issues.rows.extend(doc_issues.rows)
    return out


def read_segments(
    source: str | Path | pd.DataFrame,
    *,
    codebook: Codebook,
    frame: pd.DataFrame,
    format: str | None = None,
    documents: str | Path | pd.DataFrame | None = None,
    coder: str | None = None,
    coders: Iterable[str] | None = None,
    sheet: str | int | None = None,
) -> InterviewImport:
    """Read and validate coded interview segments.

    Parameters
    ----------
    source : path or DataFrame
        A Taguette highlights export, a QualCoder coding report (CSV or XLSX) or the
        toolkit template.
    codebook : Codebook
        Codes segments may use (:func:`read_codebook`).
    frame : DataFrame
        Membership table (``iso3`` and ``zone``) to validate Societies.
    format : {"taguette", "qualcoder", "template"}, optional
        Default: detected from the header.
    documents : path or DataFrame, optional
        Documents table linking ``document`` to ``interview_id``, ``ns_iso3`` and
        optionally ``coder``.
    coder : str, optional
        Coder of a Taguette export (Taguette records none).
    coders : iterable of str, optional
        Known coders; other coder names are quarantined.  Default: any.
    sheet : str or int, optional
        Worksheet of an XLSX export (default the first).

    Returns
    -------
    InterviewImport
        ``data`` has the columns ``file, row, format, interview_id, document, ns_iso3,
        zone, coder, code, theme, segment_id, speaker, segment``.  Rows are quarantined
        for: a missing interview, coder, code or Society; a code not in the codebook
        (or a category that is not codable); a Society not in the frame; an unknown
        coder; an interview linked to two Societies; a duplicate of an earlier row.
        Codes and coders differing only in case or spacing are normalised (reported).

    Raises
    ------
    InterviewDataError
        If the file cannot be read or is not a known export, or a Taguette export is
        given without a coder.
    """
    raw, file, notes = read_table(source, what="coded-segment", sheet=sheet)
    fmt = format or _detect(list(raw.columns), file)
    if fmt not in ("taguette", "qualcoder", "template"):
        raise InterviewDataError(
            f"unknown segment format {fmt!r}.",
            file=file,
            value=fmt,
            hint="use 'taguette', 'qualcoder' or 'template'.",
        )
    issues = Issues(file)
    for note in notes:
        issues.add(None, None, None, note, "accepted")
    frame_zone = dict(zip(frame["iso3"].astype(str), frame["zone"].astype(str), strict=True))
    docs = _documents_table(documents, set(frame_zone), issues)
    cols = {c.lower(): c for c in raw.columns}

    def col(name: str) -> pd.Series:
        if name not in cols:
            return pd.Series("", index=raw.index, dtype=object)
        return raw[cols[name]].astype(str)

    if fmt == "taguette":
        need = {"id", "document", "tag", "content"} - set(cols)
        if need:
            raise InterviewDataError(
                f"the Taguette export has no column {min(need)!r}.",
                file=file,
                hint="export highlights from Taguette again.",
            )
        has_doc_coder = any(d.get("coder") for d in docs.values())
        if coder is None and not has_doc_coder:
            raise InterviewDataError(
                "Taguette exports do not record the coder.",
                file=file,
                hint="pass coder='<name>' or a documents table with a 'coder' column.",
            )
        norm = pd.DataFrame(
            {
                "document": col("document").str.strip(),
                "interview_id": "",
                "ns_iso3": "",
                "coder": coder or "",
                "code": col("tag").str.strip(),
                "segment_id": col("id").str.strip(),
                "speaker": "",
                "segment": col("content"),
            }
        )
    elif fmt == "qualcoder":
        case_report = "case" in cols and "filename" in cols
        doc = col("filename") if case_report else col("file")
        norm = pd.DataFrame(
            {
                "document": doc.str.strip(),
                "interview_id": "",
                "ns_iso3": col("case").str.strip() if case_report else "",
                "coder": col("coder").str.strip(),
                "code": col("codename").str.strip(),
                "segment_id": col("id").str.strip(),
                "speaker": "",
                "segment": col("coded"),
            }
        )
    else:
        norm = pd.DataFrame(
            {
                "document": col("document").str.strip(),
                "interview_id": col("interview_id").str.strip(),
                "ns_iso3": col("ns_iso3").str.strip(),
                "coder": col("coder").str.strip(),
                "code": col("code").str.strip(),
                "segment_id": col("segment_id").str.strip(),
                "speaker": col("speaker").str.strip(),
                "segment": col("segment"),
            }
        )
    norm = norm.reset_index(drop=True)
    n = len(norm)
    problems: list[list[str]] = [[] for _ in range(n)]

    def cell(i: int, column: str) -> str:
        """A cell of ``norm``, whose columns all hold text."""
        v = norm.at[i, column]
        assert isinstance(v, str)
        return v

    def bad(i: int, column: str, value: object, problem: str) -> None:
        problems[i].append(problem)
        issues.add(spreadsheet_row(i), column, value, problem, "quarantined")

    # link documents to interviews and Societies
    for i in range(n):
        d = cell(i, "document")
        if fmt != "template" and not d:
            bad(i, "document", "", "document name is empty")
            continue
        rec = docs.get(d)
        if rec is not None:
            if not cell(i, "interview_id"):
                norm.at[i, "interview_id"] = rec["interview_id"]
            if fmt != "template" or not cell(i, "ns_iso3"):
                norm.at[i, "ns_iso3"] = rec["ns_iso3"]
            if not cell(i, "coder") and rec["coder"]:
                norm.at[i, "coder"] = rec["coder"]
        elif fmt != "template":
            norm.at[i, "interview_id"] = d
            case = cell(i, "ns_iso3").upper()
            m = _ISO_PREFIX.match(d)
            if case in frame_zone:
                norm.at[i, "ns_iso3"] = case
            elif m and m.group(1).upper() in frame_zone:
                norm.at[i, "ns_iso3"] = m.group(1).upper()
            else:
                norm.at[i, "ns_iso3"] = ""
                bad(
                    i,
                    "document",
                    d,
                    "document is not in the documents table and its name "
                    "does not start with a Society's ISO3 code",
                )

    theme = codebook.theme_of()
    exact = set(codebook.codes["code"])
    codable = set(codebook.codable)
    folded = {" ".join(c.casefold().split()): c for c in exact}
    known_coders = None if coders is None else {str(c).strip() for c in coders}
    folded_coders = (
        {} if known_coders is None else {" ".join(c.casefold().split()): c for c in known_coders}
    )
    for i in range(n):
        if problems[i]:
            continue
        if not cell(i, "interview_id"):
            bad(i, "interview_id", "", "interview id is empty")
        iso = cell(i, "ns_iso3").upper()
        if not iso:
            bad(i, "ns_iso3", "", "Society (ns_iso3) is empty")
        elif iso not in frame_zone:
            bad(i, "ns_iso3", cell(i, "ns_iso3"), "Society not in the frame")
        else:
            norm.at[i, "ns_iso3"] = iso
        c = cell(i, "code")
        if not c:
            bad(i, "code", "", "highlight has no tag" if fmt == "taguette" else "code is empty")
        elif c not in exact:
            key = " ".join(c.casefold().split())
            if key in folded:
                issues.add(
                    spreadsheet_row(i),
                    "code",
                    c,
                    "code differs from the codebook in case or spacing",
                    f"normalised to {folded[key]!r}",
                )
                norm.at[i, "code"] = folded[key]
            else:
                bad(i, "code", c, "code not in the codebook")
        if cell(i, "code") in exact and cell(i, "code") not in codable:
            bad(i, "code", cell(i, "code"), "code is a category that is not codable")
        who = cell(i, "coder")
        if not who:
            bad(i, "coder", "", "coder is empty")
        elif known_coders is not None and who not in known_coders:
            key = " ".join(who.casefold().split())
            if key in folded_coders:
                issues.add(
                    spreadsheet_row(i),
                    "coder",
                    who,
                    "coder differs from the known coder names in case or spacing",
                    f"normalised to {folded_coders[key]!r}",
                )
                norm.at[i, "coder"] = folded_coders[key]
            else:
                bad(i, "coder", who, "unknown coder")
        sid = cell(i, "segment_id")
        if fmt == "qualcoder" and sid.startswith(("imid:", "avid:")):
            issues.add(
                spreadsheet_row(i),
                "Coded",
                cell(i, "segment"),
                "image or audio/video coding has no text",
                "accepted without text",
            )
            norm.at[i, "segment"] = ""

    ok = [i for i in range(n) if not problems[i]]
    # an interview must belong to one Society
    by_iv: dict[str, set[str]] = {}
    for i in ok:
        by_iv.setdefault(cell(i, "interview_id"), set()).add(cell(i, "ns_iso3"))
    multi = {k for k, v in by_iv.items() if len(v) > 1}
    for i in ok:
        if cell(i, "interview_id") in multi:
            bad(
                i,
                "ns_iso3",
                cell(i, "ns_iso3"),
                f"interview {cell(i, 'interview_id')!r} is linked to several Societies "
                f"({', '.join(sorted(by_iv[cell(i, 'interview_id')]))})",
            )
    ok = [i for i in range(n) if not problems[i]]
    seen: dict[tuple[str, ...], int] = {}
    for i in ok:
        seg_key = (
            cell(i, "interview_id"),
            cell(i, "coder"),
            cell(i, "code"),
            cell(i, "segment_id") or " ".join(cell(i, "segment").split()),
        )
        if seg_key in seen:
            bad(
                i,
                "code",
                cell(i, "code"),
                f"duplicate of row {spreadsheet_row(seen[seg_key])} (same interview, coder, code "
                "and segment)",
            )
        else:
            seen[seg_key] = i
    ok = [i for i in range(n) if not problems[i]]
    qrows = [i for i in range(n) if problems[i]]

    data = norm.iloc[ok].copy()
    data.insert(0, "file", file)
    data.insert(
        1, "row", pd.Series([spreadsheet_row(i) for i in ok], index=data.index, dtype="Int64")
    )
    data.insert(2, "format", fmt)
    data["zone"] = data["ns_iso3"].map(frame_zone)
    data["theme"] = data["code"].map(theme)
    if fmt == "template" and "segment_id" not in cols:
        data["segment_id"] = ""
    data = data[SEGMENT_COLUMNS].reset_index(drop=True)
    for c in SEGMENT_COLUMNS:
        if c != "row":
            data[c] = data[c].astype("string").replace({"": pd.NA})
    quarantine = quarantine_frame(
        raw.reset_index(drop=True), file, qrows, ["; ".join(problems[i]) for i in qrows]
    )
    return InterviewImport(
        data=data, issues=issues.frame(), quarantine=quarantine, format=fmt, n_rows=n
    )
