"""Parameterised runs: strict parameter checks, papermill per zone, reports per run.

papermill executes notebooks but only warns on unknown parameters, does not check
types, changes the working directory when asked to and gives no cross-run summary.
:func:`run_study` adds what a zone office needs around it:

1. the study configuration and every supplied parameter are validated against each
   target notebook's ``parameters`` cell *before* any kernel starts (unknown names,
   wrong types, zones not in the study, values that are not plain literals);
2. ingestion runs once and writes the analytical database;
3. each (notebook, zone) pair runs in a process pool with an explicit kernel and
   absolute paths — the working directory is never changed;
4. one failure does not stop the others; a failed notebook is kept with its error
   visible, and the run ends with a summary table and a non-zero exit;
5. the policy brief of each zone (and of all zones) is written in each language of
   the run as PDF, Word and HTML, by tasks of the same pool, from the published
   estimates the notebooks use (:mod:`toolkit.run._briefs`);
6. outputs go to ``reports/<run-id>/`` (written in a temporary folder and renamed
   when complete, so concurrent runs never share a folder): per zone the executed
   notebooks, an HTML rendering without code, ``figures/`` and ``tables/``, one XLSX
   workbook and ``brief.<lang>.pdf|docx|html``; ``manifest.json``; the landing page
   ``index.html`` (and ``index.<lang>.html`` per further language) and the page for
   analysts ``analysts.html`` (:mod:`toolkit.run._landing`); ``reports/latest``;
7. unless ``force``, what an earlier run of the same reports folder computed from the
   same inputs is reused, verified: the ingestion, each (notebook, zone) execution,
   the briefs (:mod:`toolkit.run._cache`, :mod:`toolkit.run._trace`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.errors import ParameterError, StudyConfigError, ToolkitError
from toolkit.frame import ZONES
from toolkit.run._briefs import (
    BriefCollector,
    BriefResult,
    brief_options,
    briefs_manifest,
    run_languages,
    store_ready,
)
from toolkit.run._cache import RunCache, brief_parts, trace_env
from toolkit.run._disclosure import collect_disclosure
from toolkit.run._execute import TaskResult
from toolkit.run._landing import write_pages
from toolkit.run._notebooks import (
    ALL_ZONES,
    check_parameters,
    find_notebook,
    list_notebooks,
    missing_requirements,
    notebook_parameters,
    notebooks_dir,
    parse_param_values,
)
from toolkit.run._outputs import _manifest, _point_latest, _write_json
from toolkit.run._pool import NotebookTask, TaskPool
from toolkit.run._process import process_study
from toolkit.run._study import Study, load_study

__all__ = ["RunSummary", "run_study"]

_RESERVED = ("study", "zone", "output_dir", "audience")


@dataclass
class RunSummary:
    """What a run did.

    Attributes
    ----------
    run_id : str
    run_dir : Path
    results : list of TaskResult
        The notebooks.
    briefs : list of BriefResult
        The briefs, one per zone (empty when the run wrote none).
    languages : tuple of str
        Languages of the briefs and the landing pages.
    index_html : Path
    manifest : dict
    """

    run_id: str
    run_dir: Path
    results: list[TaskResult] = field(default_factory=list)
    index_html: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    briefs: list[BriefResult] = field(default_factory=list)
    languages: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every notebook that ran and every brief succeeded (skipped ones do
        not count)."""
        return all(r.status in ("ok", "skipped") for r in self.results) and all(
            b.status in ("ok", "skipped") for b in self.briefs
        )

    def table(self) -> pd.DataFrame:
        """Summary table: zone, notebook, status, seconds, failing cell, error."""
        return pd.DataFrame(
            [
                {
                    "zone": r.zone,
                    "notebook": r.notebook,
                    "status": r.status,
                    "seconds": r.seconds,
                    "failing_cell": "" if r.failing_cell is None else r.failing_cell,
                    "error": r.error,
                }
                for r in self.results
            ],
            columns=["zone", "notebook", "status", "seconds", "failing_cell", "error"],
        )


def _resolve_zones(spec: str | Sequence[str], study: Study) -> list[str]:
    items = [spec] if isinstance(spec, str) else list(spec)
    parts = [z.strip() for item in items for z in str(item).split(",") if z.strip()]
    if not parts or parts == [ALL_ZONES]:
        return [*study.zones, ALL_ZONES]
    for z in parts:
        if z != ALL_ZONES and z not in study.zones:
            hint = f"use 'all' or a comma-separated list of {', '.join(study.zones)}"
            if z in ZONES:
                hint = f"'{z}' is not listed under 'zones' in {study.path.name}; " + hint
            raise ParameterError(
                f"zone {z!r} is not a zone of this study.",
                column="--zone",
                value=z,
                hint=hint + ".",
            )
    return list(dict.fromkeys(parts))


def _new_run_id(audience: str = "public") -> str:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    suffix = "-internal" if audience == "internal" else ""
    return f"{stamp}-{uuid.uuid4().hex[:6]}{suffix}"


def run_study(
    study: str | Path | Study,
    *,
    zones: str | Sequence[str] = ALL_ZONES,
    notebooks: Sequence[str | Path] | None = None,
    jobs: int | None = None,
    params: Sequence[str] | Mapping[str, Any] = (),
    output: str | Path | None = None,
    run_id: str | None = None,
    progress: bool = False,
    timeout: int = 900,
    ingest: bool = True,
    audience: str | None = None,
    languages: str | Sequence[str] | None = None,
    briefs: bool = True,
    force: bool = False,
) -> RunSummary:
    """Run the report notebooks of a study for each zone.

    Parameters
    ----------
    study : str, Path or Study
        ``study.yaml`` (or its folder, or a loaded :class:`~toolkit.run.Study`).
    zones : str or sequence of str, default "all"
        ``"all"`` runs every zone of the study plus the all-zones report; otherwise a
        comma-separated list or a sequence of zones (``"all"`` may be among them).
    notebooks : sequence of str or Path, optional
        Notebooks to run (paths, file names or stems); every notebook by default.
    jobs : int, optional
        Notebooks executed at once (default: number of CPU cores).
    params : sequence of "name=value" or mapping
        Extra parameters; each must be declared by at least one selected notebook and
        is passed to the notebooks that declare it, type-checked.
    output : str or Path, optional
        Reports folder (default: ``paths.reports`` of the study).
    run_id : str, optional
        Name of the run folder (default: timestamp plus a random suffix).
    progress : bool, default False
        Print a progress line per finished notebook to stderr.
    timeout : int, default 900
        Seconds allowed per cell.
    ingest : bool, default True
        Ingest the exports and write the analytical database before running.
    audience : {"public", "internal"}, optional
        The tier of every report (default: ``publication.audience`` of the study).
        An internal run's folder ends in ``-internal`` and every page, caption,
        workbook and the index say "INTERNAL — not for publication".
    languages : str or sequence of str, optional
        Languages of the policy briefs and the landing pages (``"fr,es"`` or a list);
        default: ``report.languages`` of the study.  The first is ``index.html``'s.
    briefs : bool, default True
        Write the policy brief of each zone (and of all zones) in each language.
    force : bool, default False
        Re-run everything.  Otherwise ingestion is skipped when the study's inputs and
        the database are unchanged, and each (notebook, zone) execution whose key
        (notebook, parameters, toolkit, the files it read) matches one of an earlier
        run of the same reports folder is copied from it, its files verified
        (:mod:`toolkit.run._cache`); the manifest says which were reused.

    Returns
    -------
    RunSummary

    Raises
    ------
    StudyConfigError, ParameterError
        Before any kernel starts, for an invalid study, parameter or language.
    """
    study = study if isinstance(study, Study) else load_study(study)
    audience = audience or study.audience
    langs = run_languages(languages, study)
    try:
        publication = study.publication(audience)
    except ToolkitError as exc:
        raise ParameterError(
            exc.problem, column="--audience", value=audience, hint=exc.hint
        ) from exc
    zone_list = _resolve_zones(zones, study)
    nb_paths = [find_notebook(n) for n in notebooks] if notebooks else list_notebooks()
    if not nb_paths:
        raise StudyConfigError(
            "no report notebooks were found.",
            file=notebooks_dir(),
            hint="reinstall the toolkit or pass --notebook paths.",
        )
    user = dict(params) if isinstance(params, Mapping) else parse_param_values(params)
    for reserved in _RESERVED:
        if reserved in user:
            raise ParameterError(
                f"parameter '{reserved}' is set by the runner.",
                column=reserved,
                hint="use --zone, --audience or the study argument.",
            )
    declared = {nb: notebook_parameters(nb) for nb in nb_paths}
    for name in user:
        if not any(name in set(t["name"]) for t in declared.values()):
            raise ParameterError(
                f"unknown parameter '{name}': no selected notebook declares it.",
                column=name,
                value=user[name],
                hint="see 'nsmap params <notebook>' for each notebook's parameters.",
            )
    tasks: list[tuple[Path, str, dict[str, Any]]] = []
    for nb in nb_paths:
        names = set(declared[nb]["name"])
        for zone in zone_list:
            values = {k: v for k, v in user.items() if k in names}
            values.update({"study": str(study.path), "zone": zone})
            if "audience" in names:
                values["audience"] = audience
            tasks.append((nb, zone, values))
    for nb, _zone, values in tasks:
        check_parameters(
            nb,
            {k: v for k, v in values.items() if k != "output_dir"},
            zones=study.zones,
            declared=declared[nb],
        )

    reports = Path(output).resolve() if output is not None else study.reports
    reports.mkdir(parents=True, exist_ok=True)
    run_id = run_id or _new_run_id(audience)
    final = reports / run_id
    if final.exists():
        raise StudyConfigError(
            f"run folder {final} already exists.",
            column="--run-id",
            value=run_id,
            hint="choose another run id or omit it.",
        )
    work = reports / f".{run_id}.partial"
    work.mkdir()
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    ingest_seconds = 0.0
    cache = RunCache(reports, force=force)
    ingest_reused = False
    jobs = max(1, jobs or os.cpu_count() or 1)
    most = len(tasks) + (1 + len(zone_list) * len(langs) if briefs else 0)
    with TaskPool(min(jobs, most)) as pool:
        if ingest:
            t_ing = time.perf_counter()
            ingest_reused = cache.ingest_fresh(study)
            if not ingest_reused:
                pool.start()  # the workers' imports overlap the ingestion
                process_study(study)
                cache.ingested(study)
            ingest_seconds = round(time.perf_counter() - t_ing, 2)
        results: list[TaskResult] = []
        submitted: list[NotebookTask] = []
        keys: dict[tuple[str, str], tuple[str, Path]] = {}  # task -> (base key, trace file)
        traces = work / ".trace"
        unmet = {nb: missing_requirements(nb, study) for nb in nb_paths}
        for nb, zone, values in tasks:
            if unmet[nb]:
                reason = "the study has no " + "; no ".join(unmet[nb])
                results.append(TaskResult(zone, nb.stem, "skipped", 0.0, None, reason))
                continue
            zone_dir = work / zone
            zone_dir.mkdir(exist_ok=True)
            out = zone_dir / nb.name
            if "output_dir" in set(declared[nb]["name"]):
                values = {**values, "output_dir": str(zone_dir)}
            base = cache.base_key(study, nb, values, publication.mark)
            entry = cache.find(base)
            if entry is not None:
                try:
                    results.append(cache.restore(entry, work, zone, nb))
                    continue
                except OSError:  # vanished since it was verified: run it
                    pass
            traces.mkdir(exist_ok=True)
            keys[(str(nb), zone)] = (base, traces / f"{zone}--{nb.stem}.trace")
            env = trace_env(study, keys[(str(nb), zone)][1], zone_dir)
            submitted.append(NotebookTask(str(nb), str(out), values, zone, env))
        brief_skip = "" if briefs else "not asked for (--no-briefs)"
        if briefs and not store_ready(study):
            brief_skip = "the analytical database has not been written (run with ingestion)"
        run_date = started.date()
        bkey = (
            ""
            if brief_skip
            else cache.briefs_key(study, brief_parts(zone_list, langs, publication, run_date, user))
        )
        reused_briefs = cache.reuse_briefs(bkey, work)
        collector = BriefCollector(zone_list if not brief_skip and not reused_briefs else [], langs)

        def executed(notebook: str, res: TaskResult) -> None:
            base, trace = keys[(notebook, res.zone)]
            cache.executed(base, res, work, trace, res.seconds)
            results.append(res)

        pool.run(
            submitted,
            study=study,
            work=work,
            zones=zone_list,
            timeout=timeout,
            mark=publication.mark,
            briefs=collector,
            brief_args=(
                str(study.path),
                zone_list,
                audience,
                run_date.isoformat(),
                brief_options(user),
            ),
            done=executed,
            progress=progress,
        )
    order = {(nb.stem, zone): i for i, (nb, zone, _) in enumerate(tasks)}
    results.sort(key=lambda r: order.get((r.notebook, r.zone), 0))
    brief_results = collector.results()
    if reused_briefs:
        brief_results = [BriefResult(**r) for r in reused_briefs[0]]
    elif bkey:
        cache.briefs_written(bkey, [dataclasses.asdict(r) for r in brief_results], work)
    disclosure = collect_disclosure(work, zone_list, publication)
    summary = RunSummary(run_id, final, results, briefs=brief_results, languages=langs)
    pages, page_fallbacks = write_pages(
        work,
        study,
        run_id=run_id,
        date=run_date,
        results=results,
        briefs=brief_results,
        zones=zone_list,
        languages=langs,
        mark=publication.mark,
        disclosure=disclosure,
    )
    summary.manifest = _manifest(
        study, summary, tasks, started, time.perf_counter() - t0, ingest_seconds, jobs
    )
    summary.manifest["disclosure"] = disclosure
    summary.manifest["ingest_reused"] = ingest_reused
    summary.manifest["force"] = force
    summary.manifest["briefs"] = briefs_manifest(
        brief_results,
        langs,
        page_fallbacks,
        reason=brief_skip,
        prepare_seconds=collector.prepare_seconds,
    )
    summary.manifest["briefs"]["reused_from"] = reused_briefs[1] if reused_briefs else None
    summary.manifest["pages"] = [p.name for p in pages]
    for r in results:  # paths as they will be after the final rename
        r.output = r.output.replace(str(work), str(final))
        r.html = r.html.replace(str(work), str(final))
    _write_json(work / "manifest.json", summary.manifest)
    shutil.rmtree(traces, ignore_errors=True)
    os.replace(work, final)
    cache.save(run_id)
    summary.index_html = final / "index.html"
    _point_latest(reports, run_id)
    return summary
