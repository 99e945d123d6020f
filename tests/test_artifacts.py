"""Build once into the cache (pipelines/runners/artifacts.py): one build under concurrency, nothing
half-built after a failure, reuse afterwards."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from pipelines.runners.artifacts import build_once


def _slow_build(target: Path, log: Path) -> None:
    def build(tmp: Path) -> None:
        with open(log, "a") as out:
            out.write("build\n")
        tmp.mkdir()
        (tmp / "part-1").write_text("1")
        time.sleep(0.5)  # long enough for the other process to arrive while this one builds
        (tmp / "part-2").write_text("2")

    build_once(target, build, what="a test artefact")


def test_two_processes_build_once_and_both_see_the_whole_artefact(tmp_path: Path) -> None:
    target, log = tmp_path / "cache" / "artefact", tmp_path / "builds.log"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_slow_build, args=(target, log)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [w.exitcode for w in workers] == [0, 0]
    assert log.read_text().splitlines() == ["build"]
    assert sorted(p.name for p in target.iterdir()) == ["part-1", "part-2"]
    assert [p.name for p in target.parent.iterdir() if ".tmp-" in p.name] == []


def test_a_failed_build_leaves_nothing_that_looks_built(tmp_path: Path) -> None:
    target = tmp_path / "tool"

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("compiler exploded")

    with pytest.raises(RuntimeError, match="compiler exploded"):
        build_once(target, broken, what="a broken tool")
    assert not target.exists() and list(tmp_path.glob(".tool.tmp-*")) == []

    def no_output(tmp: Path) -> None:
        del tmp

    with pytest.raises(RuntimeError, match="without producing"):
        build_once(target, no_output, what="a silent tool")


def test_a_complete_artefact_is_reused_and_an_incomplete_one_rebuilt(tmp_path: Path) -> None:
    target, calls = tmp_path / "libs", []

    def build(tmp: Path) -> None:
        calls.append(tmp)
        tmp.mkdir()
        (tmp / "main.jar").write_text("jar")

    def complete(path: Path) -> bool:
        return (path / "main.jar").is_file()

    target.mkdir()
    (target / "stale.jar").write_text("from an interrupted older layout")
    assert build_once(target, build, what="jars", complete=complete) == target
    assert sorted(p.name for p in target.iterdir()) == ["main.jar"]
    build_once(target, build, what="jars", complete=complete)
    assert len(calls) == 1
