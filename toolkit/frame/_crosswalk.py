"""Identifying National Societies as people write them.

A Society column of an export may hold an ISO3 or ISO2 code, an FDRS code, an IFRC GO
country id, or the Society's or the country's name in English, French, Spanish or
Arabic, with or without accents. :func:`match_societies` identifies each value against
the membership frame through the crosswalk ``toolkit/data/society_names.csv`` (sources
and build in ``toolkit/data/README.md``) and records the rule of every match.

Rules, tried in this order (the first that applies decides):

1. **codes**: the trimmed, upper-cased value is a key of the frame (rule ``iso3``, even
   when a frame's keys are not ISO3 codes), or an ISO3, ISO2 or FDRS code of a Society
   (rules ``iso3``, ``iso2``, ``fdrs``); a bare number is an IFRC GO country id (rule
   ``go_id``) only in a column of GO ids (see *Numbers* below);
2. **exact name**: the normalised value (:func:`~toolkit.frame.normalise_name`: no case,
   accents, Arabic vowel marks, punctuation or generic words such as "Red Cross",
   "Croix-Rouge", "الهلال الأحمر") equals a normalised crosswalk name, in the same word
   order, in any word order, or without spaces (rule ``name``);
3. **parts**: a value that joins a name and a code or two names ("Kenya (KEN)",
   "KEN - Kenya Red Cross Society", "Korea (KOR)") is split at brackets, slashes,
   commas and spaced dashes; when every part is a code or an exact name and the parts
   have exactly one Society in common, that Society is taken (rule ``name``); parts
   that name different Societies ("Kenya (UGA)") make the value ``ambiguous``;
4. **fuzzy**: the most similar crosswalk name scores at least ``threshold`` and beats
   the best name of any other Society by at least ``margin`` (rule ``fuzzy``).

A value is never accepted silently otherwise: a name or code of two Societies
("Korea", "DRC", "PRCS") or only generic words ("Red Cross", "Croissant-Rouge") is
``ambiguous``; a best candidate below ``threshold`` is a ``near_miss`` with its
``suggestion``; a Society that is not in the frame given is ``not_in_frame``; a bare
number that is not read as a GO id is a ``number`` (its GO Society is suggested);
nothing similar is ``not_found``; a blank cell is ``missing``.

*Numbers.* GO ids run from 1 to 290 with few gaps, so almost any small number is the
GO id of some Society: a count, a choice index or a row number typed into a Society
column would be read as one. A bare number (``"12"``, ``12.0``) is therefore read as
a GO id only when the column is declared to hold GO ids (``go_ids=True``) or, by
default, when every value of the column is such a number (a column of GO ids, as the
GO API writes it; the caller is expected to say so, as
:func:`toolkit.ingest.read_export` does in an issue). In a column that also holds
names or codes, or with ``go_ids=False``, it is rule ``number`` and not accepted. A
number beside a name that agrees with it ("Benin (209)") is accepted by the parts
rule, as the name confirms it.

Similarity is :class:`difflib.SequenceMatcher`'s ratio, the larger of the ratio of the
normalised names and of their words in sorted order, also after dropping misspelt
generic words ("Kenia Red Cros"). Values shorter than five letters once normalised, and
unknown codes, are not compared. The standard library is enough here: names are short,
exports repeat few distinct values (each is matched once), and the ``real_quick_ratio``
and ``quick_ratio`` bounds skip most of the ~1,700 crosswalk names, so a distinct value
that needs the fuzzy step costs about 10 ms. rapidfuzz would be faster but would add a
compiled dependency for a step that takes well under a second on any export.

The defaults (threshold 0.85, margin 0.05) were chosen on one-edit typos (a letter
dropped, swapped or replaced) of every English, French and Spanish name of the
crosswalk: of 2,366 such typos 1,788 were accepted and none for a wrong Society, and
0.88 accepted 1,415, also with none wrong. Two-edit typos can land nearer another
Society's name ("Lirbia" for Liberia is nearer "Libia", Spanish for Libya): 2 of 1,183
were accepted wrongly, which is why a fuzzy match keeps its rule and a message. The
spellings of ``tests/test_frame_crosswalk.py`` accept no wrong Society either.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pandas as pd

from toolkit.errors import FrameError
from toolkit.frame import _matching as matching
from toolkit.frame._membership import load_frame

__all__ = [
    "ACCEPTED_RULES",
    "CROSSWALK_COLUMNS",
    "CROSSWALK_KINDS",
    "MATCH_COLUMNS",
    "MATCH_RULES",
    "bundled_crosswalk_path",
    "check_crosswalk",
    "load_crosswalk",
    "match_societies",
]

#: Columns of the crosswalk (``toolkit/data/society_names.csv``).
CROSSWALK_COLUMNS: tuple[str, ...] = ("iso3", "kind", "language", "variant", "source")
#: What a crosswalk row's variant is.
CROSSWALK_KINDS: tuple[str, ...] = (
    *("iso3", "iso2", "fdrs", "go_id", "country_name", "society_name"),
)
#: Every rule :func:`match_societies` records.
MATCH_RULES: tuple[str, ...] = (
    *("iso3", "iso2", "fdrs", "go_id", "name", "fuzzy"),
    *("ambiguous", "near_miss", "number", "not_in_frame", "not_found", "missing"),
)
#: The rules under which a value is identified (``iso3`` is filled).
ACCEPTED_RULES: tuple[str, ...] = MATCH_RULES[:6]
#: Columns of the table :func:`match_societies` returns.
MATCH_COLUMNS: tuple[str, ...] = (
    *("value", "iso3", "rule", "score", "matched", "suggestion", "suggestion_name"),
    "message",
)


def bundled_crosswalk_path() -> Path:
    """Return the path of the bundled crosswalk of Society names.

    Returns
    -------
    pathlib.Path
        ``toolkit/data/society_names.csv`` inside the installed package.
    """
    return Path(str(resources.files("toolkit") / "data" / "society_names.csv"))


def load_crosswalk(path: str | Path | None = None) -> pd.DataFrame:
    """Load the crosswalk of codes and names of National Societies.

    Parameters
    ----------
    path : str or Path, optional
        A UTF-8 CSV with the columns of :data:`CROSSWALK_COLUMNS`; ``None`` loads the
        bundled one.

    Returns
    -------
    pandas.DataFrame
        One row per (iso3, kind, language, variant); ``kind`` is one of ``iso3``,
        ``iso2``, ``fdrs``, ``go_id``, ``country_name``, ``society_name``; ``language``
        is empty for codes.

    Raises
    ------
    FrameError
        If the file is missing a column or a row lacks its iso3, kind or variant.

    Examples
    --------
    >>> cw = load_crosswalk()
    >>> cw.loc[(cw["iso3"] == "BEN") & (cw["language"] == "fr"), "variant"].tolist()
    ['Bénin', 'Croix-Rouge béninoise']
    """
    source = bundled_crosswalk_path() if path is None else Path(path)
    try:
        table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FrameError(
            f"the crosswalk cannot be read ({exc}).",
            file=source,
            hint="give a UTF-8 CSV with the columns " + ", ".join(CROSSWALK_COLUMNS) + ".",
        ) from exc
    return check_crosswalk(table, file=source)


def check_crosswalk(table: pd.DataFrame, *, file: str | Path | None = None) -> pd.DataFrame:
    """A crosswalk table checked and tidied: its columns, cells stripped, ISO3 upper case.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with the columns of :data:`CROSSWALK_COLUMNS` (others are dropped).
    file : str or Path, optional
        The file the rows came from, for messages (rows are numbered as in a CSV file
        with one header row).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`CROSSWALK_COLUMNS`, every cell a stripped string.

    Raises
    ------
    FrameError
        If a column is missing, or a row lacks its iso3, kind or variant, or has a kind
        that is not one of :data:`CROSSWALK_KINDS`.
    """
    missing = [c for c in CROSSWALK_COLUMNS if c not in table.columns]
    if missing:
        raise FrameError(
            f"the crosswalk lacks the column(s) {', '.join(missing)}.",
            file=file,
            row=1,
            column=missing[0],
            hint="give a UTF-8 CSV with the columns " + ", ".join(CROSSWALK_COLUMNS) + ".",
        )
    table = table[list(CROSSWALK_COLUMNS)].fillna("").astype(str).apply(lambda s: s.str.strip())
    table["iso3"] = table["iso3"].str.upper()
    empty = (table[["iso3", "kind", "variant"]] == "").any(axis=1).to_numpy()
    if empty.any():
        raise FrameError(
            "a crosswalk row lacks its iso3, kind or variant.",
            file=file,
            row=int(empty.argmax()) + 2,
            hint="fill the cell or delete the row.",
        )
    bad = ~table["kind"].isin(CROSSWALK_KINDS).to_numpy()
    if bad.any():
        row = int(bad.argmax())
        raise FrameError(
            "a crosswalk row has an unknown kind.",
            file=file,
            row=row + 2,
            column="kind",
            value=table["kind"].iat[row],
            hint="write one of " + ", ".join(CROSSWALK_KINDS) + ".",
        )
    return table


def match_societies(
    values: pd.Series | Iterable[object],
    frame: pd.DataFrame | None = None,
    *,
    threshold: float = 0.85,
    margin: float = 0.05,
    crosswalk: pd.DataFrame | None = None,
    go_ids: bool | None = None,
) -> pd.DataFrame:
    """Identify the National Society named by each value of a column.

    Parameters
    ----------
    values : pandas.Series or iterable
        What the export holds (codes, names in any of the crosswalk's languages).
        Each distinct value is matched once.
    frame : pandas.DataFrame, optional
        The membership frame (at least ``iso3``); only its Societies are accepted. Its
        own ``country``, ``society_name``, ``fdrs``, ``iso2`` and ``go_id`` columns,
        where present, count as names and codes too. ``None`` loads the bundled frame.
    threshold : float, default 0.85
        Lowest similarity (0-1) at which a fuzzy match is accepted.
    margin : float, default 0.05
        How much a fuzzy match must beat the best name of any other Society.
    crosswalk : pandas.DataFrame, optional
        A table like :func:`load_crosswalk`'s; ``None`` uses the bundled one.
    go_ids : bool, optional
        Whether a bare number is an IFRC GO country id: ``True`` (the column holds GO
        ids), ``False`` (never), or ``None`` (default): only when every non-missing
        value of ``values`` is a number of at most four digits (module docstring,
        *Numbers*).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``values``, with the columns of :data:`MATCH_COLUMNS`: ``value``
        (as given), ``iso3`` (the Society, missing unless ``rule`` is in
        :data:`ACCEPTED_RULES`), ``rule`` (one of :data:`MATCH_RULES`), ``score``
        (1 for codes and exact names, the similarity for fuzzy rules), ``matched``
        (the crosswalk code or name that matched or came closest), ``suggestion`` and
        ``suggestion_name`` (candidate iso3 codes and Society names, ``"; "``-separated,
        when not accepted) and ``message`` (a sentence for the issues table; missing for
        codes and exact names).

    Examples
    --------
    >>> m = match_societies(["BEN", "Croix Rouge Béninoise", "Beninese Red Cross", "Korea"])
    >>> m["iso3"].tolist()
    ['BEN', 'BEN', <NA>, <NA>]
    >>> m["rule"].tolist()
    ['iso3', 'name', 'near_miss', 'ambiguous']
    >>> m["suggestion"].tolist()
    [<NA>, <NA>, 'BEN', 'KOR; PRK']
    >>> print(m.loc[2, "message"])
    'Beninese Red Cross': not identified; did you mean BEN (Red Cross of Benin)? (similarity 0.82 to 'Croix-Rouge béninoise')
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    index = matching.build_index(
        load_crosswalk() if crosswalk is None else crosswalk,
        load_frame() if frame is None else frame,
    )
    keys = [matching.MISSING_VALUE if matching.is_missing(v) else v for v in series.astype(object)]
    distinct = list(dict.fromkeys(keys))
    go = go_ids if go_ids is not None else matching.all_numbers(distinct)
    rows = {k: matching.match_one(k, index, threshold, margin, go).row(k, index) for k in distinct}
    records = [rows[k] for k in keys]
    out = pd.DataFrame.from_records(records, columns=list(MATCH_COLUMNS), index=series.index)
    for col in MATCH_COLUMNS[1:]:
        if col != "score":
            out[col] = out[col].astype("string")
    out["value"] = series.astype(object)
    out["score"] = out["score"].astype(float)
    return out
