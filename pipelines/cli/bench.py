"""`newsbeam bench [NAME] [OPTIONS]`: the benchmarks of benchmarks/, one JSON line each.

The benchmarks are scripts (`python -m benchmarks.NAME`) that declare their own options; this
command runs one (or all) with the options that follow, and `newsbeam bench -h` lists them."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

BENCHMARKS = {
    "pipeline": "benchmarks.pipeline_throughput",
    "extraction": "benchmarks.extraction",
    "language": "benchmarks.language",
    "dedup": "benchmarks.dedup",
    "dedup_beam": "benchmarks.dedup_beam",
    "streaming": "benchmarks.pipeline_streaming",
    "latency": "benchmarks.story_latency",
    "feed_quality": "benchmarks.feed_quality",
    "cluster": "benchmarks.cluster_scale",
}


class _HelpWithBenchmarkOptions(argparse.Action):
    """-h for `bench`: the command's help, then every benchmark's usage line.

    The benchmark modules are imported only here, when help is asked for: they pull in Beam,
    trafilatura and fastText, which no other command should pay for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest=dest, nargs=0, help="show this help and every benchmark's options")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        lines = [parser.format_help(), "benchmark options:"]
        for name, module in BENCHMARKS.items():
            bench_parser = importlib.import_module(module).build_parser()
            bench_parser.prog = f"newsbeam bench {name}"
            lines.append("  " + bench_parser.format_usage().removeprefix("usage: ").strip())
        print("\n".join(lines))
        parser.exit()


def add_bench_parser(subparsers: Any) -> argparse.ArgumentParser:
    bench = subparsers.add_parser("bench", add_help=False, description=__doc__.splitlines()[0],
                                  help="benchmarks, one JSON line each (further options go to the benchmark)")
    bench.add_argument("-h", "--help", action=_HelpWithBenchmarkOptions)
    bench.add_argument("which", nargs="?", default="pipeline", choices=[*BENCHMARKS, "all"])
    bench.set_defaults(func=cli_bench)
    return bench


def run_benchmark(name: str, argv: list[str]) -> int:
    return int(importlib.import_module(BENCHMARKS[name]).main(argv) or 0)


def cli_bench(args: argparse.Namespace) -> int:
    names = list(BENCHMARKS) if args.which == "all" else [args.which]
    return max(run_benchmark(name, list(args.rest)) for name in names)
