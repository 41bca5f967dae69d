"""The questionnaire: XLSForm reading, Excel cell reading and the XPath subset.

The first step of the data flow, next to :mod:`toolkit.frame`.  :func:`read_xlsform`
reads any XLSForm (``.xlsx`` / ``.xls``) that pyxform converts into an
:class:`Instrument` (questions, choice lists, translations, groups, repeats and loops;
:meth:`Instrument.repeats` gives the repeat tree for reading exports) and rejects what
pyxform rejects with an error naming sheet, row and column;
:func:`load_instrument` gives the bundled mapping-study instrument.
:func:`read_workbook` reads the cells of an Excel workbook without materialising
empty rows, whatever dimensions the workbook declares; the frame and the export
reader use it too.
"""

from __future__ import annotations

from toolkit.instrument._excel import (
    WorkbookError,
    read_workbook,
    workbook_format,
)
from toolkit.instrument._model import (
    DATE_TYPES,
    NUMERIC_TYPES,
    SELECT_TYPES,
    Instrument,
    InstrumentWarning,
)
from toolkit.instrument._xlsform import bundled_instrument_path, load_instrument, read_xlsform

__all__ = [
    "DATE_TYPES",
    "NUMERIC_TYPES",
    "SELECT_TYPES",
    "Instrument",
    "InstrumentWarning",
    "WorkbookError",
    "bundled_instrument_path",
    "load_instrument",
    "read_workbook",
    "read_xlsform",
    "workbook_format",
]
