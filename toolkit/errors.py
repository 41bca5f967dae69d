"""Exception classes of the toolkit.

Every error the toolkit raises on bad input is a subclass of :class:`ToolkitError`
and carries, where they are known, the file, row, column and value at fault and a
sentence saying what to do.  The message is written for a zone-office analyst, not
for a developer: it names the place in *their* file (1-based spreadsheet row numbers,
header names as they appear in the file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "DesignError",
    "ExportReadError",
    "FrameError",
    "InputError",
    "InstrumentError",
    "InterviewDataError",
    "ParameterError",
    "StoreError",
    "StudyConfigError",
    "ToolkitError",
    "WeightingError",
]


class ToolkitError(Exception):
    """Base class of every error raised by the toolkit on bad input or bad use.

    Parameters
    ----------
    problem : str
        What is wrong, in one sentence.
    file : str or Path, optional
        The file at fault.
    sheet : str, optional
        The worksheet at fault (spreadsheets only).
    row : int, optional
        The 1-based row number as a spreadsheet program shows it.
    column : str, optional
        The column (header) at fault.
    value : object, optional
        The offending value.
    hint : str, optional
        What the user should do about it.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = value
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        msg = ", ".join(where) + ": " + self.problem if where else self.problem
        if self.hint:
            msg += f" What to do: {self.hint}"
        return msg


class InputError(ToolkitError, ValueError):
    """A user-supplied table or value cannot be used as it is."""


class FrameError(InputError):
    """The membership table (sampling frame) is invalid."""


class InstrumentError(InputError):
    """The XLSForm instrument is malformed."""


class ExportReadError(InputError):
    """A questionnaire export cannot be read as a table at all."""


class StudyConfigError(InputError):
    """``study.yaml`` is invalid (unknown key, wrong type, missing file, ...)."""


class ParameterError(InputError):
    """A notebook parameter is unknown, mistyped or not a plain literal."""


class DesignError(InputError):
    """A survey design cannot be built or estimated as specified."""


class WeightingError(DesignError):
    """Weighting (post-stratification, raking, calibration, trimming) failed."""


class InterviewDataError(InputError):
    """Interview codebooks, coded segments or structured answers are invalid."""


class StoreError(ToolkitError, OSError):
    """The analytical database cannot be written or read."""
