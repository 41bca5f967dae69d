"""Atomic writers: text, CSV and XLSX files written under a temporary name, then renamed.

The XLSX writer fixes the workbook's creation date so that a seed gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _atomic_csv(df: pd.DataFrame, path: Path, *, sep: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.to_csv(tmp, sep=sep, index=False, lineterminator="\n")
    os.replace(tmp, path)


def _atomic_xlsx(df: pd.DataFrame, path: Path, *, sheet: str) -> None:
    _atomic_workbook({sheet: df}, path)


def _atomic_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """An XLSX workbook with one sheet per table, in order."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.xlsx")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for sheet, df in sheets.items():
            df.to_excel(xl, sheet_name=sheet[:31], index=False)
        props = xl.book.properties
        props.created = props.modified = dt.datetime(2026, 1, 1)
    os.replace(tmp, path)
