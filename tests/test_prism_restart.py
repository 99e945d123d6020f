"""kill -9 of `newsbeam run` on Prism mid-stream, then `newsbeam run --restore latest`: Prism keeps
no checkpoints, so the job commits offsets only once decisions are written, and the restart
re-reads the input before the committed offsets to rebuild its dedup state, writing nothing of it
again. The final stories equal those of a run that was never killed."""

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
from pipelines.runners.launch import run
from tests.restart_halves import split_where_stories_span, stamped_now

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).parent / "data" / "seeds"


def _wait(condition, timeout_s: float, what: str, log: Path):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}\n"
                         f"{log.read_text(errors='replace')[-3000:]}")


def _launch(bootstrap: str, topics: Topics, group: str, log: Path, *extra: str) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli.main", "--log-level", "INFO", "run", "--bootstrap", bootstrap,
             "--prefix", topics.prefix, "--group-id", group, "--runner", "DirectRunner", "--mode", "streaming",
             "--allowed-lateness-s", "20", *extra],
            stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(PROJECT_ROOT)))


def _kill(launcher: subprocess.Popen) -> None:
    """kill -9, as a crash would; Prism dies with the launcher."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(launcher.pid, signal.SIGKILL)
    launcher.wait()


def test_kill_9_on_prism_and_a_restart_that_replays_the_state_lose_nothing(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, seed=5, n_pages=40, seeds_dir=SEEDS)
    messages = list(messages_from_jsonl(feed))

    reference = Topics(prefix=f"pr{os.getpid()}r{time.monotonic_ns() % 10**6}.")
    create_topics(bootstrap, reference)
    produce(bootstrap, reference.raw, messages, progress=False)
    run(JobSettings(bootstrap=bootstrap, topics=reference, group_id=f"g-{reference.prefix}"))
    reference_stories = final_stories(bootstrap, reference.stories)
    half = split_where_stories_span(bootstrap, reference, messages)
    quarter = half // 2

    topics = Topics(prefix=f"pr{os.getpid()}k{time.monotonic_ns() % 10**6}.")
    create_topics(bootstrap, topics)
    group = f"g-{topics.prefix}"

    def lag() -> int:
        return summarize(consumer_lag(bootstrap, topics.raw, group))["lag"]

    log = tmp_path / "run.log"
    produce(bootstrap, topics.raw, stamped_now(messages[:quarter]), progress=False)
    launcher = _launch(bootstrap, topics, group, log)
    try:
        # Committed means decided: the first quarter's stories are written once its lag is 0.
        _wait(lambda: launcher.poll() is None and lag() == 0, 300, "the first quarter decided", log)
        produce(bootstrap, topics.raw, stamped_now(messages[quarter:half]), progress=False)

        def second_quarter_read() -> bool:
            assert launcher.poll() is None, log.read_text(errors="replace")[-3000:]
            ledger = read_ledger(bootstrap, topics, check_stories=False)
            return ledger.articles + ledger.dead_input >= half

        _wait(second_quarter_read, 300, "the second quarter read", log)
        undecided = lag()
        _kill(launcher)
        # Read and written as articles, but not decided within the 20 s lateness: not committed.
        assert undecided > 0

        restart_log = tmp_path / "restart.log"
        launcher = _launch(bootstrap, topics, group, restart_log, "--restore", "latest")
        _wait(lambda: "to rebuild the dedup state" in restart_log.read_text(errors="replace"), 120,
              "the restart's replay plan", restart_log)
        produce(bootstrap, topics.raw, stamped_now(messages[half:]), progress=False)
        _wait(lambda: lag() == 0, 300, "lag to drain", restart_log)
        _wait(lambda: set(final_stories(bootstrap, topics.stories)) == set(reference_stories), 120,
              "the same final stories as the run never killed", restart_log)
    finally:
        _kill(launcher)
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    stories = {sid: codecs.encode("Story", s, "json") for sid, s in final_stories(bootstrap, topics.stories).items()}
    assert stories == {sid: codecs.encode("Story", s, "json") for sid, s in reference_stories.items()}


def test_a_plain_restart_of_a_group_that_committed_warns_that_its_state_is_empty(kafka_broker, caplog) -> None:
    from pipelines.kafka import client
    from pipelines.runners.launch import _warn_if_state_is_lost

    topics = Topics(prefix=f"pw{os.getpid()}{time.monotonic_ns() % 10**6}.")
    create_topics(kafka_broker.bootstrap, topics)
    job = JobSettings(bootstrap=kafka_broker.bootstrap, topics=topics, group_id=f"g-{topics.prefix}",
                      runner="PrismRunner", mode="streaming")
    _warn_if_state_is_lost(job)
    assert "empty dedup state" not in caplog.text  # a first start has nothing to lose
    with client.consumer_client(job.bootstrap, None, group_id=job.group_id) as consumer:
        client.commit(consumer, topics.raw, {0: 0})
    _warn_if_state_is_lost(job)
    assert "--restore latest" in caplog.text
