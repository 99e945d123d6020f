"""The job on the standalone Flink cluster at parallelism 1 and 2, in one run, over the same pages
in a 4-partition raw topic; then a streaming run with checkpoints for the checkpoint size.

Prints one JSON line: pages/s at each parallelism (job submission to end, start-up included), the
ratio of parallelism 2 to 1, and the size of the last completed checkpoint per 1,000 documents
that entered dedup (counted by the bounded run: a cancelled streaming job's counters are lost).
Starts a cluster (2 TaskManagers x 1 slot) and a broker of its own unless a cluster from
`newsbeam flink start` is running."""

from __future__ import annotations

import argparse
import json
import sys
import time

from pipelines.config import JobSettings, Topics
from pipelines.core import codecs
from pipelines.quality.samplefeed.generate import generate_feed
from pipelines.runners import flink_cluster


def _pages(n: int) -> list[dict]:
    lines = [line for line in generate_feed(seed=3, n_pages=n) if "value_b64" not in line]
    return [codecs.raw_page_from_json(line) for line in lines]


def _topics(bootstrap: str, pages: list[dict], label: str) -> Topics:
    from pipelines.kafka.admin import create_topics
    from pipelines.kafka.produce import page_message, produce

    topics = Topics(f"scale{label}{time.monotonic_ns() % 10**8}.")
    create_topics(bootstrap, topics)
    produce(bootstrap, topics.raw, (page_message(p) for p in pages), progress=False)
    return topics


def bounded_rate(bootstrap: str, cluster: flink_cluster.ClusterState, pages: list[dict], parallelism: int
                 ) -> tuple[float, dict]:
    from pipelines.runners.launch import counters, run

    topics = _topics(bootstrap, pages, f"p{parallelism}")
    start = time.perf_counter()
    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=f"g-{topics.prefix}", runner="FlinkRunner",
                             flink_master=cluster.rest_address, parallelism=parallelism))
    return len(pages) / (time.perf_counter() - start), counters(result)


def checkpoint_bytes(bootstrap: str, cluster: flink_cluster.ClusterState, pages: list[dict],
                     timeout_s: float = 600.0) -> int:
    """Bytes of the newest completed checkpoint once every page is read and committed."""
    from pipelines.ops.lag import consumer_lag, summarize
    from pipelines.runners.launch import cancel, run

    topics = _topics(bootstrap, pages, "ckpt")
    group = f"g-{topics.prefix}"
    result = run(JobSettings(bootstrap=bootstrap, topics=topics, group_id=group, runner="FlinkRunner",
                             flink_master=cluster.rest_address, parallelism=2, mode="streaming", start="earliest",
                             extra_beam_args=["--checkpointing_interval=5000"]), wait=False)
    try:
        deadline = time.monotonic() + timeout_s
        while summarize(consumer_lag(bootstrap, topics.raw, group))["lag"] != 0:
            if time.monotonic() > deadline:
                raise TimeoutError("the streaming job did not catch up")
            time.sleep(2)
        time.sleep(10)  # one more checkpoint after the last commit
        running = [j for j in flink_cluster.rest(cluster, "/jobs/overview")["jobs"] if j["state"] == "RUNNING"]
        latest = flink_cluster.rest(cluster, f"/jobs/{running[0]['jid']}/checkpoints")["latest"]["completed"]
        size = int(latest.get("checkpointed_size") or latest.get("state_size") or 0)
    finally:
        cancel(result)
    return size


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(prog="newsbeam bench cluster", description=__doc__)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--no-checkpoint", action="store_true", help="skip the streaming checkpoint-size run")
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipelines.kafka.broker import KafkaBroker, ensure_kafka_jars

    args = build_parser().parse_args(argv)
    pages = _pages(args.pages)
    ensure_kafka_jars()
    own_cluster = flink_cluster.read_state() is None
    cluster = flink_cluster.start(taskmanagers=2, slots=1) if own_cluster else flink_cluster.read_state()
    try:
        with KafkaBroker() as broker:
            one, _ = bounded_rate(broker.bootstrap, cluster, pages, 1)
            two, job = bounded_rate(broker.bootstrap, cluster, pages, 2)
            assert job.get("pages_read") == len(pages), job
            docs = job.get("dedup_docs", 0)  # the same pages give the same documents in every run
            size = 0 if args.no_checkpoint else checkpoint_bytes(broker.bootstrap, cluster, pages)
    finally:
        if own_cluster:
            flink_cluster.stop()
    status = {"taskmanagers": len(cluster.taskmanager_pids), "slots_per_taskmanager": cluster.slots}
    print(json.dumps({
        "benchmark": "cluster_scale",
        "pages": len(pages),
        "raw_partitions": 4,
        **status,
        "parallelism_1_pages_per_s": round(one, 2),
        "parallelism_2_pages_per_s": round(two, 2),
        "ratio_2_to_1": round(two / one, 3),
        "checkpoint_bytes": size,
        "dedup_docs": docs,
        "checkpoint_bytes_per_1000_docs": round(size * 1000 / docs) if docs else None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
