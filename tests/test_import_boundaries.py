"""Where Kafka clients and command-line parsers may live, checked on the source of every module.

Imports are read from the syntax tree (function-level imports included), so a lazy import inside
a function cannot slip past the way it would past a check of `sys.modules`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pipelines.config import PROJECT_ROOT

# kafka-python belongs to the Kafka package and to the Beam I/O that reads and writes inside the job.
KAFKA_PYTHON_ALLOWED = ("pipelines/kafka/", "pipelines/beam/kafka_io.py")
CLIENT_FACTORY = "pipelines/kafka/client.py"
CLIENT_CLASSES = {"KafkaConsumer", "KafkaProducer", "KafkaAdminClient"}
# Library packages: their functions take plain arguments; every parser is in pipelines/cli/.
NO_ARGPARSE = ("pipelines/kafka/", "pipelines/ops/", "pipelines/beam/", "pipelines/core/",
               "pipelines/quality/evaluation/", "pipelines/config.py")


def _parse_all() -> dict[str, ast.Module]:
    return {path.relative_to(PROJECT_ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
            for root in ("pipelines", "benchmarks") for path in sorted((PROJECT_ROOT / root).rglob("*.py"))}


# Parsed once, when the tests are collected: CPython 3.11 (gh-106905) can fail a parse with a
# spurious "AST constructor recursion depth mismatch" in a threaded process, and by the time these
# tests run, earlier tests have left runner and Kafka client threads behind (it failed CI twice).
_TREES = _parse_all()


def _modules() -> Iterator[tuple[str, ast.Module]]:
    yield from _TREES.items()


def _imported(tree: ast.Module, module: str) -> list[int]:
    """Lines that import `module` or one of its submodules."""
    lines = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from pipelines.runners import flink` imports pipelines.runners.flink
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        if any(name == module or name.startswith(module + ".") for name in names):
            lines.append(node.lineno)
    return lines


def test_the_walk_sees_the_modules_it_guards() -> None:
    seen = dict(_modules())
    assert _imported(seen[CLIENT_FACTORY], "kafka"), "the factory itself must show up as a kafka-python importer"
    assert _imported(seen["pipelines/cli/main.py"], "argparse")


def test_kafka_python_is_imported_only_by_the_kafka_package_and_the_beam_io() -> None:
    offenders = {path: lines for path, tree in _modules()
                 if not path.startswith(KAFKA_PYTHON_ALLOWED) and (lines := _imported(tree, "kafka"))}
    assert not offenders, f"import Kafka through pipelines.kafka.client instead: {offenders}"


def test_only_the_factory_constructs_kafka_clients() -> None:
    offenders = {}
    for path, tree in _modules():
        if path == CLIENT_FACTORY:
            continue
        calls = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "id", getattr(node.func, "attr", None)) in CLIENT_CLASSES]
        if calls:
            offenders[path] = calls
    assert not offenders, f"create clients with pipelines.kafka.client.consumer/producer/admin: {offenders}"


def test_library_modules_build_no_command_line_parsers() -> None:
    offenders = {path: lines for path, tree in _modules()
                 if path.startswith(NO_ARGPARSE) and (lines := _imported(tree, "argparse"))}
    assert not offenders, f"parsers belong in pipelines/cli/: {offenders}"


def test_flink_runner_modules_do_not_import_each_other() -> None:
    trees = dict(_modules())
    assert _imported(trees["pipelines/runners/flink.py"], "pipelines.runners.flink_metrics")
    assert not _imported(trees["pipelines/runners/flink_metrics.py"], "pipelines.runners.flink")


def test_broker_state_needs_no_client_so_the_bootstrap_rule_has_no_cycle() -> None:
    trees = dict(_modules())
    assert not _imported(trees["pipelines/kafka/broker_state.py"], "pipelines.kafka.client")
    assert not _imported(trees["pipelines/kafka/broker_state.py"], "pipelines.kafka.broker")
    assert not _imported(trees[CLIENT_FACTORY], "pipelines.kafka.broker")
