"""Runner processes die with the launcher: after `kill -9` of `newsbeam run`, neither Prism nor the
Flink job server JVM stays behind as an orphan holding its ports (pipelines.runners.launch), and
nor do the embedded Flink's SDK worker processes (pipelines.runners.local_workers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.kafka.ledger import read_ledger
from pipelines.kafka.produce import page_message, produce

pytestmark = pytest.mark.integration
PROJECT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            threads = os.listdir(f"/proc/{parent}/task")
        except FileNotFoundError:
            continue
        for tid in threads:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as kids:
                    new = [int(k) for k in kids.read().split()]
            except FileNotFoundError:
                continue
            found += new
            todo += new
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def _is(child_name: str, command: str) -> bool:
    """An executable named `child_name`, or an SDK worker (a Python process started as one)."""
    words = command.split(" ")
    return child_name in words[0] or (child_name == "sdk-worker" and "sdk-worker" in words)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
@pytest.mark.parametrize(("runner", "child_name"), [("PrismRunner", "prism"), ("FlinkRunner", "java")])
def test_kill_9_of_the_launcher_leaves_no_runner_process(kafka_broker, topics, tmp_path, runner, child_name) -> None:
    _kill_9_leaves_no_orphan(kafka_broker, topics, tmp_path, runner, child_name, [])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the test reads /proc")
def test_kill_9_of_the_launcher_leaves_no_sdk_worker_process(kafka_broker, topics, tmp_path) -> None:
    """Two SDK worker processes (the local pool), whatever the machine's cores."""
    _kill_9_leaves_no_orphan(kafka_broker, topics, tmp_path, "FlinkRunner", "sdk-worker", ["--sdk-workers", "2"],
                             expected=2)


def _kill_9_leaves_no_orphan(kafka_broker, topics, tmp_path, runner: str, child_name: str, options: list[str],
                             expected: int = 1) -> None:
    bootstrap = kafka_broker.bootstrap
    now = int(time.time() * 1000)
    produce(bootstrap, topics.raw, [page_message({
        "url": f"https://news.example/orphans/{i}", "source": "orphans", "fetched_at": now - 60_000 + i,
        "published_at": None, "content_type": "text/plain", "charset": "utf-8", "headers": {},
        "body": b"The ferry timetable changes next week.\n" * 5}) for i in range(3)], progress=False)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli.main", "run", "--bootstrap", bootstrap, "--prefix", topics.prefix,
             "--group-id", f"orphans-{topics.prefix}", "--runner", runner, "--mode", "streaming", *options],
            stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(PROJECT)))
    runner_pids: list[int] = []
    try:
        deadline = time.monotonic() + 150
        while True:  # running for real: the runner process is up and the job has written its articles
            runner_pids = [p for p in _children(launcher.pid) if _is(child_name, _command(p))]
            ledger = read_ledger(bootstrap, topics, check_stories=False)
            if len(runner_pids) >= expected and ledger.articles == 3:
                break
            assert launcher.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"the job did not start: {log.read_text()[-3000:]}"
            time.sleep(1)
        os.kill(launcher.pid, signal.SIGKILL)
        launcher.wait()
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in runner_pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        orphans = [(p, _command(p)[:120]) for p in runner_pids if _alive(p)]
        assert not orphans, f"{runner} processes outlived the launcher: {orphans}"
    finally:
        if launcher.poll() is None:
            launcher.kill()
        for pid in runner_pids:  # a failing run must not leave them to the next test either
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
