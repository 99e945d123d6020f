"""Shared fixtures: a real Kafka broker for the session and fresh topics per test.

Set NEWSBEAM_TEST_BOOTSTRAP=host:port to run the integration tests against an existing
broker instead of starting one (topics get unique prefixes, so a shared cluster is fine).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.config import Topics


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: needs a real Kafka broker (Java 17 + Maven-fetched jars, or NEWSBEAM_TEST_BOOTSTRAP)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Anything that touches the broker is an integration test, marked or not, so that
    # `-m "not integration"` reliably gives a broker-free run.
    for item in items:
        if "kafka_broker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True)
class ExternalBroker:
    """Stands in for BrokerHandle when the tests use a broker they did not start."""

    bootstrap: str
    pid: int | None = None
    state_file: str | None = None


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A running broker for the whole session; has `.bootstrap` (and `.pid` when local)."""
    external = os.environ.get("NEWSBEAM_TEST_BOOTSTRAP")
    if external:
        yield ExternalBroker(external)
        return
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("Java 17 is needed to run the Kafka broker (or set NEWSBEAM_TEST_BOOTSTRAP)")
    from pipelines.kafka import broker as kb

    kb.ensure_kafka_jars()
    root: Path = tmp_path_factory.mktemp("kafka")
    # A private state dir: the session broker never shows up as the user's `newsbeam kafka` one.
    handle = kb.start(root / "data", state_dir=root / "state", timeout=120)
    try:
        yield handle
    finally:
        kb.stop(handle)


@pytest.fixture
def topics(kafka_broker: object) -> Topics:
    """The DESIGN §4 topics under a fresh prefix, created on the session broker."""
    from pipelines.kafka.admin import create_topics

    created = Topics(prefix=f"t{uuid.uuid4().hex[:8]}.")
    create_topics(kafka_broker.bootstrap, created)  # type: ignore[attr-defined]
    return created


def pytest_sessionfinish(session, exitstatus):
    """Streaming jobs cancelled in-process leave SDK worker threads whose Kafka clients retry the
    stopped broker until the interpreter exits; their reconnect chatter is not a test result."""
    import logging

    logging.getLogger("kafka").setLevel(logging.CRITICAL)
