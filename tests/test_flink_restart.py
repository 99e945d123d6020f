"""kill -9 of `newsbeam run` on the embedded Flink mid-stream, then `newsbeam run --restore latest`:
the job resumes from its own last retained checkpoint (dedup state and offsets together), and the
final stories equal those of a run that was never killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.config import PROJECT_ROOT, JobSettings, Topics
from pipelines.core import codecs
from pipelines.kafka.admin import create_topics
from pipelines.kafka.ledger import final_stories, read_ledger
from pipelines.kafka.produce import messages_from_jsonl, produce
from pipelines.ops.lag import consumer_lag, summarize
from pipelines.quality.samplefeed.generate import write_feed
from pipelines.runners.flink_restore import embedded_checkpoints_dir
from pipelines.runners.launch import run
from tests.restart_halves import split_where_stories_span, stamped_now

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).parent / "data" / "seeds"


def _wait(condition, timeout_s: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(2)
    tail = log.read_text(errors="replace")[-3000:] if log is not None else ""
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}\n{tail}")


def _complete_checkpoints(folder: Path) -> set[Path]:
    return {p.parent for p in folder.glob("*/chk-*/_metadata")}


def _launch(bootstrap: str, topics: Topics, group: str, log: Path, *extra: str) -> subprocess.Popen:
    # INFO: the job server's lines, Flink's "Restoring job … from Checkpoint" among them, reach the log.
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli.main", "--log-level", "INFO", "run", "--bootstrap", bootstrap,
             "--prefix", topics.prefix,
             "--group-id", group, "--runner", "FlinkRunner", "--mode", "streaming", "--allowed-lateness-s", "30",
             *extra, "--", "--checkpointing_interval=2000"],
            stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)))


def _kill(launcher: subprocess.Popen) -> None:
    """kill -9, as a crash would; the embedded Flink (the job server JVM) dies with it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(launcher.pid, signal.SIGKILL)
    launcher.wait()


def test_kill_9_of_the_launcher_and_a_restart_with_restore_lose_nothing(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, seed=5, n_pages=40, seeds_dir=SEEDS)
    messages = list(messages_from_jsonl(feed))

    reference = Topics(prefix=f"rs{os.getpid()}r{time.monotonic_ns() % 10**6}.")
    create_topics(bootstrap, reference)
    produce(bootstrap, reference.raw, messages, progress=False)
    run(JobSettings(bootstrap=bootstrap, topics=reference, group_id=f"g-{reference.prefix}"))
    reference_stories = final_stories(bootstrap, reference.stories)
    half = split_where_stories_span(bootstrap, reference, messages)

    topics = Topics(prefix=f"rs{os.getpid()}k{time.monotonic_ns() % 10**6}.")
    create_topics(bootstrap, topics)
    group = f"g-{topics.prefix}"
    checkpoints = embedded_checkpoints_dir(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group))
    produce(bootstrap, topics.raw, stamped_now(messages[:half]), progress=False)
    log = tmp_path / "run.log"
    launcher = _launch(bootstrap, topics, group, log)
    try:
        def first_half_read() -> bool:
            assert launcher.poll() is None, log.read_text(errors="replace")[-3000:]
            ledger = read_ledger(bootstrap, topics, check_stories=False)
            return ledger.articles + ledger.dead_input >= half

        _wait(first_half_read, 300, "the first half read", log)
        before = _complete_checkpoints(checkpoints)
        _wait(lambda: _complete_checkpoints(checkpoints) - before, 60, "a checkpoint after the first half", log)
        _kill(launcher)
        lost_job = {p.parent.name for p in _complete_checkpoints(checkpoints)}
        assert len(lost_job) == 1

        restart_log = tmp_path / "restart.log"
        launcher = _launch(bootstrap, topics, group, restart_log, "--restore", "latest")
        # A checkpoint of the new job (a folder of its own) says it runs and reads.
        _wait(lambda: {p.parent.name for p in _complete_checkpoints(checkpoints)} - lost_job, 300,
              "the restarted job's first checkpoint", restart_log)
        restored = [line for line in restart_log.read_text(errors="replace").splitlines() if "Restoring job" in line]
        assert restored and f"/{lost_job.pop()}/chk-" in restored[0], restored or restart_log.read_text()[-3000:]
        produce(bootstrap, topics.raw, stamped_now(messages[half:]), progress=False)
        _wait(lambda: summarize(consumer_lag(bootstrap, topics.raw, group))["lag"] == 0, 300, "lag to drain", log)
        _wait(lambda: set(final_stories(bootstrap, topics.stories)) == set(reference_stories), 300,
              "the same final stories as the run never killed", log)
    finally:
        _kill(launcher)
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    stories = {sid: codecs.encode("Story", s, "json") for sid, s in final_stories(bootstrap, topics.stories).items()}
    assert stories == {sid: codecs.encode("Story", s, "json") for sid, s in reference_stories.items()}
