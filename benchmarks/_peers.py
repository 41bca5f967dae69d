"""Peer environments for the benchmarks: one virtual environment per peer package under
``benchmarks/_work/`` (their pins clash with each other and with the project), and a
runner that reads the JSON line a peer script prints."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"

#: Versions of the Python peers the benchmarks compare against.
PINS = {
    "weightipy": "weightipy==0.4.2",
    "balance": "balance==0.23.0",
    "svy": "svy==0.35.0",
    "samplics": "samplics==0.6.1",
}


def peer_python(name: str, install: bool) -> Path | None:
    """Interpreter of the peer's venv, creating it if asked; None if unavailable."""
    venv = WORK / f"venv-{name}"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    if not install:
        print(
            f"  {name}: no environment at {venv} (run without --no-install to create it); skipped"
        )
        return None
    print(f"  {name}: creating {venv} and installing {PINS[name]} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PINS[name]], check=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"  {name}: could not be installed here ({exc}); skipped")
        shutil.rmtree(venv, ignore_errors=True)
        return None
    return python


def run_json(name: str, cmd: list[str], timeout: int) -> dict | None:
    """Run a peer's command; return the last JSON line it printed, or None (reported)."""
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(f"  {name}: did not finish within {timeout} s; skipped")
        return None
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        print(f"  {name}: failed ({' | '.join(tail)}); skipped")
        return None
    return json.loads(lines[-1])
