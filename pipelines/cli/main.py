"""`newsbeam` command line: one subcommand per DESIGN §8 entry point.

Every parser lives in pipelines/cli/ (one module per command group); the library modules they call
take plain arguments. Every command that talks to Kafka takes the same target flags
(pipelines/cli/common.py): --bootstrap (one rule, pipelines/kafka/client.py), --kafka-config, --prefix.
"""

from __future__ import annotations

import argparse
import sys

from pipelines.cli.bench import add_bench_parser
from pipelines.cli.dlq import add_dlq_parser
from pipelines.cli.eval import add_eval_parser
from pipelines.cli.flink import add_flink_parser
from pipelines.cli.kafka import add_kafka_parser
from pipelines.cli.ops import add_ops_parsers
from pipelines.cli.pipeline import add_pipeline_parsers
from pipelines.cli.topics import add_topics_parser
from pipelines.ops.logging_setup import FORMATS, configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbeam", description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--log-format", default="text", choices=FORMATS,
                        help="log lines as text or as one JSON object per line (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    add_pipeline_parsers(sub)  # run, produce, extract, demo
    add_bench_parser(sub)
    add_eval_parser(sub)
    add_ops_parsers(sub)  # lag, status, metrics
    add_dlq_parser(sub)
    add_kafka_parser(sub)
    add_flink_parser(sub)
    add_topics_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        args.rest = rest  # the benchmark's own options (`newsbeam bench -h` lists them)
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    configure_logging(args.log_level, args.log_format)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
