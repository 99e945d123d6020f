"""kill -9 of `newsbeam run` on Prism mid-stream, then `newsbeam run --restore latest`: Prism keeps
no checkpoints, so the job commits offsets only once decisions are written, and the restart
re-reads the input before the committed offsets to rebuild its dedup state, writing nothing of it
again. The final stories equal those of a run that was never killed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipelines.config import JobSettings, Topics
from pipelines.kafka.admin import create_topics
from pipelines.kafka.ledger import final_stories, read_ledger
from pipelines.kafka.produce import produce
from pipelines.ops.lag import consumer_lag, summarize
from tests.restart_halves import assert_same_final_stories, kill_9, launch_run, reference_run, stamped_now, wait_for

pytestmark = pytest.mark.integration


def _launch(bootstrap: str, topics: Topics, group: str, log: Path, *extra: str):
    return launch_run(log, "--bootstrap", bootstrap, "--prefix", topics.prefix, "--group-id", group,
                      "--runner", "DirectRunner", "--mode", "streaming", "--allowed-lateness-s", "20", *extra)


def test_kill_9_on_prism_and_a_restart_that_replays_the_state_lose_nothing(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    reference = reference_run(bootstrap, tmp_path, "pr")
    messages, half = reference.messages, reference.half
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
        wait_for(lambda: launcher.poll() is None and lag() == 0, 300, "the first quarter decided", log)
        produce(bootstrap, topics.raw, stamped_now(messages[quarter:half]), progress=False)

        def second_quarter_read() -> bool:
            assert launcher.poll() is None, log.read_text(errors="replace")[-3000:]
            ledger = read_ledger(bootstrap, topics, check_stories=False)
            return ledger.articles + ledger.dead_input >= half

        wait_for(second_quarter_read, 300, "the second quarter read", log)
        undecided = lag()
        kill_9(launcher)
        # Read and written as articles, but not decided within the 20 s lateness: not committed.
        assert undecided > 0

        restart_log = tmp_path / "restart.log"
        launcher = _launch(bootstrap, topics, group, restart_log, "--restore", "latest")
        wait_for(lambda: "to rebuild the dedup state" in restart_log.read_text(errors="replace"), 120,
              "the restart's replay plan", restart_log)
        produce(bootstrap, topics.raw, stamped_now(messages[half:]), progress=False)
        wait_for(lambda: lag() == 0, 300, "lag to drain", restart_log)
        wait_for(lambda: set(final_stories(bootstrap, topics.stories)) == set(reference.stories), 120,
              "the same final stories as the run never killed", restart_log)
    finally:
        kill_9(launcher)
    assert_same_final_stories(bootstrap, topics, reference)


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


def test_the_plan_commits_a_start_the_group_has_not_reached_and_never_moves_it_back(kafka_broker) -> None:
    """The commit frontier starts at the group's offset, so the plan commits where it starts reading
    when that is further on (a first start, `--start latest`), and never commits backwards."""
    from pipelines.beam.kafka_io import plan_slices
    from pipelines.core.records import KafkaMessage
    from pipelines.kafka.client import committed_offsets

    bootstrap = kafka_broker.bootstrap
    topics = Topics(prefix=f"pp{os.getpid()}{time.monotonic_ns() % 10**6}.")
    create_topics(bootstrap, topics, partitions=1)
    produce(bootstrap, topics.raw, [KafkaMessage(b"k", b"v", (), None)] * 3, progress=False)
    group = f"g-{topics.prefix}"
    assert [s.start for s in plan_slices(bootstrap, topics.raw, group, "latest", False, commit_starts=True)] == [3]
    assert committed_offsets(bootstrap, group, topics.raw) == {0: 3}
    assert [s.start for s in plan_slices(bootstrap, topics.raw, group, "earliest", False, commit_starts=True)] == [0]
    assert committed_offsets(bootstrap, group, topics.raw) == {0: 3}
