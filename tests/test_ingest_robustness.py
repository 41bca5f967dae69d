"""Bad input never crashes export or XLSForm reading (issue 10, item 6).

Cells of any size, NUL bytes, UTF-16 / UTF-32 with and without a byte-order mark,
truncated or non-zip workbooks, zip bombs and huge sheet dimensions, mixed line
endings, broken quoting, binary garbage and empty files each give a result (that
reconciles: rows in = accepted + quarantined) or a ToolkitError naming the file.
``tests/test_ingest_fuzz.py`` checks the same promise on a few hundred mutated inputs.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import random
import resource
import struct
import time
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from toolkit.errors import ExportReadError, InstrumentError, ToolkitError
from toolkit.ingest import IngestWarning, read_export
from toolkit.instrument import bundled_instrument_path, read_xlsform

# A narrow export (nine columns of the demo export, six submissions) keeps each read fast.
COLUMNS = [
    "start",
    "end",
    "society/ns_iso3",
    "society/report_date",
    "programmes/has_migration_programme",
    "scale/branches_total",
    "comments",
    "_uuid",
    "_submission_time",
]
ISO3, BRANCHES, COMMENTS = 2, 5, 6
# ... read against the bundled form cut to those questions (a read costs a fifth).
KEEP = {"start", "end", "ns_iso3", "report_date", "has_migration_programme", "branches_total"}
KEEP |= {"comments", "society", "programmes", "scale"}


@pytest.fixture(scope="module")
def instrument(tmp_path_factory):
    book = openpyxl.load_workbook(bundled_instrument_path())
    survey = book["survey"]
    head = [str(c.value).strip().lower() for c in survey[1]]
    t, n = head.index("type"), head.index("name")
    doomed, skip = [], 0  # rows of other questions, and of whole other groups
    for row in survey.iter_rows(min_row=2):
        kind, name = str(row[t].value or "").strip(), str(row[n].value or "").strip()
        opens, closes = kind.startswith("begin"), kind.startswith("end_") or kind == "end group"
        if skip or (opens and name not in KEEP):
            skip += opens - closes
            doomed.append(row[0].row)
        elif not (opens or closes) and name not in KEEP:
            doomed.append(row[0].row)
    for r in reversed(doomed):
        survey.delete_rows(r)
    path = tmp_path_factory.mktemp("form") / "narrow.xlsx"
    book.save(path)
    narrow = read_xlsform(path)
    assert set(narrow.questions["name"]) == KEEP, set(narrow.questions["name"]) ^ KEEP
    return narrow


@pytest.fixture(scope="module")
def records(demo_csv) -> list[list[str]]:
    text = demo_csv.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    idx = [rows[0].index(c) for c in COLUMNS]
    return [[r[i] for i in idx] for r in rows[:7]]


def _text(records: list[list[str]], sep: str = ";", newline: str = "\r\n") -> str:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=sep, lineterminator=newline).writerows(records)
    return buf.getvalue()


def _write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _read(path: Path, instrument, frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        result = read_export(path, instrument, frame=frame, key="robustness")
    assert result.reconciles()
    return result


def _refused(path: Path, instrument, frame, match: str | None = None) -> ToolkitError:
    with pytest.raises(ExportReadError, match=match) as err:
        read_export(path, instrument, frame=frame, key="robustness")
    assert str(path) in str(err.value)
    return err.value


@pytest.fixture(scope="module")
def baseline(records, instrument, frame, tmp_path_factory):
    path = _write(tmp_path_factory.mktemp("base") / "export.csv", _text(records))
    return _read(path, instrument, frame)


def _xlsx(records: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for rec in records:
        book.active.append(rec)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# -- cell size --------------------------------------------------------------------------
def test_a_cell_of_several_mib_is_read(tmp_path, records, baseline, instrument, frame):
    recs = [list(r) for r in records]
    recs[2][COMMENTS] = ('Lorem; ipsum, "dolor"\r\nsit amet. ' * 200_000)[: 5 << 20]
    limit = csv.field_size_limit()
    r = _read(_write(tmp_path / "huge.csv", _text(recs)), instrument, frame)
    assert csv.field_size_limit() == limit  # set for the file, then restored
    assert r.data["ns_iso3"].tolist() == baseline.data["ns_iso3"].tolist()
    assert r.data["comments"].str.len().max() > 4 << 20
    assert not (r.issues["rule"] == "ragged_row").any()


def test_a_small_csv_field_limit_set_by_the_caller_is_no_limit(
    tmp_path, records, baseline, instrument, frame
):
    recs = [list(r) for r in records]
    recs[2][COMMENTS] = "x" * 5000
    path = _write(tmp_path / "long.csv", _text(recs))
    previous = csv.field_size_limit(100)
    try:
        r = _read(path, instrument, frame)
        assert csv.field_size_limit() == 100
    finally:
        csv.field_size_limit(previous)
    assert r.data["comments"].str.len().max() == 5000
    assert r.data["ns_iso3"].tolist() == baseline.data["ns_iso3"].tolist()


def test_a_huge_cell_in_a_workbook_is_read(tmp_path, records, baseline, instrument, frame):
    recs = [list(r) for r in records]
    recs[1][COMMENTS] = "x" * (3 << 20)
    r = _read(_write(tmp_path / "huge.xlsx", _xlsx(recs)), instrument, frame)
    assert r.data["ns_iso3"].tolist() == baseline.data["ns_iso3"].tolist()


# -- NUL bytes ------------------------------------------------------------------------------
def test_a_cell_with_nul_bytes_is_set_missing_with_an_issue(tmp_path, records, instrument, frame):
    recs = [list(r) for r in records]
    recs[3][BRANCHES] = "1\x002"
    recs[0][ISO3] = "society/ns_\x00iso3"
    r = _read(_write(tmp_path / "nul.csv", _text(recs)), instrument, frame)
    nul = r.issues[r.issues["rule"] == "nul_byte"]
    assert sorted(nul["row"].dropna().astype(int)) == [1, 4]
    cell = nul[nul["row"] == 4].iloc[0]
    assert cell["column"] == "scale/branches_total"
    assert "missing" in cell["action"]
    assert pd.isna(r.data.set_index("_row").loc[4, "branches_total"])
    assert len(r.data) == len(records) - 1


@pytest.mark.parametrize("block", [b"\x00" * 4096, bytes(range(32)) * 100])
def test_a_mostly_binary_file_is_refused(tmp_path, records, block, instrument, frame):
    data = block + _text(records).encode()
    _refused(_write(tmp_path / "binary.csv", data), instrument, frame, "binary")


# -- encodings --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bom", "codec", "name"),
    [
        (b"", "utf-16", "utf-16"),  # Python writes a little-endian BOM
        (b"", "utf-16-le", "utf-16"),
        (b"", "utf-16-be", "utf-16"),
        (b"\xfe\xff", "utf-16-be", "utf-16"),
        (b"", "utf-32", "utf-32"),
        (b"\xef\xbb\xbf", "utf-8", "utf-8"),
    ],
)
def test_unicode_encodings_are_detected(
    tmp_path, records, baseline, bom, codec, name, instrument, frame
):
    recs = [list(r) for r in records]
    recs[1][COMMENTS] = "Activités à Genève, 日本語, عربي"
    data = bom + _text(recs, sep="\t").encode(codec)
    r = _read(_write(tmp_path / "wide.csv", data), instrument, frame)
    assert r.summary["encoding"] == name
    assert r.summary["delimiter"] == "\t"
    assert r.data["ns_iso3"].tolist() == baseline.data["ns_iso3"].tolist()
    assert "Activités à Genève, 日本語, عربي" in set(r.data["comments"].dropna())


def test_truncated_utf16_is_read_with_an_encoding_issue(tmp_path, records, instrument, frame):
    data = _text(records).encode("utf-16")[:-1]
    r = _read(_write(tmp_path / "cut.csv", data), instrument, frame)
    assert (r.issues["rule"] == "encoding").sum() == 1


# -- line endings and quoting --------------------------------------------------------------
def test_mixed_line_endings(tmp_path, records, baseline, instrument, frame):
    recs = [list(r) for r in records]
    recs[2][COMMENTS] = "two\nlines"
    ends = ["\n", "\r\n", "\r"]
    text = "".join(_text([rec]).removesuffix("\r\n") + ends[k % 3] for k, rec in enumerate(recs))
    r = _read(_write(tmp_path / "mixed.csv", text), instrument, frame)
    assert r.data["ns_iso3"].tolist() == baseline.data["ns_iso3"].tolist()
    assert "two\nlines" in set(r.data["comments"].dropna())


def test_an_unclosed_quote_quarantines_the_rest_as_one_ragged_record(
    tmp_path, records, instrument, frame
):
    lines = _text(records).split("\r\n")
    lines[3] = lines[3].replace(";", ';"never closed ', 1)
    r = _read(_write(tmp_path / "quote.csv", "\r\n".join(lines)), instrument, frame)
    assert r.rows_in == 3  # rows 2 and 3, then one record swallowing rows 4 to 7
    assert len(r.data) == 2
    assert r.quarantine["rule"].tolist() == ["ragged_row"]
    assert (r.issues["rule"] == "unclosed_quote").sum() == 1


def test_stray_quotes_inside_cells_are_kept(tmp_path, records, instrument, frame):
    lines = _text(records).split("\r\n")
    lines[2] = lines[2] + 'said "hello" twice"'
    r = _read(_write(tmp_path / "stray.csv", "\r\n".join(lines)), instrument, frame)
    assert len(r.data) + len(r.quarantine) == len(records) - 1


def test_the_delimiter_follows_the_header_not_a_title_row(tmp_path, records, instrument, frame):
    text = "Export, 4 May 2026, all rows, all columns\r\n" + _text(records)
    r = _read(_write(tmp_path / "title.csv", text), instrument, frame)
    assert r.summary["delimiter"] == ";"
    assert r.summary["header_row"] == 2


# -- headers ------------------------------------------------------------------------------
def test_absurd_headers_are_refused(tmp_path, records, instrument, frame):
    recs = [list(r) for r in records]
    recs[0].append("y" * 5000)
    _refused(_write(tmp_path / "long.csv", _text(recs)), instrument, frame, "characters long")
    recs = [list(records[0]) + [f"c{k}" for k in range(20_000)], *records[1:]]
    _refused(_write(tmp_path / "wide.csv", _text(recs)), instrument, frame, "columns")


# -- empty files and garbage -------------------------------------------------------------------
@pytest.mark.parametrize(
    "content", [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\n\r\n\r", b"\x00", b"\xfe\xff\x00"]
)
def test_empty_files_are_refused(tmp_path, content, instrument, frame):
    _refused(_write(tmp_path / "empty.csv", content), instrument, frame)


def test_a_header_without_rows_gives_an_empty_result(tmp_path, records, instrument, frame):
    r = _read(_write(tmp_path / "header.csv", _text(records[:1]) + "\r\n\r\n"), instrument, frame)
    assert r.rows_in == 0


@pytest.mark.parametrize("size", [1, 100, 5000, 100_000])
def test_binary_garbage_is_refused(tmp_path, size, instrument, frame):
    data = random.Random(size).randbytes(size)
    for suffix in (".csv", ".xlsx"):
        _refused(_write(tmp_path / f"garbage{suffix}", data), instrument, frame)


def test_a_folder_or_a_missing_file_is_refused(tmp_path, instrument, frame):
    _refused(tmp_path, instrument, frame, "folder")
    _refused(tmp_path / "missing.csv", instrument, frame, "does not exist")


# -- workbooks ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workbook(records) -> bytes:
    return _xlsx(records)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_a_truncated_workbook_is_refused(tmp_path, workbook, cut, instrument, frame):
    data = workbook[: int(len(workbook) * cut)]
    _refused(_write(tmp_path / "cut.xlsx", data), instrument, frame, "cannot be opened")


def test_a_text_file_named_xlsx_is_refused(tmp_path, records, instrument, frame):
    _refused(_write(tmp_path / "text.xlsx", _text(records)), instrument, frame, "CSV")


def test_a_workbook_named_csv_is_read_as_a_workbook(
    tmp_path, workbook, baseline, instrument, frame
):
    r = _read(_write(tmp_path / "book.csv", workbook), instrument, frame)
    assert r.data["ns_iso3"].tolist() == baseline.data["ns_iso3"].tolist()
    assert (r.issues["rule"] == "file_type").sum() == 1


def test_a_zip_declaring_gigabytes_is_refused(tmp_path, workbook, instrument, frame):
    data = bytearray(workbook)
    pos = data.find(b"PK\x01\x02")
    while pos != -1:  # every member claims 4 GiB uncompressed in the central directory
        struct.pack_into("<I", data, pos + 24, 0xFFFFFFF0)
        pos = data.find(b"PK\x01\x02", pos + 4)
    _refused(_write(tmp_path / "bomb.xlsx", bytes(data)), instrument, frame, "zip bomb")


def test_a_damaged_zip_member_is_refused(tmp_path, workbook, instrument, frame):
    src = zipfile.ZipFile(io.BytesIO(workbook))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in src.namelist():
            body = src.read(name)
            out.writestr(name, body[: len(body) // 2] if "worksheets" in name else body)
    _refused(
        _write(tmp_path / "member.xlsx", buf.getvalue()), instrument, frame, "cannot be opened"
    )


def _status(field: str) -> int:
    """A size from /proc/self/status, in bytes."""
    with open("/proc/self/status") as fh:
        line = next(ln for ln in fh if ln.startswith(field + ":"))
    return int(line.split()[1]) * 1024


def _bounded(path: Path, read) -> dict[str, object]:
    """``read(path)`` in a forked child allowed 3 GiB more address space: its outcome,
    seconds and peak memory growth (forked, the child shares this process's imports)."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        resource.setrlimit(resource.RLIMIT_AS, (_status("VmSize") + (3 << 30), hard))
        start, t = _status("VmRSS"), time.perf_counter()
        try:
            read(path)
            outcome = "result"
        except ToolkitError as exc:
            outcome = "toolkit_error" if str(path) in str(exc) else f"unnamed: {exc}"
        except BaseException as exc:  # reported to the parent, which fails the test
            outcome = f"raw {type(exc).__name__}: {exc}"
        peak = (_status("VmHWM") - start) / 2**20
        send.send({"outcome": outcome, "seconds": time.perf_counter() - t, "peak_mib": peak})

    proc = ctx.Process(target=child)
    proc.start()
    try:
        assert receive.poll(120), "no answer in 120 s: a hang"
        return receive.recv()
    finally:
        proc.kill()
        proc.join()


def _far_cell(data: bytes, far: str) -> bytes:
    """The workbook with a dimension declaring the whole sheet, and a cell at ``far``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    row = "".join(ch for ch in far if ch.isdigit())
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name in src.namelist():
            body = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                xml = body.decode()
                xml = xml.replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>', 1)
                cell = f'<row r="{row}"><c r="{far}" t="inlineStr"><is><t>far</t></is></c></row>'
                body = xml.replace("</sheetData>", (cell if far else "") + "</sheetData>").encode()
            out.writestr(name, body)
    return buf.getvalue()


@pytest.mark.parametrize("far", ["", "XFD1048576"])
@pytest.mark.parametrize("kind", ["export", "form"])
def test_huge_sheet_dimensions_stay_bounded(
    tmp_path, workbook, records, kind, far, instrument, frame
):
    """A declared (or real) far corner must not make the reader build a 1,048,576 x 16,384 grid."""
    data = bundled_instrument_path().read_bytes() if kind == "form" else workbook
    path = _write(tmp_path / f"far-{kind}.xlsx", _far_cell(data, far))
    if kind == "form":
        report = _bounded(path, read_xlsform)
    else:
        report = _bounded(path, lambda p: read_export(p, instrument, frame=frame, key="bounded"))
    assert report["outcome"] in ("result", "toolkit_error"), report
    assert report["peak_mib"] < 1000 and report["seconds"] < 60, report
    assert report["outcome"] == "result", report
    if kind == "export" and far:  # the stray cell is one ragged row, quarantined
        r = _read(path, instrument, frame)
        assert r.quarantine["_row"].tolist() == [1048576], r.quarantine
        assert len(r.data) == len(records) - 1


def test_a_sheet_larger_than_any_table_is_refused(tmp_path, records, instrument, frame):
    """A grid of more than 16 million cells (a value in XFD, 2,000 rows) is refused."""
    recs = [list(r) for r in records] + [["x"] * 9 for _ in range(1100)]
    data = _far_cell(_xlsx(recs), "XFD1200")
    err = _refused(_write(tmp_path / "big.xlsx", data), instrument, frame, "XFD1200")
    assert "16,777,216 cells" in str(err)


# -- XLSForm ------------------------------------------------------------------------------------
def _form_with(damage: str) -> bytes:
    form = bundled_instrument_path().read_bytes()
    if damage in ("empty", "truncated", "text", "garbage"):
        return {
            "empty": b"",
            "truncated": form[: len(form) // 2],
            "text": b"type,name,label\ntext,q1,Q1\n",
            "garbage": random.Random(7).randbytes(20_000),
        }[damage]
    src = zipfile.ZipFile(io.BytesIO(form))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in src.namelist():
            body = src.read(name)
            out.writestr(name, body[:100] if name.endswith("sheet1.xml") else body)
    return buf.getvalue()


@pytest.mark.parametrize("damage", ["empty", "truncated", "text", "garbage", "member"])
def test_a_damaged_xlsform_is_refused_naming_the_file(tmp_path, damage):
    path = _write(tmp_path / "form.xlsx", _form_with(damage))
    with pytest.raises(InstrumentError) as err:
        read_xlsform(path)
    assert str(path) in str(err.value)


def test_an_xlsform_with_a_huge_cell_is_read(tmp_path):
    book = openpyxl.load_workbook(bundled_instrument_path())
    survey = book["survey"]
    head = [c.value for c in survey[1]]
    row = next(r for r in range(2, survey.max_row + 1) if survey.cell(r, 2).value == "ns_iso3")
    survey.cell(row, head.index("hint::English (en)") + 1, "long hint; " * 400_000)
    path = tmp_path / "form.xlsx"
    book.save(path)
    questions = read_xlsform(path).questions
    longest = max(questions[c].astype(str).str.len().max() for c in questions.columns)
    assert longest >= 32767  # Excel's cell limit, which a reader may apply
