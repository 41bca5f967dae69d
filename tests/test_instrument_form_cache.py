"""Parsed forms kept on disk (toolkit.instrument._form_cache) as read_xlsform uses them."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pandas as pd
import pytest

from toolkit.instrument import _form_cache, _xlsform, bundled_instrument_path, read_xlsform


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache folder and an empty in-memory cache (as in a new process)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(_form_cache.CACHE_ENV, str(folder))
    monkeypatch.setattr(_xlsform, "_kept", type(_xlsform._kept)())
    return folder


def _form(tmp_path: Path, name: str = "form.xlsx") -> Path:
    path = tmp_path / name
    shutil.copyfile(bundled_instrument_path(), path)
    return path


def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the in-memory cache and refuse to parse: only the disk may answer."""
    monkeypatch.setattr(_xlsform, "_kept", type(_xlsform._kept)())

    def refuse(path: Path) -> None:
        raise AssertionError(f"parsed {path} again")

    monkeypatch.setattr(_xlsform, "_parse_xlsform", refuse)


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    pd.testing.assert_frame_equal(a.questions, b.questions)
    assert a.choices.keys() == b.choices.keys()
    for name in a.choices:
        pd.testing.assert_frame_equal(a.choices[name], b.choices[name])
    assert (a.settings, a.languages, a.warnings) == (b.settings, b.languages, b.warnings)


def test_another_process_reads_the_kept_form(cache, tmp_path, monkeypatch):
    first = read_xlsform(_form(tmp_path))
    assert len(list((cache / "forms").glob("*.pickle"))) == 1
    _new_process(monkeypatch)
    other = tmp_path / "elsewhere" / "copy.xlsx"
    other.parent.mkdir()
    again = read_xlsform(_form(other.parent, other.name))
    _same(first, again)
    assert again.path == other  # the path is the caller's, the content the kept one


def test_changed_bytes_are_parsed_again(cache, tmp_path, monkeypatch):
    path = _form(tmp_path)
    read_xlsform(path)
    path.write_bytes(path.read_bytes() + b"\0")  # other bytes: another key
    _new_process(monkeypatch)
    with pytest.raises(AssertionError, match="parsed"):
        read_xlsform(path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[:100]),  # truncated
        lambda p: p.write_bytes(b"not a pickle at all"),
        lambda p: p.write_bytes(pickle.dumps({"key": "other", "code": "x", "form": None})),
        lambda p: p.write_bytes(pickle.dumps(["a list"])),
    ],
    ids=["truncated", "garbage", "foreign", "wrong-type"],
)
def test_a_damaged_file_is_never_trusted(cache, tmp_path, monkeypatch, damage):
    path = _form(tmp_path)
    first = read_xlsform(path)
    (kept,) = (cache / "forms").glob("*.pickle")
    damage(kept)
    monkeypatch.setattr(_xlsform, "_kept", type(_xlsform._kept)())
    again = read_xlsform(path)  # parsed again, and kept again
    _same(first, again)
    _new_process(monkeypatch)
    _same(first, read_xlsform(path))


def test_other_code_does_not_use_the_file(cache, tmp_path, monkeypatch):
    path = _form(tmp_path)
    read_xlsform(path)
    _form_cache.code_digest.cache_clear()
    monkeypatch.setattr(_form_cache, "code_digest", lambda: "0" * 64)
    _new_process(monkeypatch)
    with pytest.raises(AssertionError, match="parsed"):
        read_xlsform(path)


def test_changing_a_read_form_cannot_change_the_kept_one(cache, tmp_path, monkeypatch):
    path = _form(tmp_path)
    first = read_xlsform(path)
    before = first.questions.copy()
    _new_process(monkeypatch)
    second = read_xlsform(path)
    second.questions.loc[:, "name"] = "changed"
    next(iter(second.choices.values())).loc[:, "name"] = "changed"
    third = read_xlsform(path)
    pd.testing.assert_frame_equal(third.questions, before)
    _same(first, third)


@pytest.mark.parametrize("value", ["off", ""])
def test_off_keeps_nothing_on_disk(tmp_path, monkeypatch, value):
    monkeypatch.setenv(_form_cache.CACHE_ENV, value)
    monkeypatch.setattr(_xlsform, "_kept", type(_xlsform._kept)())
    assert _form_cache.cache_dir() is None
    read_xlsform(_form(tmp_path))
    assert not any(tmp_path.rglob("*.pickle"))


def test_default_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv(_form_cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _form_cache.cache_dir() == tmp_path / "nsmap"


def test_an_unwritable_folder_costs_speed_not_the_result(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv(_form_cache.CACHE_ENV, str(blocker))
    monkeypatch.setattr(_xlsform, "_kept", type(_xlsform._kept)())
    form = read_xlsform(_form(tmp_path))
    assert len(form.questions) > 0


def test_only_the_newest_files_are_kept(cache, monkeypatch, instrument):
    monkeypatch.setattr(_form_cache, "_KEEP_FILES", 3)
    for i in range(5):
        _form_cache.store_form(f"{i:064x}", instrument)
        for kept in (cache / "forms").glob(f"{i:064x}-*.pickle"):
            os.utime(kept, (1_000_000 + i, 1_000_000 + i))  # distinct, increasing times
    assert len(list((cache / "forms").glob("*.pickle"))) == 3
    assert _form_cache.load_form(f"{4:064x}") is not None
