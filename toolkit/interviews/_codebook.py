"""Interview codebooks: CSV / XLSX tables and REFI-QDA ``.qdc`` files.

Private helper module of :mod:`toolkit.interviews`.

REFI-QDA codebook (https://www.qdasoftware.org/, schema
``urn:QDA-XML:codebook:1.0``)::

    <CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="...">
      <Codes>
        <Code guid="..." name="Needs" isCodable="false" color="#FF0000">
          <Description>...</Description>
          <Code guid="..." name="funding" isCodable="true"/>   <!-- nested = child -->
        </Code>
      </Codes>
      <Sets><Set guid="..." name="..."><MemberCode guid="..."/></Set></Sets>
    </CodeBook>

Nesting gives the hierarchy: the top-level ancestor of a code is its *theme*.  A code
with ``isCodable="false"`` is a category only; segments may not use it.  ``Sets`` are
kept as a ``sets`` column (``;``-separated set names) for information.  A project file
(``.qde``) is accepted too: its ``<CodeBook>`` element is used.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from toolkit.errors import InterviewDataError
from toolkit.interviews._io import Issues, read_table, spreadsheet_row

__all__: list[str] = []

CODEBOOK_COLUMNS = ["code", "label", "description", "parent", "theme", "codable", "guid", "sets"]

_ALIASES = {
    "code": ("code", "tag", "name", "code_name", "codename"),
    "label": ("label", "title"),
    "description": ("description", "definition", "memo"),
    "parent": ("parent", "parent_code", "category"),
    "theme": ("theme",),
    "codable": ("codable", "iscodable"),
}


@dataclass(frozen=True)
class Codebook:
    """A validated codebook.

    Attributes
    ----------
    codes : DataFrame
        One row per code: ``code`` (the name segments use), ``label``,
        ``description``, ``parent`` (NA for top-level codes), ``theme`` (top-level
        ancestor, or the ``theme`` column of a CSV codebook), ``codable`` (bool),
        ``guid`` (REFI-QDA only) and ``sets``.
    source : str or None
        File it was read from.
    """

    codes: pd.DataFrame
    source: str | None = None

    @property
    def themes(self) -> list[str]:
        """Themes in codebook order."""
        return list(dict.fromkeys(self.codes["theme"].tolist()))

    @property
    def codable(self) -> list[str]:
        """Codes segments may use."""
        return self.codes.loc[self.codes["codable"], "code"].tolist()

    def theme_of(self) -> dict[str, str]:
        """Mapping code -> theme."""
        return dict(zip(self.codes["code"], self.codes["theme"], strict=True))

    def __contains__(self, code: object) -> bool:
        return code in set(self.codes["code"])

    def __len__(self) -> int:
        return len(self.codes)


def read_codebook(source: str | Path | pd.DataFrame, *, sheet: str | int | None = None) -> Codebook:
    """Read and validate a codebook.

    Parameters
    ----------
    source : path or DataFrame
        A REFI-QDA codebook (``.qdc``, or a ``.qde`` project), or a table (CSV / XLSX /
        DataFrame) with a ``code`` column (Taguette's ``tag`` is accepted) and
        optionally ``label``, ``description``, ``parent`` and ``theme``.  Taguette's
        codebook export (``tag, parent, description, number of highlights``) reads as
        is.
    sheet : str or int, optional
        Worksheet of an XLSX codebook.

    Returns
    -------
    Codebook

    Raises
    ------
    InterviewDataError
        If the file cannot be read, or listing every empty or duplicated code name,
        unknown parent and parent cycle at once (the ``issues`` attribute of the
        exception holds them as a table).
    """
    if not isinstance(source, pd.DataFrame) and Path(source).suffix.lower() in {".qdc", ".qde"}:
        return _read_qdc(Path(source))
    raw, file, _ = read_table(source, what="codebook", sheet=sheet)
    lower = {c.lower().replace(" ", "_"): c for c in raw.columns}
    pick: dict[str, str] = {}
    for key, names in _ALIASES.items():
        for nm in names:
            if nm in lower:
                pick[key] = lower[nm]
                break
    if "code" not in pick:
        raise InterviewDataError(
            "the codebook has no 'code' column (found: " + ", ".join(raw.columns) + ").",
            file=file,
            hint="name the column of code names 'code'.",
        )
    rows: list[dict[str, object]] = []
    for pos in range(len(raw)):
        r = raw.iloc[pos]
        rec: dict[str, object] = {k: str(r[c]).strip() for k, c in pick.items()}
        # row number from the row's label (a DataFrame source keeps its own index)
        rec["_row"] = spreadsheet_row(int(raw.index[pos]))
        rows.append(rec)
    df = pd.DataFrame(rows)
    codable = df["codable"].str.lower() if "codable" in df else pd.Series("", index=df.index)
    df["codable"] = ~codable.isin(["false", "no", "0", "n"])
    return _finish(df, file)


def _read_qdc(path: Path) -> Codebook:
    file = str(path)
    if not path.exists():
        raise InterviewDataError(
            "the codebook file does not exist.", file=file, hint="check the path and the file name."
        )
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InterviewDataError(
            f"the REFI-QDA codebook is not well-formed XML ({exc}).",
            file=file,
            row=line,
            hint="export the codebook again from the QDA program (.qdc).",
        ) from exc
    book = (
        root
        if _local(root.tag) == "CodeBook"
        else next((e for e in root.iter() if _local(e.tag) == "CodeBook"), None)
    )
    if book is None:
        raise InterviewDataError(
            f"the file has no <CodeBook> element (root element is <{_local(root.tag)}>).",
            file=file,
            hint="give a REFI-QDA codebook (.qdc) exported by a QDA program.",
        )
    codes_el = next((e for e in book if _local(e.tag) == "Codes"), None)
    rows: list[dict[str, object]] = []
    counter = [0]

    def walk(el: ET.Element, parent: str | None) -> None:
        for child in el:
            if _local(child.tag) != "Code":
                continue
            counter[0] += 1
            desc = next((d for d in child if _local(d.tag) == "Description"), None)
            name = (child.get("name") or "").strip()
            rows.append(
                {
                    "code": name,
                    "label": name,
                    "description": (desc.text or "").strip() if desc is not None else "",
                    "parent": parent or "",
                    "theme": "",
                    "codable": (child.get("isCodable", "true").strip().lower() != "false"),
                    "guid": child.get("guid", ""),
                    "_row": counter[0],
                }
            )
            walk(child, name)

    if codes_el is not None:
        walk(codes_el, None)
    guid_sets: dict[str, list[str]] = {}
    for s in book.iter():
        if _local(s.tag) == "Set":
            for m in s:
                if _local(m.tag) == "MemberCode" and m.get("guid"):
                    guid_sets.setdefault(m.get("guid", ""), []).append(s.get("name", ""))
    df = pd.DataFrame(
        rows, columns=["code", "label", "description", "parent", "theme", "codable", "guid", "_row"]
    )
    df["sets"] = [";".join(guid_sets.get(g, [])) for g in df["guid"]]
    if df.empty:
        raise InterviewDataError(
            "the REFI-QDA codebook has no <Code> elements.",
            file=file,
            hint="export a codebook that contains codes.",
        )
    return _finish(df, file, row_word="code element")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _finish(df: pd.DataFrame, file: str | None, row_word: str = "row") -> Codebook:
    for c in ("label", "description", "parent", "theme", "guid", "sets"):
        if c not in df:
            df[c] = ""
    df["label"] = df["label"].where(df["label"] != "", df["code"])
    issues = Issues(file)
    norm = df["code"].str.casefold()
    row_no = df["_row"].astype(int)
    for i in df.index[df["code"] == ""]:
        issues.add(int(row_no[i]), "code", "", "empty code name", "rejected")
    dup = (df["code"] != "") & norm.duplicated(keep=False)
    for i in df.index[dup]:
        issues.add(
            int(row_no[i]),
            "code",
            df.at[i, "code"],
            "duplicated code name (names must be unique, ignoring case)",
            "rejected",
        )
    known = set(df["code"])
    for i in df.index[(df["parent"] != "") & ~df["parent"].isin(known)]:
        issues.add(
            int(row_no[i]),
            "parent",
            df.at[i, "parent"],
            "parent code is not in the codebook",
            "rejected",
        )
    parent = dict(zip(df["code"], df["parent"], strict=False))
    themes = []
    for i in df.index:
        code = df.at[i, "code"]
        seen = {code}
        cur = code
        while parent.get(cur, "") not in ("", None) and parent[cur] in parent:
            cur = parent[cur]
            if cur in seen:
                issues.add(
                    int(row_no[i]),
                    "parent",
                    df.at[i, "parent"],
                    "parent chain forms a cycle",
                    "rejected",
                )
                break
            seen.add(cur)
        themes.append(cur)
    df["theme"] = df["theme"].where(df["theme"] != "", pd.Series(themes, index=df.index))
    table = issues.frame()
    if len(table):
        listed = "; ".join(
            f"{row_word} {r.row}: {r.problem} ({r.value!r})" for r in table.head(15).itertuples()
        )
        more = f" (and {len(table) - 15} more)" if len(table) > 15 else ""
        err = InterviewDataError(
            f"{len(table)} problem(s) in the codebook: {listed}{more}.",
            file=file,
            row=int(table["row"].iloc[0]),
            column=str(table["column"].iloc[0]),
            value=table["value"].iloc[0],
            hint="give every code a unique, non-empty name and parents that exist.",
        )
        err.issues = table  # type: ignore[attr-defined]
        raise err
    df["parent"] = df["parent"].replace("", pd.NA)
    out = df[CODEBOOK_COLUMNS].reset_index(drop=True)
    for c in ("code", "label", "description", "parent", "theme", "guid", "sets"):
        out[c] = out[c].astype("string")
    out["codable"] = out["codable"].astype(bool)
    return Codebook(codes=out, source=file)
