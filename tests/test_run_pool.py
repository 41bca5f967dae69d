"""The run's process pool (toolkit.run._pool): what happens when it breaks."""

from __future__ import annotations

import pytest


def test_a_zone_workbook_is_written_even_when_the_pool_broke(tmp_path, monkeypatch):
    """A worker that dies breaks the pool: the zone's workbook is then written by the
    runner itself, as before the workbooks ran in the pool; other errors still fail."""
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool

    from toolkit.run import _pool

    written: list[tuple] = []
    monkeypatch.setattr(_pool, "_zone_workbook", lambda *args: written.append(args))

    class Broken:
        def submit(self, *args, **kwargs):
            raise BrokenProcessPool("a worker died")

    assert _pool._submit_workbook(Broken(), tmp_path, "europe", None, "") is None
    assert written == [(tmp_path, "europe", None, "")]
    lost: cf.Future = cf.Future()
    lost.set_exception(BrokenProcessPool("a worker died"))
    _pool._workbook_done(lost, tmp_path, "mena", None, "")
    assert written[-1] == (tmp_path, "mena", None, "")
    failed: cf.Future = cf.Future()
    failed.set_exception(OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        _pool._workbook_done(failed, tmp_path, "all", None, "")
    assert len(written) == 2
