"""The run's process pool: notebook executions, the briefs and each zone's workbook.

:class:`TaskPool` is started (its workers spawned, their imports done and each one's
first kernel started) while the runner ingests the study, so that the first notebooks
start as soon as the analytical database is written; each worker then starts the
kernel of its next notebook while it runs the current one (:mod:`._kernels`).  :meth:`TaskPool.run` then executes the (notebook, zone) tasks
zone by zone, prepares the briefs and queues each zone in each language when they are
prepared, and writes a zone's XLSX workbook as soon as that zone's last notebook is
done, while the other zones' notebooks still run.  One failing task never stops the
others: a crashed worker becomes a failed result.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from toolkit.run._briefs import BriefCollector, BriefPart, Prepared, write_brief_language
from toolkit.run._execute import TaskResult, _execute, warm_up
from toolkit.run._outputs import _zone_workbook
from toolkit.run._study import Study

__all__ = ["NotebookTask", "TaskPool"]


@dataclass(frozen=True)
class NotebookTask:
    """One (notebook, zone) execution to run: papermill's input, output and
    parameters, and the environment asking the kernel for a trace."""

    notebook: str
    output: str
    parameters: dict[str, Any]
    zone: str
    env: dict[str, str]


class TaskPool:
    """A pool of ``jobs`` worker processes (spawned, so that kernels and threads of
    the parent are never forked).

    Use it as a context manager; :meth:`start` spawns and warms the workers ahead of
    the first task (otherwise :meth:`run` does).
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self._pool: cf.ProcessPoolExecutor | None = None

    def __enter__(self) -> TaskPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc is not None)
            self._pool = None

    def start(self) -> None:
        """Spawn the workers and let each import what a task needs, in the background."""
        if self._pool is None:
            ctx = multiprocessing.get_context("spawn")
            self._pool = cf.ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx)
            for _ in range(self.jobs):
                self._pool.submit(warm_up)

    def run(
        self,
        tasks: Sequence[NotebookTask],
        *,
        study: Study,
        work: Path,
        zones: Sequence[str],
        timeout: int,
        mark: str,
        briefs: BriefCollector,
        brief_args: tuple[Any, ...],
        done: Callable[[str, TaskResult], None],
        progress: bool = False,
    ) -> None:
        """Run every task, the briefs (when ``briefs`` has zones) and the workbooks.

        Parameters
        ----------
        tasks : sequence of NotebookTask
            Submitted zone by zone, in the order of ``zones``.
        study : Study
        work : Path
            The run's folder (one sub-folder per zone).
        zones : sequence of str
            The run's zones: each gets its workbook.
        timeout : int
            Seconds allowed per cell.
        mark : str
            The internal run's marking ("" for a public run).
        briefs : BriefCollector
            Collects the briefs' results.
        brief_args : tuple
            Arguments of :func:`~toolkit.run._briefs.prepare_briefs`.
        done : callable
            Called with each notebook (its path, as in its task) and its result as it
            finishes.
        progress : bool, default False
            Print a line per finished task to stderr.
        """
        if not tasks and not briefs.zones:
            for zone in zones:  # nothing to execute: no workers needed
                _zone_workbook(work / zone, zone, study, mark)
            return
        self.start()
        pool = self._pool
        assert pool is not None
        from toolkit.run._briefs import prepare_briefs

        rank = {z: i for i, z in enumerate(zones)}
        ordered = sorted(tasks, key=lambda t: rank.get(t.zone, len(rank)))  # stable
        left = Counter(t.zone for t in ordered)
        futures: dict[cf.Future[Any], tuple[str, str]] = {}
        if briefs.zones:  # what every zone's brief shares, computed once, first
            futures[pool.submit(prepare_briefs, *brief_args)] = ("prepare", "")
        for i, t in enumerate(ordered):
            spare = i < len(ordered) - self.jobs  # another notebook follows on the worker
            fut = pool.submit(
                _execute, t.notebook, t.output, t.parameters, t.zone, timeout, mark, t.env, spare
            )
            futures[fut] = (t.notebook, t.zone)
        workbook_args = {z: (work / z, z, study, mark) for z in zones}
        for zone in zones:
            if not left[zone]:  # every notebook reused or skipped
                queued = _submit_workbook(pool, *workbook_args[zone])
                if queued is not None:
                    futures[queued] = ("xlsx", zone)
        k = 0
        total = (
            len(ordered)
            + len(zones)
            + (len(briefs.zones) * len(briefs.languages) + 1 if briefs.zones else 0)
        )
        pending = set(futures)
        while pending:
            finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                k += 1
                kind, zone = futures.pop(fut)
                new: list[tuple[cf.Future[Any], tuple[str, str]]] = []
                if kind == "prepare":  # write each zone in each language
                    for brief, lang in briefs.prepared(_prepared(fut)):
                        (work / brief.zone).mkdir(exist_ok=True)
                        args = (brief, str(work / brief.zone), str(work), lang)
                        try:
                            new.append(
                                (
                                    pool.submit(write_brief_language, *args),
                                    ("brief", f"{brief.zone}:{lang}"),
                                )
                            )
                        except RuntimeError as exc:  # the pool broke (a worker died)
                            briefs.written(BriefPart(brief.zone, lang, "failed", error=str(exc)))
                    line = ("", "briefs (prepare)", "ok", briefs.prepare_seconds)
                elif kind == "brief":
                    part = _brief_part(fut, zone)
                    briefs.written(part)
                    line = (part.zone, f"brief ({part.lang})", part.status, part.seconds)
                elif kind == "xlsx":
                    _workbook_done(fut, *workbook_args[zone])
                    line = (zone, "workbook", "ok", 0.0)
                else:
                    res = _task_result(fut, kind, zone)
                    done(kind, res)
                    left[zone] -= 1
                    if not left[zone]:  # the zone's tables are complete
                        wb = _submit_workbook(pool, *workbook_args[zone])
                        if wb is not None:
                            new.append((wb, ("xlsx", zone)))
                    line = (zone, res.notebook, res.status, res.seconds)
                for f, what in new:
                    futures[f] = what
                    pending.add(f)
                if progress:
                    z, name, status, seconds = line
                    print(
                        f"[{k}/{total}] {z:<13} {name:<28} {status:<6} {seconds:6.1f}s",
                        file=sys.stderr,
                        flush=True,
                    )


def _submit_workbook(pool: cf.Executor, *args: Any) -> cf.Future[Any] | None:
    """Queue a zone's workbook (:func:`_zone_workbook` of ``args``); if the pool is
    broken (a worker died), write it here instead and return ``None``."""
    try:
        return pool.submit(_zone_workbook, *args)
    except RuntimeError:  # BrokenProcessPool, or a pool shut down
        _zone_workbook(*args)
        return None


def _workbook_done(fut: cf.Future[Any], *args: Any) -> None:
    """A queued workbook is written; if its worker died, write it here.  Any other
    error (a workbook that cannot be written) fails the run, as it always did."""
    try:
        fut.result()
    except cf.BrokenExecutor:
        _zone_workbook(*args)


def _task_result(fut: cf.Future[Any], nb_file: str, zone: str) -> TaskResult:
    try:
        res = fut.result()
    except Exception as exc:  # worker crashed
        return TaskResult(
            zone, Path(nb_file).stem, "failed", 0.0, None, f"{type(exc).__name__}: {exc}"
        )
    assert isinstance(res, TaskResult)
    return res


def _prepared(fut: cf.Future[Any]) -> Prepared:
    try:
        res = fut.result()
    except Exception as exc:  # worker crashed
        return Prepared(error=f"{type(exc).__name__}: {exc}")
    assert isinstance(res, Prepared)
    return res


def _brief_part(fut: cf.Future[Any], key: str) -> BriefPart:
    zone, lang = key.split(":")
    try:
        res = fut.result()
    except Exception as exc:  # worker crashed
        return BriefPart(zone, lang, "failed", error=f"{type(exc).__name__}: {exc}")
    assert isinstance(res, BriefPart)
    return res
