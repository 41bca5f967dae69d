"""Text exports: bytes to records of strings, whatever the encoding, cell size or quoting.

Private helper of :mod:`toolkit.ingest._raw`.  Every problem becomes either a
:class:`ReadNote` (an issue: the file was read, in a degraded way) or an
:class:`~toolkit.errors.ExportReadError` naming the file, never a raw exception:

* **Cell size.**  The ``csv`` module's field size limit (128 KiB by default, which a
  long free-text answer exceeds) is set, while the file is parsed, to the length of
  the file's text: no cell can be longer, and the whole text is in memory already, so
  a cell of several MiB is read like any other.  The caller's limit is restored after.
* **Encodings.**  A byte-order mark selects UTF-8, UTF-16 (LE/BE) or UTF-32 (LE/BE);
  without one, UTF-16 is recognised by its NUL bytes (every other byte of ASCII text);
  otherwise UTF-8, falling back to Windows-1252 with an issue.  Bytes that do not decode
  (a truncated UTF-16 file) are replaced by U+FFFD, with an issue.
* **Binary files.**  A file whose first 64 KiB are more than 10% control bytes (NUL,
  ...) is refused as binary.  Fewer NUL bytes are left to the caller, which sets the
  damaged cells to missing (a KoboToolbox / ODK export never contains a NUL byte).
* **Delimiter.**  ``,``, ``;``, tab or ``|``: the one whose split of the first rows
  names the most of the instrument's questions, else the most frequent one.
* **Line endings and quoting.**  CR, LF and CRLF may be mixed; a quote that is never
  closed swallows the rest of the file into one cell (the caller quarantines the
  record, whose field count is then wrong).
* **"No answer" tokens.**  :func:`may_hold_tokens` tells from the text whether any cell
  can be one of :data:`~toolkit.ingest._values.MISSING_TOKENS` (``NA``, ``n/a`` ...), so
  that a table whose text holds none is not searched for them cell by cell.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import TypedDict

from toolkit.errors import ExportReadError
from toolkit.ingest._values import MISSING_TOKENS

__all__ = [
    "MAX_COLUMNS",
    "MAX_HEADER_CELL",
    "MAX_HEADER_SCAN",
    "ReadNote",
    "choose_delimiter",
    "decode",
    "header_cells",
    "may_hold_tokens",
    "note",
    "parse_csv",
]

# The tokens, one pattern per first character (a literal first character lets the
# regular expression engine skip ahead quickly)
_TOKENS = [
    re.compile(
        re.escape(first)
        + "(?:"
        + "|".join(
            re.escape(t[1:])
            for t in sorted(MISSING_TOKENS, key=len, reverse=True)
            if t.startswith(first)
        )
        + ")"
    )
    for first in dict.fromkeys(t[0] for t in MISSING_TOKENS)
]
_MAX_TOKEN_HITS = 10_000  # occurrences of tokens looked at before assuming a cell is one

#: Rows searched for the header (title rows may come first).
MAX_HEADER_SCAN = 15
#: Longest header cell: a longer one is an unclosed quote, not a question.
MAX_HEADER_CELL = 2000
#: Widest header (Excel's column limit).
MAX_COLUMNS = 16384
_SNIFF_CHARS = 65536
_DELIMITERS = ",;\t|"
_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))

# What each reading problem is and what was done, by kind: (rule, problem, action).
_NOTES: dict[str, tuple[str, str, str]] = {
    "bad_bytes": (
        "encoding",
        "the file is not valid {codec} (first bad byte near line {row}: a truncated or "
        "damaged download?).",
        "undecodable bytes replaced by U+FFFD; check the rows around that line",
    ),
    "cp1252": (
        "encoding",
        "the file is not valid UTF-8 (first bad byte on line {row}); it was read as "
        "Windows-1252 (cp1252).",
        "decoded as cp1252; check accented names, and export as UTF-8 next time",
    ),
    "workbook_named_csv": (
        "file_type",
        "the file is an Excel workbook although its name says CSV.",
        "read as a workbook; rename it to .xlsx",
    ),
    "extra_sheet": (
        "extra_sheet",
        "sheet '{value}' (e.g. a repeat group) is not read; only the first sheet "
        "'{first}' holds one row per submission.",
        "sheet ignored",
    ),
    "title_row": (
        "title_row",
        "row above the header (a title or note) is not data.",
        "row skipped",
    ),
    "nul_header": (
        "nul_byte",
        "the header cell holds NUL bytes (0x00), which an export never contains (the "
        "file was damaged).",
        "NUL bytes removed from the header",
    ),
    "nul_cell": (
        "nul_byte",
        "the cell holds {count} NUL byte(s) (0x00), which an export never contains: the "
        "file was damaged here.",
        "answer set to missing",
    ),
    "nul_more": (
        "nul_byte",
        "{value} more cell(s) hold NUL bytes (0x00).",
        "answers set to missing",
    ),
    "unclosed_quote": (
        "unclosed_quote",
        "the record holds {lines} line breaks inside quoted cells and has {value} fields "
        "where the header has {width}: a quote opened in it is probably never closed, so "
        "the lines after it were read as one cell.",
        "record quarantined as a ragged row; fix the quote and read again",
    ),
    "blank_rows": ("blank_rows", "{value} blank line(s) hold no data.", "not counted as records"),
}


class ReadNote(TypedDict):
    """A problem found while reading, as an issue record (the keywords of ``IssueLog.add``)."""

    row: int | None
    column: str | None
    value: object
    rule: str
    problem: str
    action: str


def note(
    kind: str,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    **fmt: object,
) -> ReadNote:
    """The issue record of one reading problem (``kind`` is a key of the notes table)."""
    rule, problem, action = _NOTES[kind]
    text = problem.format(row=row, value=value, **fmt)
    return {
        "row": row,
        "column": column,
        "value": value,
        "rule": rule,
        "problem": text,
        "action": action,
    }


def _decode_as(data: bytes, codec: str, notes: list[ReadNote]) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        notes.append(note("bad_bytes", line, codec=codec.upper()))
        return data.decode(codec, errors="replace")


def _utf16_without_bom(sample: bytes) -> str | None:
    """``"utf-16-le"`` / ``"utf-16-be"`` when every other byte is mostly NUL, else None."""
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if nul_odd > 0.3 and nul_even < 0.05:
        return "utf-16-le"
    if nul_even > 0.3 and nul_odd < 0.05:
        return "utf-16-be"
    return None


def decode(data: bytes, path: Path, notes: list[ReadNote]) -> tuple[str, str]:
    """The text of a file and the name of its encoding (problems appended to ``notes``).

    Raises
    ------
    ExportReadError
        If the file is binary or holds only blank space.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            name = codec if codec == "utf-8" else codec[:-3]
            return _decode_as(data[len(bom) :], codec, notes), name
    codec16 = _utf16_without_bom(data[:4096])
    if codec16 is not None:
        return _decode_as(data, codec16, notes), "utf-16"
    head = data[:_SNIFF_CHARS]
    control = len(head) - len(head.translate(None, _CONTROL))
    if control > 0.1 * len(head):
        raise ExportReadError(
            f"the file is binary, not a CSV table ({control} of its first {len(head)} bytes "
            "are control bytes such as NUL).",
            file=path,
            hint="export the data as CSV (or XLSX with an .xlsx name); if it is an export, "
            "it was damaged: download it again.",
        )
    if not data.strip():
        raise ExportReadError(
            "the file holds only blank space.", file=path, hint="download the export again."
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        notes.append(note("cp1252", data[: exc.start].count(b"\n") + 1))
        return data.decode("cp1252", errors="replace"), "cp1252"


def header_cells(record: list[str]) -> list[str]:
    """A record as a candidate header: cells stripped, absurdly long cells blanked."""
    cells = record[:MAX_COLUMNS]
    if cells and max(map(len, cells)) <= MAX_HEADER_CELL:
        joined = "".join(cells)
        if "\x00" not in joined and "\ufeff" not in joined:
            return list(map(str.strip, cells))  # the common case, without a loop in Python
    return [
        c.replace("\x00", "").replace("\ufeff", "").strip() if len(c) <= MAX_HEADER_CELL else ""
        for c in record[:MAX_COLUMNS]
    ]


def choose_delimiter(text: str, header_score: Callable[[list[str]], int]) -> str:
    """The delimiter whose split of the first rows best matches the instrument."""
    sample = text[:_SNIFF_CHARS]
    lines = [ln for ln in sample.splitlines()[:MAX_HEADER_SCAN] if ln.strip()][:10]
    best, best_key = ",", (-1, -1)
    for delim in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delim)
        with _field_limit(len(sample)):
            records = [r for r in islice(reader, MAX_HEADER_SCAN) if len(r) > 1]
        score = max((header_score(header_cells(r)) for r in records), default=0)
        key = (score, sum(ln.count(delim) for ln in lines))
        if key > best_key:
            best, best_key = delim, key
    return best


@contextlib.contextmanager
def _field_limit(size: int) -> Iterator[None]:
    """Let the ``csv`` module read fields of up to ``size`` characters, then restore."""
    previous = csv.field_size_limit()
    limit = max(size + 1, previous)
    while True:
        try:
            csv.field_size_limit(limit)
            break
        except OverflowError:  # more than a C long holds (32 bits on Windows)
            limit //= 2
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def parse_csv(text: str, delimiter: str, path: Path) -> list[list[str]]:
    """Every record of a CSV text, cells of any size; mixed line endings accepted."""
    try:
        with _field_limit(len(text)):
            return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:  # not expected with the limit set; kept as a safety net
        raise ExportReadError(
            f"the file cannot be parsed as a table ({exc}).",
            file=path,
            hint="open it in a spreadsheet program and save it again as CSV UTF-8.",
        ) from exc


def may_hold_tokens(text: str, delimiter: str) -> bool:
    """Whether a cell of a CSV text may be a "no answer" token (False: none is).

    Without quotes in the text, a cell is exactly what stands between two field
    boundaries (the delimiter, a line break, the start or end of the text), so a cell
    holding a token is an occurrence of the token with a boundary on each side.  With
    quotes (a quoted field may be written in several ways), or too many occurrences to
    look at, the answer is True.
    """
    if '"' in text:
        return True
    bounds = (delimiter, "\r", "\n")
    seen = 0
    for pattern in _TOKENS:
        for hit in pattern.finditer(text):
            seen += 1
            if seen > _MAX_TOKEN_HITS:
                return True
            start, end = hit.span()
            if (start == 0 or text[start - 1] in bounds) and (
                end == len(text) or text[end] in bounds
            ):
                return True
    return False
