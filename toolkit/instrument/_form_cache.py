"""Parsed forms kept on disk, so that every process does not parse the same form again.

A study's run executes dozens of notebooks, each in a new kernel, and each needs the
study's questionnaire: parsing the XLSForm (about 0.3 s for the bundled one) would be
repeated in every kernel.  :func:`read_xlsform` therefore keeps a parsed form in the
user's cache folder, under the SHA-256 of the workbook's bytes and a digest of the code
that parsed it (the instrument package, the toolkit's version and the versions of
Python, pandas and numpy).  A file that cannot be read back, or that records another
form or other code, is ignored and replaced; nothing is ever trusted that was not
written for exactly these bytes by exactly this code.

The folder is ``$NSMAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/nsmap``, else
``~/.cache/nsmap``; ``NSMAP_CACHE_DIR=off`` turns the disk cache off.  The files are
Python pickles: the folder must be the user's own, never one that others can write to.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import platform
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from toolkit.instrument._model import Instrument

__all__ = ["CACHE_ENV", "cache_dir", "load_form", "store_form"]

#: Environment variable naming the cache folder (``off`` turns the cache off).
CACHE_ENV = "NSMAP_CACHE_DIR"

_FORMAT = 1
_KEEP_FILES = 64  # parsed forms kept on disk (the oldest removed beyond)


def cache_dir() -> Path | None:
    """The folder that keeps parsed forms, or ``None`` when the cache is off."""
    given = os.environ.get(CACHE_ENV)
    if given is not None:
        return None if given.strip().lower() in ("", "off", "0", "no") else Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nsmap"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of what a parsed form depends on besides the workbook: the code of the
    instrument package and of :mod:`toolkit.errors`, the toolkit's version and the
    versions of Python, pandas and numpy (once per process)."""
    digest = hashlib.sha256(f"format {_FORMAT}\n".encode())
    for dist in ("nsmap-toolkit", "pandas", "numpy"):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = ""
        digest.update(f"{dist} {version}\n".encode())
    digest.update(f"python {platform.python_version()}\n".encode())
    here = Path(__file__).resolve().parent
    for path in [*sorted(here.glob("*.py")), here.parent / "errors.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _file(folder: Path, key: str) -> Path:
    return folder / "forms" / f"{key}-{code_digest()[:16]}.pickle"


def load_form(key: str) -> Instrument | None:
    """The form parsed from the bytes whose SHA-256 is ``key``, if it is kept on disk
    by this code; ``None`` otherwise (also for an unreadable or foreign file)."""
    folder = cache_dir()
    if folder is None or not key:
        return None
    path = _file(folder, key)
    try:
        with path.open("rb") as fh:
            kept = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # truncated, corrupt, from an incompatible library: parse again
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    if (
        not isinstance(kept, dict)
        or kept.get("key") != key
        or kept.get("code") != code_digest()
        or not isinstance(kept.get("form"), Instrument)
    ):
        return None
    form: Instrument = kept["form"]
    return form


def store_form(key: str, form: Instrument) -> None:
    """Keep a parsed form on disk under ``key`` (atomically; never raises)."""
    folder = cache_dir()
    if folder is None or not key:
        return
    path = _file(folder, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(
            {"key": key, "code": code_digest(), "form": form}, protocol=pickle.HIGHEST_PROTOCOL
        )
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _prune(path.parent)
    except Exception:  # a read-only or full disk costs speed, never the result
        return


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[_KEEP_FILES:]:
        with contextlib.suppress(OSError):
            old.unlink()
