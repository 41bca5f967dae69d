"""Choice lists of an XLSForm: the choices sheet split into one table per list.

pyxform's rules, with one tolerance for old KoboToolbox forms:

* rows without a ``list_name`` (blank rows, label-only rows, notes to the author) are
  not choices; rows with content are reported in a warning;
* a choice row with a list name but no name is an error;
* a name used twice in one list is an error unless the settings say
  ``allow_choice_duplicates: yes`` (then every row is kept, as in pyxform); old Kobo
  forms whose only fault is such duplicates are read anyway, keeping the first row of
  each duplicated name, with a warning that lists the duplicates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toolkit.errors import InstrumentError

__all__ = ["ChoiceSheet", "choice_lists"]

_YES = {"yes", "true", "true()", "1"}


class ChoiceSheet:
    """The choices sheet: lists by name, and whether the sheet could define any.

    Parameters
    ----------
    lists : dict of str to pandas.DataFrame
        List name -> its choices (``list_name`` dropped), in sheet order.
    sheet : str or None
        The sheet's name in the workbook (``None`` when the workbook has none).
    has_list_name : bool
        Whether the sheet has a ``list_name`` column.
    """

    def __init__(
        self, lists: dict[str, pd.DataFrame], sheet: str | None, has_list_name: bool
    ) -> None:
        self.lists = lists
        self.sheet = sheet
        self.has_list_name = has_list_name


def choice_lists(
    raw: pd.DataFrame,
    path: Path,
    sheet: str | None,
    settings: dict[str, str],
    warnings: list[str],
) -> ChoiceSheet:
    """Split the choices sheet into one table per list.

    Parameters
    ----------
    raw : pandas.DataFrame
        Records of the choices sheet (:func:`~toolkit.instrument._sheets.sheet_records`).
    path : Path
        The workbook, for error messages.
    sheet : str or None
        Name of the choices sheet, for error messages (``None``: no such sheet).
    settings : dict of str to str
        The form's settings (``allow_choice_duplicates``).
    warnings : list of str
        What was tolerated is appended here.

    Returns
    -------
    ChoiceSheet

    Raises
    ------
    InstrumentError
        If the sheet has rows but no ``name`` column, or a choice has a list name but
        no name.
    """
    if raw.empty or sheet is None:
        return ChoiceSheet({}, sheet, has_list_name="list_name" in raw.columns)
    if "name" not in raw.columns:
        raise InstrumentError(
            "the choices sheet has no 'name' column.",
            file=path,
            sheet=sheet,
            row=1,
            column="name",
            hint="the choices sheet needs 'list_name', 'name' and 'label' columns.",
        )
    if "list_name" not in raw.columns:
        return ChoiceSheet({}, sheet, has_list_name=False)
    raw = raw.copy()
    raw.columns = [str(c) for c in raw.columns]
    orphan = raw[raw["list_name"].isna()]
    if not orphan.empty:
        rows = ", ".join(str(r) for r in orphan["row"].head(10))
        more = "" if len(orphan) <= 10 else f" and {len(orphan) - 10} more"
        warnings.append(
            f"sheet '{sheet}': {len(orphan)} row(s) without a list_name (rows {rows}{more}) "
            "are not choices and were ignored, as pyxform does."
        )
        raw = raw[raw["list_name"].notna()]
    nameless = raw[raw["name"].isna()]
    if not nameless.empty:
        bad = nameless.iloc[0]
        raise InstrumentError(
            f"a choice of list '{bad['list_name']}' has no name.",
            file=path,
            sheet=sheet,
            row=int(bad["row"]),
            column="name",
            hint="fill in the name (the value stored in the data) or delete the row.",
        )
    allow = settings.get("allow_choice_duplicates", "").strip().lower() in _YES
    out: dict[str, pd.DataFrame] = {}
    dropped: list[str] = []
    for list_name, table in raw.groupby("list_name", sort=False):
        table = table.drop(columns=["list_name"]).reset_index(drop=True)
        dup = table["name"].duplicated()
        if dup.any() and not allow:
            for name in dict.fromkeys(table.loc[dup, "name"]):
                rows = table.loc[table["name"] == name, "row"].tolist()
                dropped.append(
                    f"'{name}' in list '{list_name}' (rows {', '.join(map(str, rows))}; "
                    f"row {rows[0]} kept)"
                )
            table = table[~dup].reset_index(drop=True)
        out[str(list_name)] = table
    if dropped:
        warnings.append(
            f"sheet '{sheet}': choice names used twice in one list: {'; '.join(dropped)}. "
            "pyxform rejects this unless the settings say allow_choice_duplicates: yes; "
            "the first row of each name was kept and the others ignored."
        )
    return ChoiceSheet(out, sheet, has_list_name=True)
