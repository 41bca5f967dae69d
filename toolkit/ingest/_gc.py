"""Reading an export without the cyclic garbage collector's full collections.

Validating an export allocates hundreds of thousands of short-lived objects, which
reference counting frees; but every 700 allocations the cyclic collector runs, and
every hundredth run is a full collection that visits every object the process keeps
(pandas, numpy and pyarrow alone keep a few hundred thousand).  On a 100-row export
these full collections cost about a fifth of the time.  :func:`paused_gc` turns the
collector off while an export is read and back on afterwards (when it was on); the
collector then runs as usual and finds whatever cycles the read left.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the ``with`` block."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
