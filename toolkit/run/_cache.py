"""Incremental runs: reuse what an earlier run of the same reports folder computed.

Each (notebook, zone) execution gets a key in two parts, as ccache does:

* the *base*: SHA-256 of the notebook file's content, its resolved parameters (sorted
  JSON, without ``output_dir``), the internal mark, a fingerprint of the toolkit (its
  version, the content of every file of the package, the versions of the packages in
  the manifest) and a digest of the pseudonymisation key;
* the *inputs*: every file the execution read, as recorded by its trace
  (:mod:`toolkit.run._trace`: the analytical-database tables, ``study.yaml``, the
  interview and earlier-round files ...), each with its SHA-256.

An entry of the index (``<reports>/.nsmap-cache/index.json``) matches a task when its
base is the task's and every recorded input still has its recorded hash.  It is
reused only when every output it lists (executed notebook, HTML, log, figures,
tables, relative to the run folder it names) is still there with its recorded hash;
otherwise the task runs again.  A missing, unreadable or malformed index is treated
as empty.  Ingestion is skipped in the same way when every file it reads (the study
folder, the study's input files, the earlier rounds' databases) and the fingerprint
are unchanged and the analytical database still has the files it was written with.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from toolkit.ingest import file_sha256
from toolkit.run._briefs import brief_options
from toolkit.run._execute import TaskResult
from toolkit.run._outputs import _versions, _write_json
from toolkit.run._study import Study
from toolkit.run._trace import OUT_ENV, ROOTS_ENV, TRACE_ENV, read_trace

__all__ = ["CACHE_DIR", "RunCache", "brief_parts", "toolkit_fingerprint", "trace_env"]

#: Folder of the cache index, inside the reports folder.
CACHE_DIR = ".nsmap-cache"
_FORMAT = 1
_MAX_ENTRIES = 5000


@functools.cache
def toolkit_fingerprint() -> str:
    """SHA-256 of the toolkit's version, the content of its files (code and bundled
    data) and the versions of the packages a run depends on (once per process)."""
    digest = hashlib.sha256(json.dumps(_versions(), sort_keys=True).encode())
    root = Path(str(resources.files("toolkit")))
    for p in sorted(root.rglob("*")):
        if "__pycache__" in p.parts or not p.is_file():
            continue
        digest.update(f"{p.relative_to(root)}\0{file_sha256(p)}\n".encode())
    return digest.hexdigest()


def _secret_digest(study: Study) -> str:
    key = study.pseudonym_key()
    return hashlib.sha256(b"nsmap-cache\0" + key.encode()).hexdigest() if key else ""


def _sha(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _content_hash(path: Path) -> str:
    """SHA-256 of a file; a database's ``manifest.json`` without its write time."""
    if path.name == "manifest.json" and (path.parent / "parquet").is_dir():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return file_sha256(path)
        if isinstance(data, dict):
            data.pop("written", None)
            return "json:" + _sha(data)
    return file_sha256(path)


def _round_databases(study: Study) -> list[Path]:
    folders = []
    for spec in study.config.get("rounds") or []:
        if isinstance(spec, Mapping) and spec.get("database"):
            where = Path(str(spec["database"]))
            folders.append(where.parent if where.is_file() else where)
    return folders


def trace_roots(study: Study) -> list[Path]:
    """Folders whose files count as the inputs of a notebook."""
    roots = {study.root, study.processed, *(p.parent for p in study.input_files())}
    return sorted({p.resolve() for p in [*roots, *_round_databases(study)]})


def trace_env(study: Study, trace: Path, out: Path) -> dict[str, str]:
    """Environment variables asking a notebook's kernel for a trace."""
    return {
        TRACE_ENV: str(trace),
        ROOTS_ENV: os.pathsep.join(str(r) for r in trace_roots(study)),
        OUT_ENV: str(out),
    }


def brief_parts(
    zones: list[str], langs: Sequence[str], publication: Any, date: dt.date, user: Mapping[str, Any]
) -> dict[str, Any]:
    """What a run's briefs depend on besides the data (their cache key's parts)."""
    return {
        "zones": zones,
        "languages": list(langs),
        "audience": publication.audience,
        "mark": publication.mark,
        "date": date.isoformat(),  # printed on every brief
        "options": brief_options(user),
    }


def _ingest_inputs(study: Study, skip: list[Path]) -> list[Path]:
    files = {p.resolve() for p in study.input_files() if p.is_file()}
    for folder in [study.root, *_round_databases(study)]:
        for dirpath, dirnames, names in os.walk(folder):
            here = Path(dirpath).resolve()
            dirnames[:] = [
                d for d in dirnames if not d.startswith(".") and (here / d).resolve() not in skip
            ]
            files.update(here / n for n in names if not n.startswith("."))
    return sorted(files)


class RunCache:
    """The cache index of a reports folder, for one run.

    Parameters
    ----------
    reports : Path
        The reports folder (the index is ``reports/.nsmap-cache/index.json``).
    force : bool, default False
        Reuse nothing (entries are still recorded for the next run).
    """

    def __init__(self, reports: Path, *, force: bool = False) -> None:
        self.reports = reports
        self.force = force
        self.path = reports / CACHE_DIR / "index.json"
        self.index = self._load()
        self._hashes: dict[str, str | None] = {}
        self._new: list[dict[str, Any]] = []
        self._ingest: dict[str, Any] = {}
        self._briefs: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != _FORMAT:
                raise ValueError("another format")
            if not all(isinstance(data[k], dict) for k in ("ingest", "briefs")) or not (
                isinstance(data["executions"], list)
            ):
                raise ValueError("malformed")
        except Exception:  # missing, unreadable, corrupt: start afresh
            return {"format": _FORMAT, "executions": [], "ingest": {}, "briefs": {}}
        return dict(data)

    def hash(self, path: str | Path) -> str | None:
        """SHA-256 of an input file (once per run); None when it cannot be read."""
        key = str(path)
        if key not in self._hashes:
            try:
                self._hashes[key] = _content_hash(Path(key))
            except OSError:
                self._hashes[key] = None
        return self._hashes[key]

    # -- ingestion ---------------------------------------------------------------------
    def _ingest_key(self, study: Study) -> str:
        skip = [study.processed.resolve(), self.reports.resolve()]
        inputs = {str(p): self.hash(p) for p in _ingest_inputs(study, skip)}
        return _sha([toolkit_fingerprint(), _secret_digest(study), inputs])

    def ingest_fresh(self, study: Study) -> bool:
        """Whether the analytical database is up to date with the study's inputs."""
        entry = self.index["ingest"].get(str(study.processed.resolve()))
        if self.force or not isinstance(entry, dict):
            return False
        if entry.get("key") != self._ingest_key(study):
            return False
        return _db_files(study.processed) == entry.get("database")

    def ingested(self, study: Study) -> None:
        """Record the database just written (after ingestion; saved by :meth:`save`)."""
        self._hashes.clear()
        self._ingest[str(study.processed.resolve())] = {
            "key": self._ingest_key(study),
            "database": _db_files(study.processed),
        }

    # -- executions --------------------------------------------------------------------
    def base_key(self, study: Study, notebook: Path, params: Mapping[str, Any], mark: str) -> str:
        """The base of a task's key (everything but the files it reads)."""
        values = {k: v for k, v in params.items() if k != "output_dir"}
        return _sha(
            {
                "notebook": file_sha256(notebook),
                "parameters": values,
                "mark": mark,
                "toolkit": toolkit_fingerprint(),
                "secret": _secret_digest(study),
            }
        )

    def find(self, base: str) -> dict[str, Any] | None:
        """The newest entry for ``base`` whose inputs and outputs are intact."""
        if self.force:
            return None
        for entry in reversed(self.index["executions"]):
            try:
                if entry.get("base") != base:
                    continue
                if all(self.hash(p) == h for p, h in entry["inputs"].items()) and (
                    self._outputs_intact(entry)
                ):
                    return dict(entry)
            except (AttributeError, KeyError, TypeError, ValueError):
                continue  # a malformed entry is never trusted
        return None

    def _run_exists(self, entry: Any) -> bool:
        try:
            return (self.reports / str(entry["run_id"])).is_dir()
        except (KeyError, TypeError):
            return False

    def _outputs_intact(self, entry: Mapping[str, Any]) -> bool:
        run_dir = self.reports / str(entry["run_id"])
        for rel, digest in entry["outputs"].items():
            path = run_dir / rel
            if Path(rel).is_absolute() or ".." in Path(rel).parts or not path.is_file():
                return False
            if file_sha256(path) != digest:
                return False
        return bool(entry["outputs"])

    def restore(
        self, entry: Mapping[str, Any], work: Path, zone: str, notebook: Path
    ) -> TaskResult:
        """Copy an entry's outputs into the run folder ``work``; the task's result."""
        start = time.perf_counter()
        run_dir = self.reports / str(entry["run_id"])
        for rel in entry["outputs"]:
            dest = work / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(run_dir / rel, dest)
        record = work / zone / ".disclosure"
        for name, text in (entry.get("disclosure") or {}).items():
            record.mkdir(parents=True, exist_ok=True)
            (record / Path(name).name).write_text(text, encoding="utf-8")
        out = work / zone / notebook.name
        html = out.with_suffix(".html")
        result = TaskResult(
            zone,
            notebook.stem,
            "ok",
            round(time.perf_counter() - start, 2),
            output=str(out),
            html=str(html) if html.exists() else "",
            reused=True,
            reused_from=str(entry.get("reused_from") or entry["run_id"]),
            key=str(entry["key"]),
        )
        self._new.append({**entry, "reused_from": result.reused_from})
        return result

    def executed(
        self, base: str, result: TaskResult, work: Path, trace: Path, seconds: float
    ) -> None:
        """Record an execution of this run from its trace (nothing when it failed or
        did not trace what it read); sets ``result.key``."""
        complete, reads, writes = read_trace(trace)
        if result.status != "ok" or not complete or not result.output:
            return
        inputs = {p: self.hash(p) for p in reads}
        if any(h is None for h in inputs.values()):
            return
        zone_dir = (work / result.zone).resolve()
        outputs: dict[str, str] = {}
        disclosure: dict[str, str] = {}
        out = Path(result.output)
        listed = [out, out.with_suffix(".html"), out.with_suffix(".log"), *map(Path, writes)]
        for path in listed:
            path = path.resolve()
            if not path.is_file() or not path.is_relative_to(zone_dir):
                continue
            if path.parent.name == ".disclosure":
                disclosure[path.name] = path.read_text(encoding="utf-8")
            elif not path.name.startswith("."):
                outputs[str(path.relative_to(work.resolve()))] = file_sha256(path)
        result.key = _sha([base, inputs])
        self._new.append(
            {
                "base": base,
                "key": result.key,
                "zone": result.zone,
                "notebook": result.notebook,
                "seconds": seconds,
                "inputs": inputs,
                "outputs": outputs,
                "disclosure": disclosure,
                "reused_from": "",
            }
        )

    # -- briefs ------------------------------------------------------------------------
    def briefs_key(self, study: Study, parts: Mapping[str, Any]) -> str:
        """Key of a run's briefs: ``parts`` (zones, languages, audience, options, the
        run date: a brief prints it), the fingerprint, the analytical database and the
        study's input files (not traced: every file counts)."""
        files = {str(p): self.hash(p) for p in study.input_files() if p.is_file()}
        root = study.processed.resolve()
        db = {
            str(p): self.hash(p)
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix != ".sqlite"
        }
        return _sha([dict(parts), toolkit_fingerprint(), _secret_digest(study), files, db])

    def reuse_briefs(self, key: str, work: Path) -> tuple[list[dict[str, Any]], str] | None:
        """Copy into ``work`` the briefs of an earlier run with this key, their files
        verified.

        Returns
        -------
        tuple or None
            The :class:`~toolkit.run._briefs.BriefResult` fields of each zone and the
            run that wrote them; None when there is nothing (intact) to reuse.
        """
        entry = self.index.get("briefs", {}).get(key)
        if self.force or not key or not isinstance(entry, dict):
            return None
        try:
            if not self._outputs_intact(entry):
                return None
            run_dir = self.reports / str(entry["run_id"])
            for rel in entry["outputs"]:
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(run_dir / rel, work / rel)
            origin = str(entry.get("reused_from") or entry["run_id"])
            results = [dict(r) for r in entry["results"]]
        except (AttributeError, KeyError, TypeError, ValueError, OSError):
            return None
        self._briefs[key] = {**entry, "reused_from": origin}
        return results, origin

    def briefs_written(self, key: str, results: list[dict[str, Any]], work: Path) -> None:
        """Record the briefs of this run (only when every one was written)."""
        if not results or any(r.get("status") != "ok" for r in results):
            return
        rels = [rel for r in results for f in r["files"].values() for rel in f.values()]
        for r in results:  # the figures the briefs embed or link (``brief_figures/``)
            figures = work / str(r["zone"]) / "brief_figures"
            if figures.is_dir():
                rels += [p.relative_to(work).as_posix() for p in figures.rglob("*") if p.is_file()]
        outputs = {rel: file_sha256(work / rel) for rel in rels if (work / rel).is_file()}
        self._briefs[key] = {"results": results, "outputs": outputs, "reused_from": ""}

    def save(self, run_id: str) -> None:
        """Add this run's entries to the index (re-read first; written atomically)."""
        if not self._new and not self._ingest and not self._briefs:
            return
        current = self._load()
        new = [{**e, "run_id": run_id} for e in self._new]
        fresh = {(e["base"], e["key"]) for e in new}
        kept = []
        for e in current["executions"]:
            try:
                if (e["base"], e["key"]) in fresh or not self._run_exists(e):
                    continue
            except (KeyError, TypeError):
                continue
            kept.append(e)
        current["executions"] = [*kept, *new][-_MAX_ENTRIES:]
        current["ingest"].update(self._ingest)
        briefs = {k: v for k, v in current["briefs"].items() if self._run_exists(v)}
        briefs.update({k: {**v, "run_id": run_id} for k, v in self._briefs.items()})
        current["briefs"] = dict(list(briefs.items())[-50:])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _write_json(self.path, current)


def _db_files(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file of an analytical database."""
    out = {}
    root = folder.resolve()
    if not root.is_dir():
        return {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(root))] = file_sha256(p)
    return out
