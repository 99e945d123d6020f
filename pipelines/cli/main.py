"""`newsbeam` command line: one subcommand per DESIGN §8 entry point."""

from __future__ import annotations

import argparse
import sys

import orjson

from pipelines.config import DEFAULT_BOOTSTRAP, DEFAULT_GROUP_ID, MAX_PAGE_BYTES, Topics


def _add_kafka_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bootstrap", default=None, help="Kafka bootstrap servers (default: the broker "
                        f"`newsbeam kafka start` runs, else {DEFAULT_BOOTSTRAP})")
    parser.add_argument("--prefix", default="", help="topic name prefix")


def resolve_bootstrap(value: str | None) -> str:
    """An explicit address, else the running project broker's, else the default."""
    if value:
        return value
    try:
        from pipelines.kafka.broker import running_bootstrap

        found = running_bootstrap()
    except Exception:
        found = None
    return found or DEFAULT_BOOTSTRAP


def _cmd_run(args: argparse.Namespace) -> int:
    from pipelines.config import JobSettings
    from pipelines.runners.launch import counters, run

    job = JobSettings(
        bootstrap=resolve_bootstrap(args.bootstrap),
        topics=Topics(args.prefix),
        group_id=args.group_id,
        runner=args.runner,
        mode=args.mode,
        start=args.start,
        output_format=args.output_format,
        output_dir=args.output_dir,
        file_format=args.file_format,
        max_page_bytes=args.max_page_bytes,
        commit_offsets=not args.no_commit,
        flink_master=args.flink_master,
        flink_batch=args.flink_batch,
        learn_boilerplate=args.learn_boilerplate,
        dedup=not args.no_dedup,
        metrics_port=args.metrics_port,
        flink_metrics_port=args.flink_metrics_port,
        horizon_ms=int(args.horizon_hours * 3600_000),
        allowed_lateness_ms=int(args.allowed_lateness_s * 1000),
        extra_beam_args=args.beam_args,
    )
    result = run(job, wait=True)
    print(orjson.dumps({"state": str(result.state), "counters": counters(result)}).decode())
    return 0


def _cmd_produce(args: argparse.Namespace) -> int:
    from pipelines.kafka.produce import messages_from_paths, produce

    topic = args.topic or Topics(args.prefix).raw
    count = produce(
        resolve_bootstrap(args.bootstrap),
        topic,
        messages_from_paths(args.paths, args.encoding, args.source, args.url_base),
        progress=not args.quiet,
    )
    print(orjson.dumps({"topic": topic, "produced": count}).decode())
    return 0


def _cmd_extract(args: argparse.Namespace) -> int:
    from pipelines.cli.extract import extract_command

    return extract_command(args)


def _cmd_demo(args: argparse.Namespace) -> int:
    from pipelines.cli.demo import demo

    return demo(args)


BENCHMARKS = {
    "pipeline": "benchmarks.pipeline_throughput",
    "extraction": "benchmarks.extraction",
    "language": "benchmarks.language",
    "dedup": "benchmarks.dedup",
    "dedup_beam": "benchmarks.dedup_beam",
    "streaming": "benchmarks.pipeline_streaming",
    "feed_quality": "benchmarks.feed_quality",
}
EVALUATIONS = {
    "extraction": "pipelines.quality.evaluation.extraction",
    "language": "pipelines.quality.evaluation.language",
    "dedup": "pipelines.quality.evaluation.dedup",
}


def _delegate(modules: dict[str, str], name: str, argv: list[str]) -> int:
    import importlib

    return int(importlib.import_module(modules[name]).main(argv) or 0)


def _cmd_bench(args: argparse.Namespace) -> int:
    names = list(BENCHMARKS) if args.which == "all" else [args.which]
    return max(_delegate(BENCHMARKS, name, args.rest) for name in names)


def _cmd_eval(args: argparse.Namespace) -> int:
    return _delegate(EVALUATIONS, args.which, args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbeam", description=__doc__)
    parser.add_argument("--log-level", default="WARNING")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the pipeline")
    _add_kafka_target(run)
    run.add_argument("--runner", default="DirectRunner", choices=["DirectRunner", "PrismRunner", "FlinkRunner"])
    run.add_argument("--mode", default="bounded", choices=["bounded", "streaming"])
    run.add_argument("--group-id", default=DEFAULT_GROUP_ID)
    run.add_argument("--start", default="committed", choices=["committed", "earliest", "latest"],
                     help="where to start when the group has no committed offset: committed falls back to earliest")
    run.add_argument("--output-format", default="avro", choices=["avro", "json"])
    run.add_argument("--output-dir", default=None, help="also write articles as files here (the lake sink)")
    run.add_argument("--file-format", default="jsonl", choices=["jsonl", "avro"])
    run.add_argument("--max-page-bytes", type=int, default=MAX_PAGE_BYTES)
    run.add_argument("--no-commit", action="store_true", help="do not commit consumer-group offsets")
    run.add_argument("--learn-boilerplate", action="store_true",
                     help="remove blocks a site repeats on many pages (learned per site in keyed state)")
    run.add_argument("--flink-master", default="[local]")
    run.add_argument("--flink-batch", action="store_true",
                     help="run a bounded job on Flink's batch mode (default: streaming mode, 3-5x faster for dedup)")
    run.add_argument("--flink-metrics-port", default=None, help="embedded Flink's Prometheus reporter port or range")
    run.add_argument("--no-dedup", action="store_true", help="articles and dead letters only: no stories or links")
    run.add_argument("--horizon-hours", type=float, default=48.0,
                     help="copies further apart in event time than this are different stories")
    run.add_argument("--allowed-lateness-s", type=float,
                     default=600.0,
                     help="a page's story is decided this long (watermark time) after it; records trailing "
                          "their partition by more go to the DLQ (stage dedup) after being written as articles")
    run.add_argument("beam_args", nargs="*", help="extra Beam pipeline options after --")
    run.set_defaults(func=_cmd_run)

    produce = sub.add_parser("produce", help="load JSONL, .html directories or WARC files onto the raw topic")
    _add_kafka_target(produce)
    produce.add_argument("paths", nargs="+")
    produce.add_argument("--topic", default=None)
    produce.add_argument("--encoding", default="avro", choices=["avro", "json"])
    produce.add_argument("--source", default=None)
    produce.add_argument("--url-base", default=None)
    produce.add_argument("--quiet", action="store_true")
    produce.set_defaults(func=_cmd_produce)

    extract = sub.add_parser("extract", help="print the Article JSON the pipeline makes of pages")
    extract.add_argument("files", nargs="*")
    extract.add_argument("--jsonl", default=None)
    extract.add_argument("--content-type", default=None)
    extract.add_argument("--url", default=None)
    extract.set_defaults(func=_cmd_extract)

    demo = sub.add_parser("demo", help="broker + sample feed + pipeline + summary, end to end")
    demo.add_argument("--pages", type=int, default=320)
    demo.add_argument("--keep-broker", action="store_true")
    demo.add_argument("--show", type=int, default=3)
    demo.set_defaults(func=_cmd_demo)

    bench = sub.add_parser("bench", help="benchmarks, one JSON line each (further options go to the benchmark)")
    bench.add_argument("which", nargs="?", default="pipeline", choices=[*BENCHMARKS, "all"])
    bench.set_defaults(func=_cmd_bench)

    evaluate = sub.add_parser("eval", help="quality evaluation on a labeled JSONL file (DESIGN §8)")
    evaluate.add_argument("which", choices=list(EVALUATIONS))
    evaluate.set_defaults(func=_cmd_eval)

    from pipelines.ops.dlq import add_dlq_parser
    from pipelines.ops.lag import add_lag_parser
    from pipelines.ops.logging_setup import add_log_format_argument
    from pipelines.ops.metrics_export import add_metrics_parser, add_metrics_port_argument
    from pipelines.ops.status import add_status_parser

    add_log_format_argument(parser)
    add_metrics_port_argument(run)
    for add in (add_lag_parser, add_dlq_parser, add_status_parser, add_metrics_parser):
        add(sub)
    try:
        from pipelines.kafka.broker import add_kafka_parser

        add_kafka_parser(sub)
    except ImportError:
        pass
    try:
        from pipelines.kafka.admin import add_topics_parser

        add_topics_parser(sub)
    except ImportError:
        pass
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command in ("bench", "eval"):
        args.rest = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    from pipelines.ops.logging_setup import configure_logging

    configure_logging(args.log_level, args.log_format)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())


