"""Mapping export headers to instrument questions.

KoboToolbox and ODK write headers in several styles: XML names with or without group
paths (``group/sub/question``), ODK Briefcase paths with ``-`` separators, question
labels (in any of the form's languages) with label paths, and for select_multiple
questions one extra column per option (``question/option``).  This module recognises
each header and says which question (and option) it holds, refuses headers that hold
the same question twice and names the header style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from toolkit.errors import ExportReadError
from toolkit.instrument import Instrument

__all__ = ["META_COLUMNS", "ColumnRole", "HeaderMap", "check_roles", "header_style"]

#: Export metadata columns and the canonical name they are kept under.
META_COLUMNS: dict[str, str] = {
    "_id": "_id",
    "_uuid": "_uuid",
    "_submission_time": "_submission_time",
    "_validation_status": "_validation_status",
    "_index": "_index",
    "_status": "_status",
    "_submitted_by": "_submitted_by",
    "__version__": "__version__",
    "_version_": "__version__",
    "_xform_id_string": "_xform_id_string",
    "_tags": "_tags",
    "_notes": "_notes",
    "_attachments": "_attachments",
    "_geolocation": "_geolocation",
    "_parent_index": "_parent_index",
    "instanceid": "_uuid",
    "meta/instanceid": "_uuid",
    "meta-instanceid": "_uuid",
    "key": "_uuid",
    "submissiondate": "_submission_time",
    "formhub/uuid": "_formhub_uuid",
    "meta/rootuuid": "_root_uuid",
    "meta/deprecatedid": "_deprecated_id",
    "meta/instancename": "_instance_name",
    "reviewstate": "_validation_status",
    "submittername": "_submitted_by",
    "submitterid": "_submitted_by",
    "deviceid": "_device_id",
    "attachmentspresent": "_attachments_present",
    "attachmentsexpected": "_attachments_expected",
    "status": "_status",
    "edits": "_edits",
    "formversion": "__version__",
}


def _norm(text: str) -> str:
    text = re.sub(r"[*_`]{1,2}", "", str(text))  # markdown emphasis in labels
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class ColumnRole:
    """What one export column holds."""

    kind: str  # "field", "option", "meta" or "unknown"
    question: str = ""
    option: str = ""


@dataclass
class HeaderMap:
    """Recognises export headers against an instrument.

    Parameters
    ----------
    instrument : Instrument
        The form the data were collected with.
    """

    instrument: Instrument
    names: set[str] = field(init=False)
    groups: set[str] = field(init=False)
    select_multiple: dict[str, set[str]] = field(init=False)
    labels: dict[str, str] = field(init=False)
    group_labels: set[str] = field(init=False)
    option_labels: dict[str, dict[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        q = self.instrument.questions
        data_q = self.instrument.fields()
        self.names = set(data_q["name"])
        self.groups = set(q.loc[q["type"].isin(["begin_group", "begin_repeat"]), "name"])
        label_cols = [c for c in q.columns if c.startswith("label::")]
        self.labels = {}
        self.group_labels = set()
        for col in label_cols:
            for name, typ, lab in zip(q["name"], q["type"], q[col]):
                if not isinstance(lab, str) or not lab.strip():
                    continue
                if typ in ("begin_group", "begin_repeat"):
                    self.group_labels.add(_norm(lab))
                elif name in self.names:
                    self.labels.setdefault(_norm(lab), name)
        self.select_multiple = {}
        self.option_labels = {}
        multiple = data_q[data_q["type"] == "select_multiple"]
        for name, list_name in zip(multiple["name"], multiple["list_name"]):
            table = self.instrument.choices.get(list_name)
            opts = set(table["name"]) if table is not None else set()
            self.select_multiple[name] = opts
            lab_map: dict[str, str] = {}
            if table is not None:
                for col in [c for c in table.columns if c.startswith("label")]:
                    for n, lab in zip(table["name"], table[col]):
                        if isinstance(lab, str) and lab.strip():
                            lab_map.setdefault(_norm(lab), n)
            self.option_labels[name] = lab_map

    def role(self, header: str) -> ColumnRole:
        """Classify one header.

        Parameters
        ----------
        header : str
            A column header as written in the export.

        Returns
        -------
        ColumnRole
        """
        h = header.strip()
        low = h.casefold()
        if low in META_COLUMNS:
            return ColumnRole("meta", META_COLUMNS[low])
        if h in self.names:
            return ColumnRole("field", h)
        for sep in ("/", "-"):
            if sep not in h:
                continue
            parts = h.split(sep)
            if sep == "/" and len(parts) >= 2:
                q, opt = parts[-2], parts[-1]
                if q in self.select_multiple and opt in self.select_multiple[q]:
                    return ColumnRole("option", q, opt)
            for k in range(1, len(parts)):
                tail = sep.join(parts[k:])
                prefix_ok = sep == "/" or all(p in self.groups for p in parts[:k])
                if tail in self.names and prefix_ok:
                    return ColumnRole("field", tail)
            if low.split(sep)[-1] in META_COLUMNS and sep == "/":
                return ColumnRole("meta", META_COLUMNS[low.split(sep)[-1]])
        return self._label_role(h)

    def _label_role(self, header: str) -> ColumnRole:
        whole = _norm(header)
        if whole in self.labels:
            return ColumnRole("field", self.labels[whole])
        parts = header.split("/")
        for k in range(1, len(parts)):
            tail = _norm("/".join(parts[k:]))
            if tail in self.labels:
                return ColumnRole("field", self.labels[tail])
        # "<question label>/<option label>" (optionally below group labels)
        if len(parts) >= 2:
            opt_label = _norm(parts[-1])
            for k in range(len(parts) - 1):
                q_label = _norm("/".join(parts[k:-1]))
                q = self.labels.get(q_label)
                if q in self.select_multiple:
                    opt = self.option_labels[q].get(opt_label)
                    if opt is None and parts[-1].strip() in self.select_multiple[q]:
                        opt = parts[-1].strip()
                    if opt is not None:
                        return ColumnRole("option", q, opt)
        return ColumnRole("unknown")

    def score(self, header: list[str]) -> int:
        """Number of cells of a candidate header row that the instrument recognises."""
        return sum(self.role(h).kind != "unknown" for h in header if h)

    def map(self, headers: list[str]) -> pd.DataFrame:
        """Classify every header.

        Returns
        -------
        pandas.DataFrame
            Columns ``header``, ``kind``, ``question``, ``option``, one row per header.
        """
        roles = [self.role(h) for h in headers]
        return pd.DataFrame(
            {
                "header": headers,
                "kind": [r.kind for r in roles],
                "question": [r.question for r in roles],
                "option": [r.option for r in roles],
            }
        )


def check_roles(roles: pd.DataFrame, path: Path, header_row: int) -> None:
    """Refuse an export in which two columns hold the same question or option.

    Parameters
    ----------
    roles : pandas.DataFrame
        :meth:`HeaderMap.map` of the export's headers.
    path : Path
        The export, for the error message.
    header_row : int
        Spreadsheet row of the header, for the error message.

    Raises
    ------
    ExportReadError
        If a question or a select_multiple option has more than one column.
    """
    fields = roles[roles["kind"] == "field"]
    dup = fields[fields["question"].duplicated(keep=False)]
    if not dup.empty:
        q = dup["question"].iloc[0]
        headers = dup.loc[dup["question"] == q, "header"].tolist()
        raise ExportReadError(
            f"columns {headers} all hold question '{q}'.",
            file=path,
            row=header_row,
            column=headers[1],
            hint="delete the extra column(s); export once, with one header style.",
        )
    opts = roles[roles["kind"] == "option"]
    dup = opts[opts[["question", "option"]].duplicated(keep=False)]
    if not dup.empty:
        raise ExportReadError(
            f"option '{dup['option'].iloc[0]}' of '{dup['question'].iloc[0]}' has two "
            f"columns: {dup['header'].tolist()}.",
            file=path,
            row=header_row,
            column=dup["header"].iloc[1],
            hint="delete the extra column.",
        )


def header_style(roles: pd.DataFrame) -> str:
    """Name the header style of an export from its column roles.

    Returns
    -------
    str
        ``"xml names"``, ``"xml names with group paths"``, ``"odk briefcase paths"``,
        ``"labels"`` or ``"unknown"`` (no question column recognised).
    """
    mapped = roles[roles["kind"] == "field"]
    if mapped.empty:
        return "unknown"
    h, q = mapped["header"], mapped["question"]
    shares = {
        "xml names": (h == q).mean(),
        "xml names with group paths": pd.Series([a.endswith("/" + b) for a, b in zip(h, q)]).mean(),
        "odk briefcase paths": pd.Series([a.endswith("-" + b) for a, b in zip(h, q)]).mean(),
    }
    best = max(shares, key=lambda k: shares[k])
    if shares["xml names with group paths"] > 0.2 and best == "xml names":
        best = "xml names with group paths"  # questions outside groups have no path
    return best if shares[best] > 0.5 or (best != "xml names" and shares[best] > 0.2) else "labels"
