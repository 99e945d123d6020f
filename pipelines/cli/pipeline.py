"""`newsbeam run`, `produce`, `extract` and `demo`: the pipeline itself, its input and a look at both."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

from pipelines.cli.common import add_kafka_target, kafka_target
from pipelines.cli.ops import add_metrics_port_argument
from pipelines.config import DEFAULT_SETTLE_MS, MAX_PAGE_BYTES, ONE_GROUP_DEDUP_LIMIT, RUNNERS


def add_pipeline_parsers(subparsers: Any) -> None:
    """Register `run`, `produce`, `extract` and `demo` on an argparse subparsers object."""
    add_run_parser(subparsers)
    add_produce_parser(subparsers)
    add_extract_parser(subparsers)
    add_demo_parser(subparsers)


def add_run_parser(subparsers: Any) -> argparse.ArgumentParser:
    run = subparsers.add_parser("run", help="run the pipeline")
    add_kafka_target(run)
    run.add_argument("--runner", default="DirectRunner", choices=RUNNERS)
    run.add_argument("--mode", default="bounded", choices=["bounded", "streaming"])
    run.add_argument("--start", default="committed", choices=["committed", "earliest", "latest"],
                     help="where to start when the group has no committed offset: committed falls back to earliest")
    run.add_argument("--output-format", default="avro", choices=["avro", "json"])
    run.add_argument("--output-dir", default=None, help="also write articles as files here (the lake sink)")
    run.add_argument("--file-format", default="jsonl", choices=["jsonl", "avro"])
    run.add_argument("--max-page-bytes", type=int, default=MAX_PAGE_BYTES)
    run.add_argument("--no-commit", action="store_true", help="do not commit consumer-group offsets")
    run.add_argument("--learn-boilerplate", action="store_true",
                     help="remove blocks a site repeats on many pages (learned per site in keyed state)")
    run.add_argument("--flink-master", default="[local]",
                     help="[local] for an embedded Flink, or a cluster's REST address (newsbeam flink start prints it)")
    run.add_argument("--parallelism", type=int, default=None,
                     help="Flink: subtasks per step, at most the raw topic's partitions "
                          "(default: the cluster's; embedded, one per SDK worker process)")
    run.add_argument("--sdk-workers", type=int, default=None, metavar="N",
                     help="Python worker processes on this machine (DirectRunner, embedded Flink); "
                          "default: 1, inside this process")
    run.add_argument("--restore", default=None, metavar="latest|PATH",
                     help="streaming restart after a crash. Flink: resume from this pipeline's newest retained "
                          "checkpoint (latest; same broker, raw topic and group) or from a checkpoint or savepoint "
                          "folder. Prism (latest only): rebuild the dedup state by re-reading the input before "
                          "the committed offsets, writing nothing of it again")
    run.add_argument("--flink-batch", action="store_true",
                     help="run a bounded job on Flink's batch mode (default: streaming mode, 3-5x faster for dedup)")
    run.add_argument("--flink-metrics-port", default=None, help="embedded Flink's Prometheus reporter port or range")
    run.add_argument("--no-dedup", action="store_true", help="articles and dead letters only: no stories or links")
    run.add_argument("--horizon-hours", type=float, default=48.0,
                     help="copies further apart in event time than this are different stories")
    run.add_argument("--allowed-lateness-s", type=float, default=600.0,
                     help="a page's story is decided this long (watermark time) after it; records trailing "
                          "their partition by more go to the DLQ (stage dedup) after being written as articles")
    run.add_argument("--one-group-dedup-limit", type=int, default=ONE_GROUP_DEDUP_LIMIT, metavar="RECORDS",
                     help="bounded: dedup a run of at most this many raw records in one group, on one worker "
                          "(faster; that worker holds every document); larger runs use the keyed steps (0: always)")
    run.add_argument("--provisional-settle-ms", type=int, default=DEFAULT_SETTLE_MS,
                     help="streaming: fire each article's provisional story once every Index partition has judged it, "
                          "or this long after it reaches dedup if one is slower (0: final stories only)")
    add_metrics_port_argument(run)
    run.add_argument("beam_args", nargs="*", help="extra Beam pipeline options after --")
    run.set_defaults(func=cli_run)
    return run


def cli_run(args: argparse.Namespace) -> int:
    from pipelines.config import JobSettings
    from pipelines.runners.launch import counters, run

    target = kafka_target(args)
    job = JobSettings(
        bootstrap=target.bootstrap,
        topics=target.topics,
        group_id=args.group_id,
        runner=args.runner,
        mode=args.mode,
        start=args.start,
        output_format=args.output_format,
        output_dir=args.output_dir,
        file_format=args.file_format,
        max_page_bytes=args.max_page_bytes,
        commit_offsets=not args.no_commit,
        # One settings dict for both: pipelines.kafka.client gives each kind of client its own keys.
        consumer_config=dict(target.client_config),
        producer_config=dict(target.client_config),
        flink_master=args.flink_master,
        parallelism=args.parallelism,
        sdk_workers=args.sdk_workers,
        flink_batch=args.flink_batch,
        learn_boilerplate=args.learn_boilerplate,
        dedup=not args.no_dedup,
        metrics_port=args.metrics_port,
        flink_metrics_port=args.flink_metrics_port,
        horizon_ms=int(args.horizon_hours * 3600_000),
        allowed_lateness_ms=int(args.allowed_lateness_s * 1000),
        provisional_settle_ms=args.provisional_settle_ms or None,
        one_group_dedup_limit=args.one_group_dedup_limit,
        restore=args.restore,
        extra_beam_args=args.beam_args,
    )
    from pipelines.runners.flink_restore import NoCheckpoint
    from pipelines.runners.launch import JobEnded

    try:
        result = run(job, wait=True)
    except NoCheckpoint as exc:
        print(f"newsbeam run: {exc}", file=sys.stderr)
        return 2
    except JobEnded as exc:  # a bounded job that did not finish, a streaming job that stopped by itself
        print(f"newsbeam run: {exc}", file=sys.stderr)
        exit_even_if_threads_linger(1)
        return 1
    print(orjson.dumps({"state": str(result.state), "counters": counters(result)}).decode())
    return 0


LINGER_GRACE_S = 20.0


def exit_even_if_threads_linger(rc: int, grace_s: float = LINGER_GRACE_S) -> None:
    """Make sure the process ends with `rc` within `grace_s`, even if threads it cannot stop are
    still running. Why: a job that failed can leave its runner's threads behind (Prism's loopback
    SDK harness, gRPC streams to a runner that is gone), and the interpreter waits for every such
    thread at exit, so `newsbeam run` had reported the failure and then never ended (seen in CI)."""
    import os
    import threading

    def force_exit() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)

    timer = threading.Timer(grace_s, force_exit)
    timer.daemon = True  # runs on through interpreter shutdown, which joins only non-daemon threads
    timer.start()


def add_produce_parser(subparsers: Any) -> argparse.ArgumentParser:
    produce = subparsers.add_parser("produce", help="load JSONL, .html directories or WARC files onto the raw topic")
    add_kafka_target(produce, group=False)
    produce.add_argument("paths", nargs="+")
    produce.add_argument("--topic", default=None)
    produce.add_argument("--encoding", default="avro", choices=["avro", "json"])
    produce.add_argument("--source", default=None)
    produce.add_argument("--url-base", default=None)
    produce.add_argument("--quiet", action="store_true")
    produce.set_defaults(func=cli_produce)
    return produce


def cli_produce(args: argparse.Namespace) -> int:
    from pipelines.kafka.produce import messages_from_paths, produce

    target = kafka_target(args)
    topic = args.topic or target.topics.raw
    count = produce(target.bootstrap, topic, messages_from_paths(args.paths, args.encoding, args.source, args.url_base),
                    progress=not args.quiet, producer_config=target.client_config)
    print(orjson.dumps({"topic": topic, "produced": count}).decode())
    return 0


def add_extract_parser(subparsers: Any) -> argparse.ArgumentParser:
    extract = subparsers.add_parser("extract", help="print the Article JSON the pipeline makes of pages")
    extract.add_argument("files", nargs="*")
    extract.add_argument("--jsonl", default=None)
    extract.add_argument("--content-type", default=None)
    extract.add_argument("--url", default=None)
    extract.set_defaults(func=cli_extract)
    return extract


def cli_extract(args: argparse.Namespace) -> int:
    from pipelines.cli.extract import extract_command

    return extract_command(args)


def add_demo_parser(subparsers: Any) -> argparse.ArgumentParser:
    demo = subparsers.add_parser("demo", help="broker + sample feed + pipeline + summary, end to end")
    demo.add_argument("--pages", type=int, default=320)
    demo.add_argument("--keep-broker", action="store_true")
    demo.add_argument("--show", type=int, default=3)
    demo.set_defaults(func=cli_demo)
    return demo


def cli_demo(args: argparse.Namespace) -> int:
    from pipelines.cli.demo import demo

    return demo(args)
