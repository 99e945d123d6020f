"""kill -9 of `newsbeam run` on the embedded Flink mid-stream, then `newsbeam run --restore latest`:
the job resumes from its own last retained checkpoint (dedup state and offsets together), and the
final stories equal those of a run that was never killed."""

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
from pipelines.runners.flink_restore import embedded_checkpoints_dir
from tests.restart_halves import assert_same_final_stories, kill_9, launch_run, reference_run, stamped_now, wait_for

pytestmark = pytest.mark.integration


def _complete_checkpoints(folder: Path) -> set[Path]:
    return {p.parent for p in folder.glob("*/chk-*/_metadata")}


def _launch(bootstrap: str, topics: Topics, group: str, log: Path, *extra: str):
    return launch_run(log, "--bootstrap", bootstrap, "--prefix", topics.prefix, "--group-id", group,
                      "--runner", "FlinkRunner", "--mode", "streaming", "--allowed-lateness-s", "30", *extra,
                      "--", "--checkpointing_interval=2000")


def test_kill_9_of_the_launcher_and_a_restart_with_restore_lose_nothing(kafka_broker, tmp_path) -> None:
    bootstrap = kafka_broker.bootstrap
    reference = reference_run(bootstrap, tmp_path, "rs")
    messages, half = reference.messages, reference.half

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

        wait_for(first_half_read, 300, "the first half read", log)
        before = _complete_checkpoints(checkpoints)
        wait_for(lambda: _complete_checkpoints(checkpoints) - before, 60, "a checkpoint after the first half", log)
        kill_9(launcher)
        lost_job = {p.parent.name for p in _complete_checkpoints(checkpoints)}
        assert len(lost_job) == 1

        restart_log = tmp_path / "restart.log"
        launcher = _launch(bootstrap, topics, group, restart_log, "--restore", "latest")
        # A checkpoint of the new job (a folder of its own) says it runs and reads.
        wait_for(lambda: {p.parent.name for p in _complete_checkpoints(checkpoints)} - lost_job, 300,
              "the restarted job's first checkpoint", restart_log)
        restored = [line for line in restart_log.read_text(errors="replace").splitlines() if "Restoring job" in line]
        assert restored and f"/{lost_job.pop()}/chk-" in restored[0], restored or restart_log.read_text()[-3000:]
        produce(bootstrap, topics.raw, stamped_now(messages[half:]), progress=False)
        wait_for(lambda: summarize(consumer_lag(bootstrap, topics.raw, group))["lag"] == 0, 300, "lag to drain", log)
        wait_for(lambda: set(final_stories(bootstrap, topics.stories)) == set(reference.stories), 300,
              "the same final stories as the run never killed", log)
    finally:
        kill_9(launcher)
    assert_same_final_stories(bootstrap, topics, reference)
