"""Row-level rules of the submissions table: keys, and which submissions are quarantined.

A submission is quarantined (never dropped) when its row is ragged, its key is
missing, its National Society is missing or not identified (see
:mod:`toolkit.ingest._societies`), the server marked it rejected (KoboToolbox "not
approved", ODK Central "rejected"), ODK Central could not export its answers
(encrypted), or a later submission of the same unit supersedes it.  Each rule writes
the reason on the row and one issue per row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from toolkit.errors import ExportReadError
from toolkit.ingest import _privacy as privacy
from toolkit.ingest._duplicates import superseded_rows
from toolkit.ingest._issues import IssueLog
from toolkit.ingest._lists import ChoiceLists
from toolkit.ingest._meta import strip_uuid
from toolkit.ingest._raw import RawExport
from toolkit.ingest._values import MISSING_TOKENS
from toolkit.instrument import Instrument

__all__ = [
    "ID_META",
    "RowRules",
    "exempt_tokens",
    "known_names",
    "list_for",
    "record_keys",
    "respondent_ids",
]

#: Canonical metadata that holds the submission's own id.
ID_META = ("_uuid", "_odk_key", "_instance_id")


class RowRules:
    """The quarantine decisions on the rows of one submissions table.

    Parameters
    ----------
    table : pandas.DataFrame
        The submissions, as strings, indexed by row number.
    issues : IssueLog
        Where each rejected row is reported.
    """

    def __init__(self, table: pd.DataFrame, issues: IssueLog) -> None:
        self.table = table
        self.issues = issues
        self.reason = pd.Series(pd.NA, index=table.index, dtype="string")
        self.rule = pd.Series(pd.NA, index=table.index, dtype="string")

    def reject(
        self,
        mask: pd.Series,
        why: pd.Series | str,
        code: str,
        column: str,
        values: pd.Series,
        action: str = "row quarantined",
    ) -> None:
        """Quarantine the rows of ``mask`` not quarantined yet, with an issue each."""
        mask = mask.fillna(False).astype(bool) & self.reason.isna()
        if not mask.any():
            return
        text = why if isinstance(why, str) else why[mask]
        self.reason[mask] = text
        self.rule[mask] = code
        self.issues.block(
            self.table.index[mask.to_numpy()],
            values[mask],
            column=column,
            problem=text if isinstance(text, str) else text.astype(str),
            action=action,
            rule=code,
        )

    def superseded(self, units: pd.Series, submitted: pd.Series, column: str) -> None:
        """Quarantine all but the latest submission of each unit."""
        open_rows = self.reason.isna() & units.notna() & (units != "")
        if units[open_rows].is_unique:
            return  # no unit twice: nothing is superseded
        dup, kept_row = superseded_rows(units[open_rows], submitted[open_rows])
        if not dup.any():
            return
        u = units[open_rows][dup]
        why = (
            "duplicate submission for "
            + u.astype(str)
            + "; the latest one (row "
            + u.map(kept_row).astype(str)
            + ") was kept"
        )
        mask = dup.reindex(self.table.index, fill_value=False)
        self.reject(mask, why.reindex(self.table.index), "duplicate", column, units.fillna(""))

    @property
    def accepted(self) -> pd.Series:
        """True where the row is accepted."""
        return self.reason.isna()

    def ragged(self, raw: RawExport) -> pd.DataFrame:
        """Quarantine rows for the ragged records (reported as issues here)."""
        if raw.ragged.empty:
            return pd.DataFrame(columns=["_row", "reason", "rule"])
        width = len(raw.table.columns)
        self.issues.block(
            pd.Index(raw.ragged["row"]),
            raw.ragged["fields"].astype(str),
            column="(whole row)",
            problem="the row has a different number of fields "
            "from the header (a delimiter or quote inside an answer?)",
            action="row quarantined",
            rule="ragged_row",
        )
        return pd.DataFrame(
            {
                "_row": raw.ragged["row"].astype("int64"),
                "reason": [
                    f"ragged row: {n} fields where the header has {width}"
                    for n in raw.ragged["fields"]
                ],
                "rule": "ragged_row",
            }
        )


def exempt_tokens(
    roles: pd.DataFrame, instrument: Instrument, lists: ChoiceLists | None = None
) -> dict[str, set[str]]:
    """Header -> missing-value tokens that are real choices of its question."""
    tokens = set(MISSING_TOKENS)
    lists = ChoiceLists(instrument) if lists is None else lists
    fields = instrument.fields()
    list_of = dict(zip(fields["name"], fields["list_name"]))
    hits: dict[str, set[str]] = {}
    out: dict[str, set[str]] = {}
    for header, q in zip(roles["header"], roles["question"]):
        lst = list_of.get(q)
        if isinstance(lst, str) and lst in instrument.choices:
            if lst not in hits:
                hits[lst] = set(lists.get(lst).names) & tokens
            if hits[lst]:
                out[header] = set(hits[lst])
    return out


def record_keys(
    unit: str | None,
    fields: dict[str, str],
    meta: dict[str, str],
    table: pd.DataFrame,
    ids: pd.Series,
    path: Path,
    header_row: int,
    issues: IssueLog | None = None,
) -> tuple[str, str, pd.Series]:
    """Name, header and values of the record key.

    With ``unit=None`` each submission is keyed by its own id (``ids``: ``_uuid``,
    ``KEY``, ``meta/instanceID``, ``_id``); a row without one is keyed by its
    ``_index`` (KoboToolbox's / Ona's row number in the export) when the export has
    that column, which is then reported in ``issues``.  The key is named ``_index``
    when every row is keyed so, and the header returned names the column(s) that
    supplied the keys (or were checked, when none did).
    """
    if unit is None:
        present = [m for m in (*ID_META, "_id", "_index") if m in meta]
        if not present:
            raise ExportReadError(
                "the export has no submission id column (_uuid, KEY, meta/instanceID, _id "
                "or _index), which identifies each record.",
                file=path,
                row=header_row,
                hint="export again with the metadata columns included, or name the question "
                "that identifies each record (unit=...).",
            )
        keys, source = ids.copy(), pd.Series(pd.NA, index=ids.index, dtype="string")
        for m in present:  # the column that gave each row its id: the first non-empty one
            if m != "_index":
                source[source.isna() & strip_uuid(table[meta[m]]).notna()] = meta[m]
        if "_index" in meta:
            index = table[meta["_index"]].astype("string").str.strip().replace({"": pd.NA})
            fill = keys.isna() & index.notna()
            keys[fill], source[fill] = index[fill], meta["_index"]
        used = list(dict.fromkeys(source.dropna()))
        header = " / ".join(used or [meta[m] for m in present])
        by_index = int((source == meta.get("_index")).sum()) if "_index" in meta else 0
        if by_index and issues is not None:
            others = [meta[m] for m in present if m != "_index"]
            issues.add(
                row=header_row,
                column=meta["_index"],
                value=None,
                problem=f"{by_index} submission(s) have no id"
                + (f" in {', '.join(repr(h) for h in others)}" if others else " column")
                + f"; each is keyed by its '{meta['_index']}' (its row number in this "
                "export, which may change when the data are exported again).",
                action="keyed by _index",
                rule="key_from_index",
            )
        return ("_index" if used == [meta.get("_index")] else "_uuid"), header, keys
    if unit in fields:
        return unit, fields[unit], table[fields[unit]].astype("string").str.strip()
    canon = next((c for c, h in meta.items() if unit in (c, h)), None)
    if canon is None:
        raise ExportReadError(
            f"the export has no column for '{unit}', which identifies each record.",
            file=path,
            row=header_row,
            hint=f"export again with the '{unit}' question included, or name the right "
            "unit/society question.",
        )
    values = table[meta[canon]].astype("string").str.strip()
    return canon, meta[canon], strip_uuid(values) if canon in ID_META else values


def list_for(instrument: Instrument, name: str) -> str | None:
    try:
        q = instrument.question(name)
    except KeyError:
        return None
    lst = q.get("list_name", "")
    return lst if isinstance(lst, str) and lst in instrument.choices else None


def respondent_ids(table: pd.DataFrame, fields: dict[str, str], key: bytes) -> pd.Series:
    ident = pd.Series(pd.NA, index=table.index, dtype="string")
    for q in ("resp_email", "resp_name", "resp_phone"):
        if q in fields:
            v = table[fields[q]].astype("string").str.strip().replace({"": pd.NA})
            ident = ident.fillna(v)
    return privacy.pseudonymise(ident, key)


def known_names(table: pd.DataFrame, fields: dict[str, str]) -> list[str]:
    """Respondent names in the export, whole and by part, to mask in free text."""
    if "resp_name" not in fields:
        return []
    full = table[fields["resp_name"]].astype("string").str.strip().dropna()
    parts = {p for name in full for p in str(name).split() if len(p) >= 3}
    return sorted({*full[full != ""], *parts})
