"""Mutators of ``benchmarks/fuzz_exports.py``: ``(data, rng) -> data`` on file bytes.

Text mutators: byte flips, truncation, NUL bytes and stray quotes, delimiter and
encoding changes (UTF-16 with and without BOM, UTF-32, cp1252, a doubled BOM), mixed
line endings, garbage, empty-ish files, duplicated / deleted / title lines, and
table-level changes (a huge cell, tricky values, dropped or duplicated header cells,
dropped or shuffled columns).  Workbook mutators: damaged zip members, huge sheet
dimensions, a huge cell, an XML entity bomb, absurd row numbers, lying zip sizes, the
table-level changes on the first sheet, and damaged cells, rows and sheets of an
XLSForm.  Archive mutators (ODK Central ``.csv.zip``): the zip-level ones and the text
mutators on a CSV file inside.
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from typing import Any

Table = list[list[str]]
Mutator = Callable[[bytes, "CaseRandom"], bytes]
_EPOCH = (2026, 1, 1, 0, 0, 0)
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


def _members(data: bytes) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {n: zf.read(n) for n in zf.namelist()}
    except Exception:
        return None


def _zip(members: dict[str, bytes]) -> bytes:
    """A zip of the members, the same bytes on every run (fixed timestamps)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, body in members.items():
            zf.writestr(zipfile.ZipInfo(name, _EPOCH), body, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def saved(book: Any) -> bytes:
    """An openpyxl workbook's bytes, the same on every run (its save time is stamped)."""
    buf = io.BytesIO()
    book.save(buf)
    members = _members(buf.getvalue()) or {}
    core = members.get("docProps/core.xml")
    if core is not None:
        members["docProps/core.xml"] = _STAMP.sub(rb"\g<1>2026-01-01T00:00:00Z", core)
    return _zip(members)


def csv_bytes(records: Table, delim: str = ";", newline: str = "\n", codec: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delim, lineterminator=newline).writerows(records)
    return buf.getvalue().encode(codec)


def xlsx_bytes(sheets: dict[str, Table]) -> bytes:
    """A workbook of the given sheets (names cut to Excel's 31 characters)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    for name, records in sheets.items():
        sheet = book.create_sheet(name[:31])
        for rec in records:
            sheet.append(
                [
                    int(c) if c.isdigit() and len(c) < 10 else ILLEGAL_CHARACTERS_RE.sub("", c)
                    for c in rec
                ]
            )
    return saved(book)


# -- mutators -------------------------------------------------------------------------------
class CaseRandom(random.Random):
    """The random stream of one case; ``max_cell`` caps the size of huge cells."""

    max_cell = 3_500_000


def _huge_text(rng: CaseRandom) -> str:
    size = rng.choice(
        [n for n in (140_000, 140_000, 600_000, 1_500_000, 3_500_000) if n <= rng.max_cell]
    )
    unit = rng.choice(["x", "Lorem ipsum, dolor; sit\tamet.\n", 'quote "this" ', "a/b-c/", "é€😀"])
    return (unit * (size // len(unit) + 1))[:size]


TRICKY = [
    "", " ", "nan", "NaN", "None", "null", "inf", "-inf", "1e309", "-0", "0x1F", "1_000",
    "99999999999999999999999999", "3.5", "١٢٣", "2026-13-45", "0000-00-00", "2026-02-30",
    "31/12/2025", "yes no", "rfl rfl  rfl", "other", "=cmd|'/C calc'!A0", "\u202e\u200b",
    "${ns_iso3}", "' or 1=1 --", "a" * 5000, "/" * 3000, "-" * 3000, "XXX", "zz", "\ufeff",
]  # fmt: skip


def _at(rec: Table, rng: CaseRandom, header: bool = False) -> tuple[int, int]:
    r = 0 if header or len(rec) < 2 else rng.randrange(1, len(rec))
    if not rec[r]:
        rec[r].append("")
    return r, rng.randrange(len(rec[r]))


def t_huge(rec: Table, rng: CaseRandom) -> None:
    r, c = _at(rec, rng)
    rec[r][c] = _huge_text(rng)


def t_values(rec: Table, rng: CaseRandom) -> None:
    for _ in range(rng.randint(1, 12)):
        r, c = _at(rec, rng)
        rec[r][c] = rng.choice(TRICKY) + rng.choice(["", "\n", "\u2028", "\x85", "\x0b", "\r"])


def t_header(rec: Table, rng: CaseRandom) -> None:
    _, c = _at(rec, rng, header=True)
    kind = rng.randrange(3)
    if kind == 0:
        del rec[0][c]  # a dropped header cell: every row is ragged
    else:  # a duplicated header, in place or inserted
        rec[0][c : c + (kind == 1)] = [rng.choice(rec[0])]


def t_columns(rec: Table, rng: CaseRandom) -> None:
    order = list(range(max(len(r) for r in rec)))
    if not order:
        return
    rng.shuffle(order) if rng.random() < 0.5 else order.pop(rng.randrange(len(order)))
    kept: dict[int, list[int]] = {}  # by row length: linear in the cells, however ragged
    for n in {len(r) for r in rec}:
        kept[n] = [i for i in order if i < n]
    rec[:] = [[r[i] for i in kept[len(r)]] for r in rec]


TABLE = {"huge_cell": t_huge, "values": t_values, "header": t_header, "columns": t_columns}


def _parse(data: bytes) -> tuple[Table, str, str]:
    text = data.decode("utf-8", errors="replace")
    delim = max(",;\t|", key=text.split("\n", 1)[0].count)
    newline = "\r\n" if "\r\n" in text[:5000] else "\n"
    default = csv.field_size_limit(sys.maxsize)  # restored: the reader must set its own
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim)), delim, newline
    finally:
        csv.field_size_limit(default)


def _on_table(fn: Callable[[Table, CaseRandom], None]) -> Callable[[bytes, CaseRandom], bytes]:
    def mutate(data: bytes, rng: CaseRandom) -> bytes:
        records, delim, newline = _parse(data)
        if not records:
            return data
        fn(records, rng)
        return csv_bytes(records, delim, newline)

    return mutate


def m_flip(data: bytes, rng: CaseRandom) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 16) if out else 0):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def m_truncate(data: bytes, rng: CaseRandom) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def m_insert(data: bytes, rng: CaseRandom) -> bytes:
    """NUL bytes (single or a zeroed block) or stray quotes at random places."""
    out = bytearray(data)
    if rng.random() < 0.2:
        pos = rng.randrange(len(out) + 1)
        out[pos:pos] = b"\x00" * rng.choice([64, 512, 4096])
    byte = rng.choice([0, ord('"')])
    for _ in range(rng.randint(1, 20)):
        out.insert(rng.randrange(len(out) + 1), byte)
    return bytes(out)


def m_delimiter(data: bytes, rng: CaseRandom) -> bytes:
    records, delim, newline = _parse(data)
    new = rng.choice([d for d in ",;\t|" if d != delim])
    if rng.random() < 0.5:
        return csv_bytes(records, new, newline)
    return bytes(b if b != ord(delim) or rng.random() < 0.5 else ord(new) for b in data)


def m_encoding(data: bytes, rng: CaseRandom) -> bytes:
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    codec = rng.choice(
        [
            "utf-16",
            "utf-16-le",
            "utf-16-be",
            "utf-32",
            "utf-8-sig",
            "cp1252",
            "latin-1",
            "2bom",
            "be",
        ]
    )
    if codec == "2bom":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode()
    return (
        b"\xfe\xff" + text.encode("utf-16-be")
        if codec == "be"
        else text.encode(codec, errors="replace")
    )


def m_line_endings(data: bytes, rng: CaseRandom) -> bytes:
    return b"".join(
        line + rng.choice([b"\n", b"\r\n", b"\r"]) for line in re.split(rb"\r\n|\r|\n", data)
    )


def m_garbage(data: bytes, rng: CaseRandom) -> bytes:
    junk, pos = rng.randbytes(rng.choice([0, 1, 7, 300, 5000, 60000])), rng.randrange(len(data) + 1)
    return rng.choice([junk, data[:pos] + junk + data[pos:], junk + data, data + junk])


def m_emptyish(data: bytes, rng: CaseRandom) -> bytes:
    first = re.split(rb"\r\n|\r|\n", data, maxsplit=1)[0]
    return rng.choice(
        [b"", b" ", b"\n\n\r\n", b"\xef\xbb\xbf", b"\xff\xfe", first, first + b"\n" * 1000]
    )


def m_lines(data: bytes, rng: CaseRandom) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 5)):
        i, kind = rng.randrange(len(lines)), rng.randrange(4)
        if kind == 0:
            lines.insert(i, lines[i])
        elif kind == 1 and len(lines) > 1:
            del lines[i]
        elif kind == 2:  # title rows, possibly pushing the header out of reach
            lines[0:0] = [rng.choice([b"Export", b"My form;v2;", b'"title', b""])] * rng.randint(
                1, 20
            )
        else:
            lines.insert(i, b"\n" * rng.choice([10, 100_000]) + b";" * rng.choice([1, 5000, 60000]))
    return b"\n".join(lines)


def m_member(data: bytes, rng: CaseRandom) -> bytes:
    """Drop, truncate or flip bytes of one zip member."""
    members = _members(data)
    if not members:
        return m_flip(data, rng)
    name = rng.choice(sorted(members))
    kind = rng.randrange(3)
    if kind == 0:
        del members[name]
    else:
        body = members[name]
        members[name] = body[: rng.randrange(len(body) + 1)] if kind == 1 else m_flip(body, rng)
    return _zip(members)


def m_sheet(data: bytes, rng: CaseRandom) -> bytes:
    """Huge dimensions, a huge cell, an entity bomb or absurd row numbers in a sheet."""
    members = _members(data) or {}
    sheets = sorted(n for n in members if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if not sheets:
        return m_truncate(data, rng)
    name = rng.choice(sheets)
    xml, kind = members[name].decode("utf-8", errors="replace"), rng.randrange(4)
    if kind == 0:
        xml = re.sub(r"<dimension [^>]*/>", "", xml).replace(
            "<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>', 1
        )
        far = rng.choice(["XFD1048576", "A1048576", "XFD2", "ZZ9", ""])
        cell = f'<row r="{far[-7:].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{far}" t="inlineStr"><is><t>far</t></is></c></row>'
        xml = xml.replace("</sheetData>", (cell if far else "") + "</sheetData>")
    elif kind == 1:
        huge = _huge_text(rng).replace("&", "&amp;").replace("<", "&lt;")
        xml = re.sub(r"<t>[^<]*</t>", lambda m: f"<t>{huge}</t>", xml, count=1)
    elif kind == 2:  # billion laughs
        ents = "".join(
            f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(9)
        )
        xml = f'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">{ents}]>' + xml.replace("<t>", "<t>&j;", 1)
    else:
        xml = xml.replace(
            '<row r="2"', f'<row r="{rng.choice(["0", "-1", "1", "99999999999", "x"])}"', 1
        )
    members[name] = xml.encode("utf-8", errors="replace")
    return _zip(members)


def m_zip_sizes(data: bytes, rng: CaseRandom) -> bytes:
    """Lie about uncompressed sizes in the central directory (a declared zip bomb)."""
    out, pos = bytearray(data), data.find(b"PK\x01\x02")
    while pos != -1 and pos + 28 <= len(out):
        if rng.random() < 0.5:
            struct.pack_into("<I", out, pos + 24, rng.choice([0, 1, 0x7FFFFFFF, 0xFFFFFFFE]))
        pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


_CELL_REF = re.compile(rb'<(?:c|row) r="([A-Z]*)(\d+)"')


def _sheet_area(data: bytes) -> int:
    """Rows x columns up to the farthest cell of any sheet of a workbook (0 if unreadable)."""
    area = 0
    for name, xml in (_members(data) or {}).items():
        if name.startswith("xl/worksheets/"):
            rows = cols = 1
            for letters, digits in _CELL_REF.findall(xml):
                rows = max(rows, int(digits[:12]))
                cols = max(cols, sum(26**k * (c - 64) for k, c in enumerate(reversed(letters))))
            area = max(area, rows * cols)
    return area


def m_xlsx_table(data: bytes, rng: CaseRandom) -> bytes:
    """A table-level mutation (huge cell, tricky values, headers, columns) of the first
    sheet or of a repeat group's sheet; the other sheets are kept."""
    from openpyxl import load_workbook

    if _sheet_area(data) > 1_000_000:  # a far cell (m_sheet): openpyxl would fill the grid
        return m_flip(data, rng)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True)
        sheets = {
            ws.title: [["" if v is None else str(v) for v in row] for row in ws.values]
            for ws in book.worksheets
        }
    except Exception:
        return m_flip(data, rng)
    records = next(iter(sheets.values()), [])
    if len(sheets) > 1 and rng.random() < 0.3:  # a repeat group's sheet
        records = sheets[rng.choice(list(sheets)[1:])]
    if not records:
        return data
    rng.choice(list(TABLE.values()))(records, rng)
    return xlsx_bytes(sheets)


def m_form(data: bytes, rng: CaseRandom) -> bytes:
    """Damaged cells, rows and sheets of an XLSForm."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data))
    except Exception:
        return m_flip(data, rng)
    values: list[object] = [
        *TRICKY, None, 0, 3.5, True, "begin_group", "end_group", "begin repeat", "end_repeat",
        "select_one nolist", "select_multiple activity", "select_one_from_file x.csv", "integer",
        "note", "name with space", "1bad", "ns_iso3", "survey", "list_name", "type", "=1/0",
        "(" * 3000 + "1" + ")" * 3000, "${a} = ${", "selected(${activities}, 'rfl'",
        "label::Français (fr)", _huge_text(rng)[:200_000],
    ]  # fmt: skip
    for _ in range(rng.randint(1, 3)):
        sheet, kind = rng.choice(book.worksheets), rng.randrange(6)
        if kind == 0 and len(book.worksheets) > 1:
            book.remove(sheet)
        elif kind == 1:
            with contextlib.suppress(ValueError):  # a title another sheet has
                sheet.title = rng.choice(["Survey ", "SURVEY", "choices", "x", "settings"])
        elif kind == 2:
            sheet.delete_rows(rng.randint(1, max(1, sheet.max_row)), rng.randint(1, 40))
        else:
            row = 1 if kind == 3 else rng.randint(1, sheet.max_row + 2)
            with contextlib.suppress(Exception):  # openpyxl refuses control characters
                sheet.cell(row, rng.randint(1, sheet.max_column + 1), rng.choice(values))
    return saved(book)


TEXT: dict[str, Mutator] = {"flip": m_flip, "truncate": m_truncate, "insert": m_insert, "delimiter": m_delimiter,
        "line_endings": m_line_endings, "garbage": m_garbage, "emptyish": m_emptyish,
        "lines": m_lines, **{k: _on_table(f) for k, f in TABLE.items()}}  # fmt: skip
WORKBOOK: dict[str, Mutator] = {"member": m_member, "sheet": m_sheet, "zip_sizes": m_zip_sizes, "flip": m_flip,
            "truncate": m_truncate, "garbage": m_garbage, "emptyish": m_emptyish}  # fmt: skip


def m_zip_text(data: bytes, rng: CaseRandom) -> bytes:
    """A text mutation of one CSV file of an archive (ODK Central's ``.csv.zip``)."""
    members = _members(data) or {}
    names = sorted(n for n in members if n.lower().endswith(".csv"))
    if not names:
        return m_flip(data, rng)
    name = rng.choice(names)
    members[name] = TEXT[rng.choice(sorted(TEXT))](members[name], rng)
    return _zip(members)


def zipped(main: bytes) -> bytes:
    """An ODK Central-style archive: the submissions CSV and a media file."""
    return _zip({"nsmap_migration.csv": main, "media/photo.jpg": b"\xff\xd8\xff"})


ARCHIVE: dict[str, Mutator] = {**WORKBOOK, "text": m_zip_text, "text2": m_zip_text}
