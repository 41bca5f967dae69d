"""Reading and writing a Kobo CSV export as records, for tests that change its cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

__all__ = ["read_records", "write_records"]


def read_records(path: Path) -> list[list[str]]:
    """The rows of a ``;``-separated export (header first), as text."""
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def write_records(path: Path, records: list[list[str]]) -> Path:
    """Write rows as a ``;``-separated export with CRLF line ends, as Kobo does."""
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(records)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path
