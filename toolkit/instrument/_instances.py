"""Secondary-instance ids of an XLSForm, checked as pyxform checks them.

pyxform writes one ``<instance id="...">`` per source of choices or lookups:

* ``select_one_from_file places.csv`` -> id ``places``, source ``jr://file-csv/places.csv``
  (``.xml`` and ``.geojson`` files: ``jr://file/<file>``);
* ``xml-external x`` / ``csv-external x`` rows -> id ``x``, source ``jr://file/x.xml`` /
  ``jr://file-csv/x.csv``;
* ``pulldata('x', ...)`` in a calculation, constraint, relevance, required, read-only,
  choice filter or default -> id ``x``, source ``jr://file-csv/x.csv``;
* every list of the choices sheet (used or not, except a list only shown through a
  ``search()`` appearance) -> id ``<list name>``, no source.

Two sources with the same id and different sources make pyxform reject the form
("The same instance id will be generated for different external instance source
URIs"), and two external rows with the same name too;
:func:`check_instance_ids` raises the same, naming the sheet, row and column of the
second source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from toolkit.errors import InstrumentError
from toolkit.instrument._types import FILE_EXTENSIONS, parse_type

__all__ = ["check_instance_ids"]

_PULLDATA = re.compile(r"pulldata\s*\(\s*(.*?),")  # pyxform's RE_PULLDATA
_SEARCH = re.compile(r"search\(.*?\)")
_LOOKUP_COLUMNS = (
    "calculation",
    "constraint",
    "relevant",
    "required",
    "readonly",
    "choice_filter",
    "default",
)
_YES = {"yes", "true", "true()"}


@dataclass(frozen=True)
class _Source:
    """One secondary instance a form row makes pyxform write."""

    name: str
    src: str | None
    kind: str  # "file", "external", "pulldata" or "choice"
    sheet: str
    row: int
    column: str
    value: str

    def describe(self) -> str:
        where = f"sheet '{self.sheet}' row {self.row}"
        if self.kind == "choice":
            return f"choice list '{self.name}' ({where})"
        return f"'{self.value}' ({where}, {self.src})"


def check_instance_ids(
    path: Path,
    survey: pd.DataFrame,
    survey_sheet: str,
    choices: pd.DataFrame,
    choices_sheet: str | None,
) -> None:
    """Raise if two secondary instances of the form would get the same id.

    Parameters
    ----------
    path : Path
        The workbook, for error messages.
    survey : pandas.DataFrame
        The survey sheet's records (normalised headers, ``row``).
    survey_sheet : str
        Its name in the workbook.
    choices : pandas.DataFrame
        The choices sheet's records (``list_name``, ``row``); empty when none.
    choices_sheet : str or None
        Its name in the workbook.

    Raises
    ------
    InstrumentError
        At the second of two sources with the same id and different files, or the
        second external row of one name.
    """
    sources, searched = _survey_sources(survey, survey_sheet)
    if choices_sheet is not None and "list_name" in choices:
        first_rows: dict[str, int] = {}
        for name, row in zip(choices["list_name"], choices["row"]):
            if isinstance(name, str) and name.strip():
                first_rows.setdefault(name.strip(), int(row))
        for name, row in first_rows.items():
            if name not in searched:
                sources.append(_Source(name, None, "choice", choices_sheet, row, "list_name", name))
    seen: dict[str, _Source] = {}
    for source in sources:
        prior = seen.get(source.name)
        if prior is None:
            seen[source.name] = source
            continue
        if source.kind == prior.kind == "external":
            problem = f"two external instances are named '{source.name}'"
        elif prior.src != source.src:
            problem = f"the same secondary-instance id '{source.name}' would be generated"
        else:
            continue  # the same file again: one instance serves both
        raise InstrumentError(
            f"{problem} for {prior.describe()} and {source.describe()}; pyxform rejects "
            "the form (an instance id must name one source).",
            file=path,
            sheet=source.sheet,
            row=source.row,
            column=source.column,
            value=source.value,
            hint="rename the choice list, the file or the external instance so that each "
            "id names one source.",
        )


def _survey_sources(survey: pd.DataFrame, sheet: str) -> tuple[list[_Source], set[str]]:
    """Instances the survey rows generate, in pyxform's order, and the lists that
    ``search()`` selects use."""
    out: list[_Source] = []
    searched: set[str] = set()
    if "type" not in survey:
        return out, searched
    lookups = [c for c in _LOOKUP_COLUMNS if c in survey]
    for rec in survey.to_dict("records"):
        raw_type = rec.get("type")
        if not isinstance(raw_type, str):
            continue
        if str(rec.get("disabled", "")).strip().lower() in _YES:
            continue
        row = int(rec["row"])
        for col in lookups:
            value = rec.get(col)
            if isinstance(value, str) and "pulldata" in value:
                for m in _PULLDATA.finditer(value):
                    name = m.group(1).replace("'", "").replace('"', "").strip()
                    out.append(
                        _Source(
                            name, f"jr://file-csv/{name}.csv", "pulldata", sheet, row, col, value
                        )
                    )
        parsed = parse_type(raw_type)
        name = rec.get("name")
        if parsed.base in ("xml-external", "csv-external") and isinstance(name, str):
            ext = parsed.base.split("-")[0]
            prefix = "file-csv" if ext == "csv" else "file"
            src = f"jr://{prefix}/{name}.{ext}"
            out.append(_Source(name, src, "external", sheet, row, "name", name))
        elif parsed.choice_file:
            suffix = PurePosixPath(parsed.choice_file).suffix
            if suffix in FILE_EXTENSIONS:
                prefix = "file" if suffix in (".xml", ".geojson") else f"file-{suffix[1:]}"
                out.append(
                    _Source(
                        parsed.choice_file[: -len(suffix)],
                        f"jr://{prefix}/{parsed.choice_file}",
                        "file",
                        sheet,
                        row,
                        "type",
                        raw_type,
                    )
                )
        elif parsed.list_name and parsed.base in ("select_one", "select_multiple", "rank"):
            appearance = rec.get("appearance")
            if isinstance(appearance, str) and len(appearance) > 7 and _SEARCH.search(appearance):
                searched.add(parsed.list_name)
    return out, searched
