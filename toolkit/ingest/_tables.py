"""Reading a small table a user keeps beside a study: a crosswalk, an override list,
a reference table that replaces a bundled one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from toolkit.errors import InputError

__all__ = ["read_table_file"]


def read_table_file(
    path: str | Path,
    what: str,
    *,
    columns: Sequence[str] | None = None,
    optional: Sequence[str] = (),
    empty_ok: bool = False,
    missing_hint: str | None = None,
) -> pd.DataFrame | None:
    """Read a UTF-8 CSV table of text cells, its header names stripped.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for messages ("the {what} does not exist.").
    columns : sequence of str, optional
        The columns the header must have; with ``optional``, the only ones it may have.
        Without it, any header is accepted.
    optional : sequence of str
        Columns the header may also have.
    empty_ok : bool, default False
        Return ``None`` for an empty file instead of raising.
    missing_hint : str, optional
        What to do when the file does not exist.

    Returns
    -------
    pandas.DataFrame or None
        Every cell a string (empty where blank); ``None`` for an empty file when
        ``empty_ok``.

    Raises
    ------
    InputError
        Naming the file: it does not exist, is not a UTF-8 CSV, is empty (unless
        ``empty_ok``), or (row 1) its header lacks a column of ``columns`` or has one
        that is neither there nor in ``optional``.
    """
    source = Path(path)
    wanted = ", ".join(columns or ())
    also = f" (and optionally {', '.join(optional)})" if optional else ""
    if not source.is_file():
        raise InputError(f"the {what} does not exist.", file=source, hint=missing_hint)
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError as exc:
        if empty_ok:
            return None
        raise InputError(
            f"the {what} cannot be read as a CSV table ({exc}).",
            file=source,
            hint="save it as a UTF-8 CSV with one header row.",
        ) from exc
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(
            f"the {what} cannot be read as a CSV table ({exc}).",
            file=source,
            hint=f"save it as a UTF-8 CSV with the columns {wanted}{also}."
            if columns
            else "save it as a UTF-8 CSV with one header row.",
        ) from exc
    table.columns = [str(c).strip() for c in table.columns]
    if columns is not None:
        allowed = (*columns, *optional)
        missing = [c for c in columns if c not in table.columns]
        extra = [c for c in table.columns if c not in allowed]
        if missing or extra:
            raise InputError(
                f"the columns must be {wanted}{also}; missing {missing}, unknown {extra}.",
                file=source,
                row=1,
                hint="rename the header row.",
            )
    return table
