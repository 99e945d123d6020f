"""The job on a real multi-process Flink cluster (`newsbeam flink start`): a JobManager and two
TaskManagers as separate JVMs, SDK workers from the project's worker pool, and the real broker."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from pipelines.config import JobSettings, Topics
from pipelines.core import codecs
from pipelines.kafka.admin import create_topics
from pipelines.kafka.ledger import final_stories, read_ledger
from pipelines.kafka.produce import messages_from_jsonl, produce
from pipelines.kafka.topics import read_all
from pipelines.ops.lag import consumer_lag, summarize
from pipelines.quality.samplefeed.generate import write_feed
from pipelines.runners import flink_cluster
from pipelines.runners.launch import cancel, run

pytestmark = pytest.mark.integration
SEEDS = Path(__file__).parent / "data" / "seeds"


@pytest.fixture(scope="module")
def cluster():
    """One cluster for the module: started here, stopped here, whatever the tests did to it."""
    flink_cluster.stop()  # a cluster left by an interrupted earlier run
    state = flink_cluster.start(taskmanagers=2, slots=1)
    try:
        yield state
    finally:
        flink_cluster.stop()


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("feed") / "feed.jsonl"
    write_feed(path, seed=5, n_pages=40, seeds_dir=SEEDS)
    return path


def _fresh_topics(bootstrap: str, feed: Path, label: str) -> Topics:
    topics = Topics(prefix=f"c{os.getpid()}{label}{time.monotonic_ns() % 10**6}.")
    create_topics(bootstrap, topics)
    produce(bootstrap, topics.raw, messages_from_jsonl(feed), progress=False)
    return topics


def _final(bootstrap: str, topics: Topics) -> tuple[dict[str, bytes], set[tuple]]:
    """Final story records by id (as bytes) and the set of links by what they connect."""
    stories = {sid: codecs.encode("Story", s, "json") for sid, s in final_stories(bootstrap, topics.stories).items()}
    links = {(link["from_story"], link["type"], link["to_story"], link["to_url"])
             for link in (codecs.decode("StoryLink", r.value) for r in read_all(bootstrap, topics.links))}
    return stories, links


def test_cluster_runs_processes_of_its_own_on_loopback(cluster):
    status = flink_cluster.status()
    assert status["running"] and status["taskmanagers"] == 2 and status["slots_total"] == 2
    pids = {cluster.jobmanager_pid, *cluster.taskmanager_pids}
    assert len(pids) == 3 and all(flink_cluster._alive(pid) for pid in pids)
    assert status["rest"].startswith("127.0.0.1:")


def test_bounded_run_at_parallelism_two_equals_the_direct_runner(kafka_broker, cluster, feed):
    bootstrap = kafka_broker.bootstrap
    direct = _fresh_topics(bootstrap, feed, "d")
    run(JobSettings(bootstrap=bootstrap, topics=direct, group_id=f"g-{direct.prefix}"))
    on_cluster = _fresh_topics(bootstrap, feed, "f")
    result = run(JobSettings(bootstrap=bootstrap, topics=on_cluster, group_id=f"g-{on_cluster.prefix}",
                             runner="FlinkRunner", flink_master=cluster.rest_address, parallelism=2))
    assert str(result.state).endswith("DONE")
    ledger = read_ledger(bootstrap, on_cluster)
    assert ledger.holds, ledger.describe()
    assert ledger.articles == read_ledger(bootstrap, direct).articles
    direct_stories, direct_links = _final(bootstrap, direct)
    cluster_stories, cluster_links = _final(bootstrap, on_cluster)
    assert cluster_stories.keys() == direct_stories.keys()
    assert cluster_stories == direct_stories, "final story records are byte-identical"
    assert cluster_links == direct_links
    # Both TaskManagers worked: the job's vertices ran with two subtasks each.
    jobs = flink_cluster.rest(cluster, "/jobs/overview")["jobs"]
    finished = [j for j in jobs if j["state"] == "FINISHED"]
    assert finished
    detail = flink_cluster.rest(cluster, f"/jobs/{finished[-1]['jid']}")
    assert max(v["parallelism"] for v in detail["vertices"]) == 2


def _sdk_workers() -> list[int]:
    """Pids of SDK worker processes started by the cluster's worker pool (not by an embedded job's
    local pool: runners/local_workers.py)."""
    pool = flink_cluster.read_state().worker_pool_pid
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
            parent = int((cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"pipelines.runners.worker_pool" in args and b"sdk-worker" in args and parent == pool:
            found.append(int(cmdline.parent.name))
    return found


def _wait(condition, timeout_s: float, what: str, every_s: float = 2.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def test_a_killed_taskmanager_is_replaced_and_the_job_restores_from_its_checkpoint(kafka_broker, cluster, feed):
    """kill -9 one TaskManager mid-stream, start a replacement: Flink restores the job from its
    last checkpoint, the lag drains, every record is accounted for by key and the final stories
    equal those of a failure-free bounded run."""
    bootstrap = kafka_broker.bootstrap
    reference = _fresh_topics(bootstrap, feed, "r")
    run(JobSettings(bootstrap=bootstrap, topics=reference, group_id=f"g-{reference.prefix}"))
    topics = _fresh_topics(bootstrap, feed, "k")
    group = f"g-{topics.prefix}"
    job = JobSettings(bootstrap=bootstrap, topics=topics, group_id=group, runner="FlinkRunner",
                      flink_master=cluster.rest_address, parallelism=2, mode="streaming", start="earliest",
                      allowed_lateness_ms=5_000, extra_beam_args=["--checkpointing_interval=2000"])
    result = run(job, wait=False)
    try:
        _wait(lambda: read_ledger(bootstrap, topics).articles > 0, 240, "the first articles")
        killed = flink_cluster.kill_taskmanager(0, cluster)
        assert not flink_cluster._alive(killed) or _wait(lambda: not flink_cluster._alive(killed), 10, "the kill")
        flink_cluster.start_taskmanager(cluster)
        _wait(lambda: flink_cluster.registered_taskmanagers(cluster) == 2, 120, "the replacement TaskManager")
        _wait(lambda: summarize(consumer_lag(bootstrap, topics.raw, group))["lag"] == 0, 300, "lag to drain")
        reference_stories, _ = _final(bootstrap, reference)
        _wait(lambda: set(final_stories(bootstrap, topics.stories)) == set(reference_stories), 300,
              "the same final stories as the failure-free run")
    finally:
        cancel(result)
    # Cancelled on the cluster too (Beam's job server alone left it running there), and no SDK
    # worker outlives it: not the killed TaskManager's, not the failed attempt's.
    assert flink_cluster.status()["jobs_running"] == 0
    _wait(lambda: not _sdk_workers(), 60, "the job's SDK workers to exit")
    # By key: a restore from a checkpoint re-reads the records after it, so some messages are
    # written twice, identical and under the same keys (at-least-once input, keyed output).
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    article_keys = {r.key for r in read_all(bootstrap, topics.articles)}
    assert article_keys == {r.key for r in read_all(bootstrap, reference.articles)}
    stories, _ = _final(bootstrap, topics)
    assert stories == _final(bootstrap, reference)[0]
    restarts = flink_cluster.rest(cluster, "/jobs/overview")["jobs"]
    assert restarts, "the job ran on the cluster"


def _checkpoints(state, flink_job_id: str) -> dict:
    """The job's checkpoint statistics ({} while Flink has none to show: 500 until it runs)."""
    import urllib.error

    try:
        return flink_cluster.rest(state, f"/jobs/{flink_job_id}/checkpoints")
    except urllib.error.HTTPError:
        return {}


def _completed_checkpoints(state, flink_job_id: str) -> int:
    return _checkpoints(state, flink_job_id).get("counts", {}).get("completed", 0)


def test_a_job_lost_with_its_cluster_resumes_from_its_retained_checkpoint(kafka_broker, cluster, feed):
    """kill -9 the whole cluster mid-stream (JobManager, TaskManagers, worker pool), start a new one
    and the job again with `--restore latest`: it resumes from its own last retained checkpoint, so
    the pages produced after the crash join the stories founded before it, and the final stories
    equal those of a run that never crashed. Without the restore they would found stories of
    their own (the test checks that the feed has such stories)."""
    from dataclasses import replace

    from pipelines.runners.flink_restore import LATEST, submitted_jobs
    from tests.restart_halves import split_where_stories_span, stamped_now

    bootstrap = kafka_broker.bootstrap
    reference = _fresh_topics(bootstrap, feed, "r")
    run(JobSettings(bootstrap=bootstrap, topics=reference, group_id=f"g-{reference.prefix}"))
    reference_stories, _ = _final(bootstrap, reference)
    messages = list(messages_from_jsonl(feed))
    half = split_where_stories_span(bootstrap, reference, messages)

    topics = Topics(prefix=f"c{os.getpid()}x{time.monotonic_ns() % 10**6}.")
    create_topics(bootstrap, topics)
    produce(bootstrap, topics.raw, stamped_now(messages[:half]), progress=False)
    group = f"g-{topics.prefix}"
    job = JobSettings(bootstrap=bootstrap, topics=topics, group_id=group, runner="FlinkRunner",
                      flink_master=cluster.rest_address, parallelism=2, mode="streaming", start="committed",
                      allowed_lateness_ms=30_000, extra_beam_args=["--checkpointing_interval=2000"])
    state_dir = flink_cluster.cluster_state_dir()
    lost = run(job, wait=False)
    new_cluster = None
    try:
        lost_id = submitted_jobs(job, state_dir)[0]
        _wait(lambda: read_ledger(bootstrap, topics).articles + read_ledger(bootstrap, topics).dead_input >= half,
              240, "the first half read")
        completed = _completed_checkpoints(cluster, lost_id)
        _wait(lambda: _completed_checkpoints(cluster, lost_id) > completed, 60,
              "a checkpoint after the first half")
        flink_cluster.crash(cluster)
        with contextlib.suppress(Exception):  # its cluster is gone: nothing there to cancel
            cancel(lost, timeout_s=10)

        new_cluster = flink_cluster.start(taskmanagers=2, slots=1)
        restored = run(replace(job, flink_master=new_cluster.rest_address, restore=LATEST), wait=False)
        try:
            restored_id = submitted_jobs(job, state_dir)[0]
            assert restored_id != lost_id
            source = _wait(lambda: (_checkpoints(new_cluster, restored_id).get("latest") or {}).get("restored"),
                           120, "the restore")
            assert f"/{lost_id}/chk-" in source["external_path"], source
            produce(bootstrap, topics.raw, stamped_now(messages[half:]), progress=False)
            _wait(lambda: summarize(consumer_lag(bootstrap, topics.raw, group))["lag"] == 0, 300, "lag to drain")
            _wait(lambda: set(final_stories(bootstrap, topics.stories)) == set(reference_stories), 300,
                  "the same final stories as the run without a crash")
        finally:
            cancel(restored)
    finally:
        if new_cluster is None:
            with contextlib.suppress(Exception):
                cancel(lost, timeout_s=10)
    ledger = read_ledger(bootstrap, topics)
    assert ledger.holds, ledger.describe()
    stories, _ = _final(bootstrap, topics)
    assert stories == reference_stories
