"""Read every questionnaire export of a corpus with :func:`toolkit.ingest.read_export`.

For every export under ``CORPUS_DIR`` (recursively: CSV, XLSX/XLS and ``.zip``) the
script finds the XLSForm it was collected with, reads the export as records (one per
submission: ``unit=None``, ``society=None``, no membership frame) and prints one line
per export: source, tool (Kobo / Ona / Central / Briefcase), format (CSV / XLSX / XLS /
zip), rows in, accepted, quarantined, instances per repeat group (accepted/in), the
issues by rule, the status and the form used.  Only counts are printed, never a cell
of the data.  A raw exception (anything but a toolkit error) is a crash: its line
says the exception and the innermost frame inside ``toolkit/``.

The form is, in this order: the one the corpus ``MANIFEST.tsv`` names in its ``form``
column (``-``: none); else the workbook (among the forms of the same folder, of the
same repository in the manifest, and of the ``--forms`` folders) whose question names
cover the most of the export's answer columns (ties go to a form read_xlsform reads,
then to one in the export's folder, then to one whose file name the export's name
starts with).  It must name ``SURE_COVER`` of them, or ``MIN_COVER`` if it lies in
the export's folder or the export's name starts with the form's; a main file without
answer columns (Briefcase, all answers in repeats) takes the form whose name its name
starts with.  An export without a form is not read (status ``skipped: no XLSForm
found``): the toolkit reads an export against its form, and an instrument guessed
from the data would test nothing.

Repeat tables read with their main export (Briefcase ``<form>-<repeat>.csv``,
KoboToolbox ``<repeat>.csv``) are not listed again.  When ``CORPUS_DIR`` (or a parent)
holds a ``MANIFEST.tsv`` with ``local_path``, ``repository`` and ``kind`` columns,
only files of kind ``export`` are read and their repository is shown.

Usage::

    .venv/bin/python scripts/check_real_exports.py CORPUS_DIR [--forms DIR] [--tsv OUT]

Exit status: 1 if reading any export failed with anything other than a toolkit error
(a crash) or did not reconcile (rows in = accepted + quarantined), else 0.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import time
import traceback
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.ingest import read_export
from toolkit.instrument import Instrument, read_workbook, read_xlsform

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FORMS = ROOT / "tests" / "data" / "real" / "exports"
EXPORTS = {".csv", ".xlsx", ".xls", ".xlsm", ".zip"}
WORKBOOKS = {".xlsx", ".xls", ".xlsm"}
MIN_COVER = 0.3  # share of an export's answer columns a form beside it must name
SURE_COVER = 0.6  # the same for a form found elsewhere (same repository, --forms)
COLUMNS = [
    "source",
    "repository",
    "tool",
    "format",
    "rows_in",
    "accepted",
    "quarantined",
    "repeats",
    "issues",
    "status",
    "form",
    "seconds",
]


@dataclass
class Line:
    """What reading one export gave."""

    source: str
    repository: str = ""
    tool: str = ""
    format: str = ""
    rows_in: int | str = ""
    accepted: int | str = ""
    quarantined: int | str = ""
    repeats: str = ""
    issues: str = ""
    status: str = "ok"
    form: str = ""
    seconds: str = ""
    tables: list[str] = field(default_factory=list)


@dataclass
class _Form:
    path: Path
    names: set[str]
    instrument: Instrument | None
    error: str = ""
    parted: set[str] = field(default_factory=set)  # questions with option / part columns


def _manifest(corpus: Path) -> tuple[Path, dict[Path, dict[str, str]]]:
    for folder in (corpus, *corpus.parents):
        path = folder / "MANIFEST.tsv"
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                return folder, {
                    (folder / r["local_path"]).resolve(): r
                    for r in csv.DictReader(fh, delimiter="\t")
                    if r.get("local_path")
                }
    return corpus, {}


def _csv_rows(data: bytes, n: int = 3) -> list[list[str]]:
    text = data[:65536].decode("utf-8-sig", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return list(csv.reader(io.StringIO(text)))[:n]
    except csv.Error:
        return [text.split("\n", 1)[0].split(",")]


def _repeat_table(path: Path) -> bool:
    """Whether a CSV file is the table of a repeat group (it names its parent rows)."""
    if path.suffix.lower() != ".csv":
        return False
    with path.open("rb") as fh:
        rows = _csv_rows(fh.read(65536))
    if not rows:
        return False
    header = [c.strip() for c in rows[0]]
    if "PARENT_KEY" in header:
        return True
    if "_parent_table_name" in header:
        k = header.index("_parent_table_name")
        return any(len(r) > k and r[k].strip() for r in rows[1:])
    return False


def _is_form(path: Path) -> bool:
    if path.suffix.lower() not in WORKBOOKS:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return any(s.strip().lower() == "survey" for s in read_workbook(path))
    except Exception:  # not a workbook at all: the export reader will say so
        return False


_INDEX = re.compile(r"\[\d+\]")
_SEPARATORS = re.compile(r"[/\-.:]")
_META = {
    "submissiondate", "key", "parent_key", "instanceid", "meta/instanceid", "meta-instanceid",
    "meta.instanceid", "submitterid", "submittername", "attachmentspresent",
    "attachmentsexpected", "status", "reviewstate", "deviceid", "edits", "formversion",
    "isvalidated", "uuid",
}  # fmt: skip


def _fields(headers: list[str]) -> list[str]:
    """An export's headers that can be answers (metadata columns left out), lower case."""
    out = []
    for h in headers:
        h = _INDEX.sub("", str(h).strip().strip('"')).lower()
        if h and not h.startswith(("_", "x_", "set-of-")) and h not in _META:
            out.append(h)
    return out


def _runs(header: str, end: int = 1) -> set[str]:
    """Each run of a header's path parts that ends ``end`` parts before its end minus
    one (``end=1``: ``g/q`` gives ``g/q`` and ``q``; ``end=2``: ``g/q/opt`` gives ``q``)."""
    cuts = [-1, *(m.start() for m in _SEPARATORS.finditer(header)), len(header)]
    if len(cuts) <= end:
        return set()
    b = cuts[-end]
    return {header[cuts[a] + 1 : b] for a in range(len(cuts) - end)}


def _cover(headers: list[str], names: set[str], parted: set[str]) -> float:
    """Share of an export's answer columns that hold a form's question: by name (path
    suffix), or as a part of a select_multiple / geopoint question (``q/opt``)."""
    if not headers:
        return 0.0
    hit = sum(bool(_runs(h) & names or _runs(h, 2) & parted) for h in headers)
    return hit / len(headers)


def _export_headers(path: Path) -> list[str]:
    """The column names of an export's main table (empty if it cannot be opened)."""
    try:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            rows = _csv_rows(path.read_bytes(), 1)
            return rows[0] if rows else []
        if suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                csvs = sorted((n for n in zf.namelist() if n.endswith(".csv")), key=len)
                rows = _csv_rows(zf.read(csvs[0]), 1) if csvs else []
                return rows[0] if rows else []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheets = read_workbook(path)
        first = next((df for df in sheets.values() if not df.empty), None)
        return [] if first is None else [str(v) for v in first.iloc[0].tolist()]
    except Exception:  # the export reader will say what is wrong with it
        return []


def _load_form(path: Path) -> _Form:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inst = read_xlsform(path)
        q = inst.questions
        multi = q["type"].astype(str).str.contains("select_multiple|geo|rank|osm")
        parted = {str(n).lower() for n in q.loc[multi, "name"]}
        return _Form(path, {str(n).lower() for n in q["name"]}, inst, parted=parted)
    except ToolkitError as exc:
        error = f"form not read ({path.name}): {exc.problem}"
    except Exception as exc:  # a crash of the form reader, reported on the export
        error = f"CRASH reading form {path.name}: {type(exc).__name__}: {exc}"
    names: set[str] = set()
    try:  # still pair it, so that the export line says its form failed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheets = read_workbook(path)
        survey = next((df for s, df in sheets.items() if s.strip().lower() == "survey"), None)
        if survey is not None and not survey.empty:
            head = [str(v).strip().lower() for v in survey.iloc[0].tolist()]
            if "name" in head:
                col = survey.columns[head.index("name")]
                names = {str(v).lower() for v in survey[col].iloc[1:].dropna()}
    except Exception:  # unreadable workbook: it just cannot be paired
        pass
    return _Form(path, names, None, error, parted=names)


class _Forms:
    """Candidate forms of a corpus, read once each."""

    def __init__(self, corpus: Path, manifest: dict[Path, dict[str, str]], dirs: list[Path]):
        self.corpus, self.manifest, self.dirs = corpus, manifest, dirs
        self.cache: dict[Path, _Form] = {}
        self.is_form: dict[Path, bool] = {}
        self.listed: dict[tuple[Path, bool], list[Path]] = {}

    def get(self, path: Path) -> _Form:
        path = path.resolve()
        if path not in self.cache:
            self.cache[path] = _load_form(path)
        return self.cache[path]

    def _workbooks(self, folder: Path, recursive: bool = False) -> list[Path]:
        if (folder, recursive) not in self.listed:
            self.listed[folder, recursive] = self._list(folder, recursive)
        return list(self.listed[folder, recursive])

    def _list(self, folder: Path, recursive: bool) -> list[Path]:
        if not folder.is_dir():
            return []
        found = folder.rglob("*") if recursive else folder.glob("*")
        out = []
        for p in sorted(found):
            if p.suffix.lower() in WORKBOOKS:
                meta = self.manifest.get(p.resolve())
                if meta is not None:
                    ok = meta.get("kind") == "form"
                else:
                    if p not in self.is_form:
                        self.is_form[p] = _is_form(p)
                    ok = self.is_form[p]
                if ok:
                    out.append(p.resolve())
        return out

    def candidates(self, export: Path) -> list[Path]:
        found = self._workbooks(export.parent)
        repo = self.manifest.get(export.resolve(), {}).get("repository")
        if repo:
            found += [
                p
                for p, r in self.manifest.items()
                if r.get("repository") == repo and r.get("kind") == "form"
            ]
        for base in self.dirs:
            found += self._workbooks(base, recursive=True)
        return list(dict.fromkeys(found))

    def form_for(self, export: Path, root: Path) -> tuple[_Form | None, str]:
        """The export's form and how it was chosen."""
        named = self.manifest.get(export.resolve(), {}).get("form", "")
        if named == "-":
            return None, "the manifest says the repository has no workbook of its form"
        if named:
            path = Path(named) if Path(named).is_absolute() else root / named
            return self.get(path), "manifest"
        headers = _fields(_export_headers(export))
        best, best_key = None, (0.0, False, False, 0)
        for path in self.candidates(export):
            form = self.get(path)
            if not form.names or not headers:
                continue
            cover = _cover(headers, form.names, form.parted)
            a, b = path.stem.lower(), export.stem.lower()
            prefix = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            readable = form.instrument is not None
            beside = path.parent == export.resolve().parent
            key = (round(cover, 3), readable, beside, prefix + (1000 if b.startswith(a) else 0))
            if key > best_key:
                best, best_key = form, key
        near_by = best is not None and (
            best.path.parent == export.resolve().parent
            or export.stem.lower().startswith(best.path.stem.lower())
        )
        if best is None or best_key[0] < (MIN_COVER if near_by else SURE_COVER):
            # An export with few answer columns (a Briefcase main file whose answers are
            # all in repeats): the form beside it (or in --forms) whose name the export's
            # name starts with.
            near = self._workbooks(export.parent)
            near += [p for base in self.dirs for p in self._workbooks(base, recursive=True)]
            here = [p for p in near if export.stem.lower().startswith(p.stem.lower())]
            if here:
                return self.get(max(here, key=lambda p: len(p.stem))), "same name"
            return None, f"best cover {best_key[0]:.0%}"
        return best, f"cover {best_key[0]:.0%}"


def _where(exc: BaseException) -> str:
    """The innermost frame of a traceback inside the toolkit package."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/toolkit/" in f.filename]
    if not frames:
        return ""
    f = frames[-1]
    return f" at toolkit/{f.filename.split('/toolkit/', 1)[1]}:{f.lineno} in {f.name}"


def _read(export: Path, form: Instrument, line: Line) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = read_export(export, form)
    s = r.summary
    line.tool, line.format = str(s["tool"]), str(s["format"])
    line.rows_in, line.accepted, line.quarantined = r.rows_in, len(r.data), int(s["quarantined"])  # type: ignore[call-overload]
    line.tables = [str(t) for t in s["tables"]]  # type: ignore[attr-defined]
    rq = dict(s["repeat_quarantined"])  # type: ignore[call-overload]
    line.repeats = ", ".join(
        f"{name} {len(r.repeats[name])}/{n}" + (f" ({rq[name]} q)" if rq.get(name) else "")
        for name, n in r.repeat_rows_in.items()
    )
    counts = Counter(r.issues["rule"].astype(str))
    counts.pop("pseudonym_key", None)
    line.issues = ", ".join(f"{k} {v}" for k, v in counts.most_common())
    if not r.reconciles():
        line.status = "DOES NOT RECONCILE"


def check_corpus(corpus: Path, forms_dirs: list[Path]) -> list[Line]:
    """Read every export of a corpus; one :class:`Line` per export."""
    corpus = corpus.resolve()
    root, manifest = _manifest(corpus)
    forms = _Forms(corpus, manifest, [d.resolve() for d in forms_dirs])
    # Main files first, so that the repeat tables they read are not listed again.
    files = sorted(
        (p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in EXPORTS),
        key=lambda p: (_repeat_table(p), str(p.parent), len(p.name), p.name),
    )
    consumed: set[str] = set()
    lines: list[Line] = []
    for path in files:
        meta = manifest.get(path.resolve(), {})
        if manifest and meta.get("kind") != "export":
            continue
        if str(path) in consumed or (not manifest and _is_form(path)):
            continue
        line = Line(str(path.relative_to(corpus)), meta.get("repository", ""))
        lines.append(line)
        form, how = forms.form_for(path, root)
        if form is None:
            line.status = f"skipped: no XLSForm found ({how})"[:200]
            continue
        try:
            line.form = f"{form.path.relative_to(root)} ({how})"
        except ValueError:
            line.form = f"{form.path.relative_to(ROOT)} ({how})"
        if form.instrument is None:
            line.status = form.error[:200]
            continue
        start = time.perf_counter()
        try:
            _read(path, form.instrument, line)
        except ToolkitError as exc:
            line.status = f"refused: {exc.problem}"[:200]
        except Exception as exc:
            line.status = f"CRASH {type(exc).__name__}: {exc}"[:200] + _where(exc)
        line.seconds = f"{time.perf_counter() - start:.2f}"
        consumed.update(t.split("!")[0] for t in line.tables)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--forms", type=Path, action="append", default=None)
    parser.add_argument("--tsv", type=Path, default=None)
    args = parser.parse_args(argv)
    lines = check_corpus(args.corpus, args.forms or [DEFAULT_FORMS])
    rows = [[str(getattr(line, c)) for c in COLUMNS] for line in lines]
    if args.tsv:
        with args.tsv.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, delimiter="\t").writerows([COLUMNS, *rows])
    for row in [COLUMNS, *rows]:
        print(" | ".join(row))
    crashed = [line for line in lines if line.status.startswith(("CRASH", "DOES NOT"))]
    read = [line for line in lines if line.status == "ok"]
    skipped = [line for line in lines if line.status.startswith("skipped")]
    refused = len(lines) - len(read) - len(crashed) - len(skipped)
    print(
        f"\n{len(lines)} exports: {len(read)} read, {len(crashed)} crashed, {refused} not read "
        f"(form unreadable, or refused with a message), {len(skipped)} skipped (no form)"
    )
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
