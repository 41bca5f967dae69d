"""Kernels started ahead: each worker starts the kernel of its next notebook early.

Starting a Jupyter kernel takes about half a second, most of it waiting for the new
process to come up.  A worker of the runner's pool therefore starts a *spare* kernel
while it executes the current notebook (and while the study is ingested, before its
first one), so that the next notebook finds its kernel ready.  A spare kernel is a
plain new kernel: nothing is imported or run in it before its notebook.

Such a kernel is started before its task is known, so it cannot inherit the task's
trace settings (:mod:`toolkit.run._trace`) from its environment.  It gets instead
``NSMAP_TRACE_SETTINGS``, the path of a small JSON file that the worker writes with
the task's settings just before the notebook runs; :func:`toolkit.run._trace.start`
reads it.  Its stderr goes to its own log, added to the task's log afterwards.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from toolkit.run._trace import OUT_ENV, ROOTS_ENV, SETTINGS_ENV, TRACE_ENV

__all__ = ["Kernel", "start_kernel", "take_kernel"]


class _Manager(AsyncKernelManager):
    """A kernel manager that keeps the clients it makes: nbclient does not close the
    client of a kernel it was given, so :meth:`Kernel.stop` does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clients: list[Any] = []

    def client(self, **kwargs: Any) -> Any:
        made = super().client(**kwargs)
        self.clients.append(made)
        return made


_spare: Kernel | None = None
_folder: Path | None = None


@dataclass
class Kernel:
    """A started kernel: its manager, its trace-settings file and its log."""

    manager: _Manager
    settings: Path
    log: Path

    def assign(self, trace: dict[str, str] | None) -> None:
        """Give the kernel its task's trace settings (before the notebook runs)."""
        self.settings.write_text(json.dumps(trace or {}), encoding="utf-8")

    def stop(self, task_log: Path | None = None) -> None:
        """Stop the kernel at once, close the clients' channels and add the kernel's
        log to ``task_log``."""
        from jupyter_core.utils import run_sync

        with contextlib.suppress(Exception):
            run_sync(self.manager.shutdown_kernel)(now=True)
        for client in self.manager.clients:  # nbclient leaves them open
            with contextlib.suppress(Exception):
                client.stop_channels()
        if task_log is not None:
            with (
                contextlib.suppress(OSError),
                self.log.open("rb") as src,
                task_log.open("ab") as dst,
            ):
                shutil.copyfileobj(src, dst)
        for p in (self.settings, self.log):
            with contextlib.suppress(OSError):
                p.unlink()


def _worker_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="nsmap-kernels-"))
        atexit.register(_shutdown)
    return _folder


def start_kernel(kernel_name: str) -> Kernel | None:
    """Start a new kernel (not waiting for it to be ready); ``None`` if it fails,
    and papermill then starts its own."""
    from jupyter_core.utils import run_sync

    folder = _worker_folder()
    fd, name = tempfile.mkstemp(dir=folder, suffix=".json")
    os.close(fd)
    settings = Path(name)
    log = settings.with_suffix(".log")
    env = {k: v for k, v in os.environ.items() if k not in (TRACE_ENV, ROOTS_ENV, OUT_ENV)}
    env[SETTINGS_ENV] = str(settings)
    manager = _Manager(kernel_name=kernel_name)
    try:
        with log.open("wb") as err:
            run_sync(manager.start_kernel)(env=env, stderr=err.fileno())
    except Exception:
        with contextlib.suppress(OSError):
            settings.unlink()
        return None
    return Kernel(manager, settings, log)


def take_kernel(kernel_name: str, *, spare: bool) -> Kernel | None:
    """The kernel for the notebook about to run: the spare one if this worker has
    one, else a new one.  With ``spare``, the next notebook's kernel is started too."""
    global _spare
    kernel, _spare = _spare, None
    if kernel is None:
        kernel = start_kernel(kernel_name)
    if spare:
        _spare = start_kernel(kernel_name)
    return kernel


def start_spare(kernel_name: str) -> None:
    """Start this worker's spare kernel now (its first notebook's)."""
    global _spare
    if _spare is None:
        _spare = start_kernel(kernel_name)


def _shutdown() -> None:
    global _spare
    if _spare is not None:
        _spare.stop()
        _spare = None
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
