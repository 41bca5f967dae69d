"""Read every questionnaire export of a corpus with :func:`toolkit.ingest.read_export`.

For every export under ``CORPUS_DIR`` (recursively: CSV, XLSX/XLS and ``.zip``) the
script finds the XLSForm it was collected with (a workbook with a ``survey`` sheet in
the same folder, the one whose name the export's name starts with; else one in a
folder of the same name under ``--forms``, by default the hand-written equivalents of
the ODK Briefcase forms in ``tests/data/real/exports``), reads the export as records
(one per submission, no membership frame) and prints one line per export: source,
tool (Kobo / Ona / Central / Briefcase), format (CSV / XLSX / XLS / zip), rows in,
accepted, quarantined, instances per repeat group (accepted/in) and the issues by
rule.  Only counts are printed, never a cell of the data.

Repeat tables read with their main export (Briefcase ``<form>-<repeat>.csv``,
KoboToolbox ``<repeat>.csv``) are not listed again.  When ``CORPUS_DIR`` (or a parent)
holds a ``MANIFEST.tsv`` with ``local_path``, ``repository`` and ``kind`` columns,
only files of kind ``export`` are read and their repository is shown.

Usage::

    .venv/bin/python scripts/check_real_exports.py CORPUS_DIR [--forms DIR] [--tsv OUT]

Exit status: 1 if reading any export failed with anything other than a toolkit error
(a crash), else 0.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import warnings
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
    tables: list[str] = field(default_factory=list)


def _manifest(corpus: Path) -> dict[Path, dict[str, str]]:
    for folder in (corpus, *corpus.parents):
        path = folder / "MANIFEST.tsv"
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                return {
                    (folder / r["local_path"]).resolve(): r
                    for r in csv.DictReader(fh, delimiter="\t")
                    if r.get("local_path")
                }
    return {}


def _repeat_table(path: Path) -> bool:
    """Whether a CSV file is the table of a repeat group (it names its parent rows)."""
    if path.suffix.lower() != ".csv":
        return False
    with path.open("rb") as fh:
        head = fh.read(65536).decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(head, newline="")))[:3]
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


def _form_for(
    export: Path, corpus: Path, forms_dirs: list[Path], forms: dict[Path, bool]
) -> Path | None:
    def candidates(folder: Path) -> list[Path]:
        out = []
        for p in sorted(folder.glob("*")):
            if p.suffix.lower() in WORKBOOKS:
                if p not in forms:
                    forms[p] = _is_form(p)
                if forms[p]:
                    out.append(p)
        return out

    found = candidates(export.parent)
    for base in forms_dirs:
        if not found:
            rel = export.parent.relative_to(corpus) if export.is_relative_to(corpus) else Path()
            for folder in (base / rel, *sorted(base.rglob(export.parent.name))):
                if folder.is_dir():
                    found = candidates(folder)
                    if found:
                        break
    if not found:
        return None

    def shared(form: Path) -> int:
        a, b = form.stem.lower(), export.stem.lower()
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n + (1000 if b.startswith(a) else 0)

    return max(found, key=shared)


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
    manifest = _manifest(corpus)
    forms: dict[Path, bool] = {}
    # Main files first, so that the repeat tables they read are not listed again.
    files = sorted(
        (p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in EXPORTS),
        key=lambda p: (_repeat_table(p), str(p.parent), len(p.name), p.name),
    )
    consumed: set[str] = set()
    instruments: dict[Path, Instrument | str] = {}
    lines: list[Line] = []
    for path in files:
        meta = manifest.get(path.resolve(), {})
        if manifest and meta.get("kind") != "export":
            continue
        if str(path) in consumed or (not manifest and _is_form(path)):
            continue
        line = Line(str(path.relative_to(corpus)), meta.get("repository", ""))
        lines.append(line)
        form_path = _form_for(path, corpus, forms_dirs, forms)
        if form_path is None:
            line.status = "no XLSForm found"
            continue
        if form_path not in instruments:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    instruments[form_path] = read_xlsform(form_path)
            except ToolkitError as exc:
                instruments[form_path] = f"form not read ({form_path.name}): {exc.problem}"
        form = instruments[form_path]
        if isinstance(form, str):
            line.status = form
            continue
        try:
            _read(path, form, line)
        except ToolkitError as exc:
            line.status = f"refused: {exc.problem}"[:160]
        except Exception as exc:
            line.status = f"CRASH {type(exc).__name__}: {exc}"[:160]
        consumed.update(t.split("!")[0] for t in line.tables)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--forms", type=Path, action="append", default=None)
    parser.add_argument("--tsv", type=Path, default=None)
    args = parser.parse_args(argv)
    lines = check_corpus(args.corpus, args.forms or [DEFAULT_FORMS])
    cols = [
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
    ]
    rows = [[str(getattr(line, c)) for c in cols] for line in lines]
    if args.tsv:
        with args.tsv.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, delimiter="\t").writerows([cols, *rows])
    for row in [cols, *rows]:
        print(" | ".join(row))
    crashed = [line for line in lines if line.status.startswith(("CRASH", "DOES NOT"))]
    read = [line for line in lines if line.status == "ok"]
    print(
        f"\n{len(lines)} exports: {len(read)} read, {len(crashed)} crashed, {len(lines) - len(read) - len(crashed)} not read (form missing or unreadable, or refused with a message)"
    )
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
