"""Cases of ``benchmarks/fuzz_exports.py``: seed files, their seeded mutations, one read.

The seeds are valid files made from the bundled instrument and the synthetic demo
export (written by ``toolkit.synth``); case ``i`` of run ``s`` draws a seed and one to
three mutations (``benchmarks/_fuzz_mutators.py``) from its own random stream, so it
is the same input on every run.  :func:`run_case` reads one case and classifies the
outcome: ``result``, ``toolkit_error`` (naming the file), ``crash`` or ``hang``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import resource
import signal
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from _fuzz_mutators import (
    ARCHIVE,
    TEXT,
    WORKBOOK,
    CaseRandom,
    csv_bytes,
    m_encoding,
    m_form,
    m_xlsx_table,
    saved,
    xlsx_bytes,
    zipped,
)

if TYPE_CHECKING:
    import pandas as pd

    from toolkit.instrument import Instrument

ROOT = Path(__file__).resolve().parents[1]
DEMO_CSV = ROOT / "data" / "raw" / "demo" / "exports" / "kobo_export_2026-05-04.csv"
OWN = ROOT / "tests" / "data" / "real" / "exports" / "own"
OUTCOMES = ("result", "toolkit_error", "crash", "hang")
Table = list[list[str]]


class CaseTimeout(BaseException):
    """A case overran its time limit (a BaseException: no ``except Exception`` hides it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`CaseTimeout` in the main thread after ``seconds`` (Unix only).

    The alarm repeats every second until the block exits, in case the code under test
    swallows the first one.
    """

    def _expire(signum: int, frame: object) -> None:
        raise CaseTimeout(f"over {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def memory_limit(extra: int) -> Iterator[None]:
    """Cap this process's address space at its current size plus ``extra`` bytes."""
    with open("/proc/self/statm") as fh:
        current = int(fh.read().split()[0]) * resource.getpagesize()
    old = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (current + extra, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


# -- seeds ----------------------------------------------------------------------------------
@dataclass
class Seed:
    name: str
    data: bytes
    suffix: str
    form: str  # the instrument it is read with ("compact", "full", "household"); "" = a form
    weight: float


@dataclass
class Corpus:
    seeds: list[Seed]
    instruments: dict[str, Instrument]
    frame: pd.DataFrame
    quick: bool


# Questions the compact form leaves out: each has a sibling of the same type, group and
# kind of rule that stays (resp_name, rfl_stage, people_reached, prog_stages ...); one
# that another question names (``${q}``) stays too.
_SIBLINGS = {
    *("resp_position", "resp_phone", "rfl_groups", "rfl_service", "rfl_reached"),
    *("staff_migration", "volunteers_migration", "prog_start_year", "prog_groups"),
    *("prog_country", "prog_places", "prog_partner_ns", "prog_funding"),
    *("prog_reached_basis", "prog_contact_role"),
}
_REPEAT_INSTANCES = 2  # wide repeat columns kept in the narrow seeds: grp[1]/q, grp[2]/q
_INDEX = re.compile(r"\[(\d+)\]")


def _compact_form(form: Path) -> bytes:
    """The bundled XLSForm cut to one of each kind of question, for cheap cases.

    Without the activity blocks other than RFL's, the cooperation group and the
    questions of :data:`_SIBLINGS`: every type, group and repeat depth, relevance,
    constraint and calculation of the form stays, in a form a fifth its size.
    """
    from openpyxl import load_workbook

    book = load_workbook(form)
    survey = book["survey"]
    head = [str(c.value).strip().lower() for c in survey[1]]
    t, n = head.index("type"), head.index("name")
    doomed, siblings, depth = [], {}, 0
    for row in survey.iter_rows(min_row=2):
        kind, name = str(row[t].value or "").strip(), str(row[n].value or "").strip()
        if depth or (
            kind == "begin_group"
            and ((name.startswith("act_") and name != "act_rfl") or name == "cooperation")
        ):
            depth += (kind == "begin_group") - (kind == "end_group")
            doomed.append(row[0].row)
        elif name in _SIBLINGS:
            siblings[name] = row[0].row
    kept = " ".join(
        str(c.value)
        for row in survey.iter_rows(min_row=2)
        if row[0].row not in doomed and row[0].row not in siblings.values()
        for c in row
        if c.value is not None
    )
    doomed += [r for name, r in siblings.items() if "${" + name + "}" not in kept]
    for r in sorted(doomed, reverse=True):
        survey.delete_rows(r)
    return saved(book)


def _central_style(records: Table) -> Table:
    """A KoboToolbox table as ODK Central writes its main CSV: ``-`` between groups,
    ``KEY`` / ``meta-instanceID`` / ``SubmissionDate``, no repeat columns."""
    head = records[0]
    cols: list[tuple[str, int]] = []
    for i, h in enumerate(head):
        if h == "_uuid":
            cols += [("meta-instanceID", i), ("KEY", i)]
        elif h == "_submission_time":
            cols.append(("SubmissionDate", i))
        elif not h.startswith("_") and "[" not in h:
            parts = h.split("/")  # "programmes/activities/rfl": an option keeps its "/"
            option = len(parts) > 2 and not any(ch in parts[-1] for ch in "-.")
            path = "-".join(parts[:-1]) + "/" + parts[-1] if option else "-".join(parts)
            cols.append((path, i))
    body = [[("uuid:" + r[i] if name in ("KEY", "meta-instanceID") else r[i]) for name, i in cols]
            + ["7", "approved" if k % 3 else ""] for k, r in enumerate(records[1:])]  # fmt: skip
    return [[name for name, _ in cols] + ["SubmitterID", "ReviewState"], *body]


def _kobo_sheets(records: Table, main: str = "NS migration mapping") -> dict[str, Table]:
    """A KoboToolbox table as its XLSX export lays it out: the submissions (``_index``)
    on the main sheet, each repeat group's instances on a sheet of their own."""
    head = records[0]
    flat = [i for i, h in enumerate(head) if "[" not in h]
    uuid = head.index("_uuid")
    sheets = {main: [[head[i] for i in flat] + ["_index"]]}
    sheets[main] += [[r[i] for i in flat] + [str(k)] for k, r in enumerate(records[1:], 1)]
    groups: dict[str, dict[str, dict[str, int]]] = {}  # repeat -> instance -> column -> i
    for i, h in enumerate(head):
        m = _INDEX.search(h)
        if m and not _INDEX.search(h, m.end()):  # top-level repeats only
            name = h[: m.start()].rsplit("/", 1)[-1]
            column = h[: m.start()] + h[m.end() :]
            groups.setdefault(name, {}).setdefault(m.group(1), {})[column] = i
    for name, instances in groups.items():
        columns = list(dict.fromkeys(c for cols in instances.values() for c in cols))
        meta = ["_index", "_parent_table_name", "_parent_index", "_submission__uuid"]
        rows = [columns + meta]
        for k, r in enumerate(records[1:], 1):
            for cols in instances.values():
                values = [r[cols[c]] if c in cols else "" for c in columns]
                if any(v.strip() and v != "n/a" for v in values):
                    rows.append([*values, str(len(rows)), main, str(k), r[uuid]])
        sheets[name] = rows
    return sheets


def build_corpus(quick: bool = False) -> Corpus:
    """Seeds from the demo export (synthetic), the bundled instrument and the test
    fixtures of real export shapes (``tests/data/real/exports/own``: a small household
    form with nested repeats as wide CSV columns, KoboToolbox sheets and a Central zip)."""
    from toolkit.frame import load_frame
    from toolkit.instrument import bundled_instrument_path, read_xlsform

    form = bundled_instrument_path()
    compact = _compact_form(form)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "compact.xlsx").write_bytes(compact)
        instruments = {
            "compact": read_xlsform(Path(tmp) / "compact.xlsx"),
            "full": read_xlsform(form),
            "household": read_xlsform(OWN / "household.xlsx"),
        }
    records = list(
        csv.reader(io.StringIO(DEMO_CSV.read_text(encoding="utf-8-sig"), newline=""), delimiter=";")
    )
    questions = instruments["compact"].questions
    names = set(questions["name"])
    multiple = set(questions.loc[questions["type"] == "select_multiple", "name"])

    def known(h: str) -> bool:  # a column of the compact form (an option, an instance)
        if any(int(k) > _REPEAT_INSTANCES for k in _INDEX.findall(h)):
            return False
        parts = _INDEX.sub("", h).split("/")
        if parts[-1] in names:
            return set(parts[:-1]) <= names
        return len(parts) > 1 and parts[-2] in multiple and set(parts[:-2]) <= names

    keep = [i for i, h in enumerate(records[0]) if h.startswith("_") or known(h)]
    narrow = [[r[i] for i in keep] for r in records[:7]]
    seeds = [
        Seed("kobo.csv", csv_bytes(narrow), ".csv", "compact", 25),
        Seed("odk.csv", csv_bytes(_central_style(narrow), ",", "\r\n", "utf-8-sig"), ".csv",
             "compact", 15),
        Seed("kobo.xlsx", xlsx_bytes(_kobo_sheets(narrow)), ".xlsx", "compact", 18),
        Seed("central.zip", zipped(csv_bytes(_central_style(narrow), ",", "\r\n")), ".zip",
             "compact", 4),
        Seed("hh_kobo.csv", (OWN / "kobo_legacy.csv").read_bytes(), ".csv", "household", 8),
        Seed("hh_kobo.xlsx", (OWN / "kobo_repeats.xlsx").read_bytes(), ".xlsx", "household", 6),
        Seed("hh_central.zip", (OWN / "household.csv.zip").read_bytes(), ".zip", "household", 5),
        Seed("full.csv", csv_bytes(records[:5]), ".csv", "full", 0 if quick else 2),
        Seed("form.xlsx", compact if quick else form.read_bytes(), ".xlsx", "", 12),
        Seed("hh_form.xlsx", (OWN / "household.xlsx").read_bytes(), ".xlsx", "", 3),
    ]  # fmt: skip
    return Corpus(seeds, instruments, load_frame(), quick)


# -- cases ------------------------------------------------------------------------------------
@dataclass
class Case:
    index: int
    seed: Seed
    mutations: list[str]
    data: bytes
    suffix: str
    study: bool = False  # read as a mapping study (unit and Society ns_iso3) or as records

    @property
    def what(self) -> str:
        """The seed file, how it is read and its mutations."""
        how = " as a study" if self.study else ""
        return f"{self.seed.name}{how} + {', '.join(self.mutations) or 'nothing'}"


def make_case(corpus: Corpus, seed: int, index: int) -> Case:
    """Case ``index`` of run ``seed``: a seed file and its seeded mutations."""
    rng = CaseRandom(f"{seed}:{index}")
    rng.max_cell = 600_000 if corpus.quick else CaseRandom.max_cell
    base = rng.choices(corpus.seeds, weights=[s.weight for s in corpus.seeds])[0]
    pool = {".csv": TEXT, ".xlsx": WORKBOOK, ".zip": ARCHIVE}[base.suffix].copy()
    if base.suffix == ".xlsx":  # weighted twice: more inputs that still open
        extra = m_xlsx_table if base.form else m_form
        pool.update({"table": extra, "table2": extra})
    names = rng.sample(sorted(pool), k=rng.choice([1, 1, 2, 3]))
    data = base.data
    for name in names:
        data = pool[name](data, rng)
    if base.suffix == ".csv" and rng.random() < 0.25:
        data, names = m_encoding(data, rng), [*names, "encoding"]
    suffix = base.suffix
    if rng.random() < 0.05:
        suffix = rng.choice([".csv", ".xlsx", ".txt", ".tsv", ".xls", "", ".CSV"])
        names.append(f"suffix '{suffix}'")
    study = base.form in ("compact", "full") and rng.random() < 0.5
    return Case(index, base, names, data, suffix, study)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and all(link is not c for c in chain):  # chains may loop
        chain.append(link)
        link = link.__cause__ or link.__context__
    return any(isinstance(c, kind) for c in chain)


def run_case(corpus: Corpus, case: Case, directory: Path, timeout: float = 60.0) -> tuple[str, str]:
    """Read one case; return its outcome (one of :data:`OUTCOMES`) and a detail."""
    from toolkit.errors import ToolkitError
    from toolkit.ingest import IngestResult, read_export
    from toolkit.instrument import read_xlsform

    path = directory / f"case{case.index}{case.suffix}"
    path.write_bytes(case.data)
    try:
        with warnings.catch_warnings(), time_limit(timeout):
            warnings.simplefilter("ignore")
            if not case.seed.form:
                out: object = read_xlsform(path)
            else:
                inst = corpus.instruments[case.seed.form]
                key = "ns_iso3" if case.study else None
                out = read_export(
                    path,
                    inst,
                    unit=key,
                    society=key,
                    frame=corpus.frame,
                    key="fuzz",
                    today="2026-07-01",
                )
    except CaseTimeout as exc:
        return "hang", str(exc)
    except ToolkitError as exc:
        if str(path) not in str(exc):
            return "crash", f"a toolkit error that does not name the file: {exc}"
        if _caused_by(exc, MemoryError):  # a small input must not need gigabytes
            return "crash", "over the memory cap:\n" + traceback.format_exc()
        return "toolkit_error", str(exc).split(": ", 1)[-1][:120]
    except Exception:
        return "crash", traceback.format_exc()
    finally:
        path.unlink(missing_ok=True)
    if isinstance(out, IngestResult) and not out.reconciles():
        return (
            "crash",
            f"rows in {out.rows_in} != {len(out.data)} accepted + {len(out.quarantine)} quarantined",
        )
    return "result", type(out).__name__
