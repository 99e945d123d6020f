"""Schema evolution: every schema in schemas/ must read data written with each released version."""

from pathlib import Path

import avro.schema
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from pipelines.core.codecs import RECORD_NAMES, schema_path

HISTORY = Path(__file__).parent / "data" / "schema_history"


def _released(name: str) -> list[Path]:
    return sorted(HISTORY.glob(f"{name}.v*.avsc"))


@pytest.mark.parametrize("name", RECORD_NAMES)
def test_current_schema_reads_every_released_version(name):
    released = _released(name)
    assert released, f"no released version of {name} kept in {HISTORY}"
    reader = avro.schema.parse(schema_path(name).read_text())
    for path in released:
        writer = avro.schema.parse(path.read_text())
        result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
        assert result.compatibility is SchemaCompatibilityType.compatible, (path.name, result.messages)


def test_checker_rejects_an_incompatible_change():
    """The guard itself: a new field without a default breaks old data and must be caught."""
    writer = avro.schema.parse(schema_path("RawPage").read_text())
    broken = schema_path("RawPage").read_text().replace(
        '{"name": "url", "type": "string"},', '{"name": "url", "type": "string"}, {"name": "must", "type": "int"},'
    )
    reader = avro.schema.parse(broken)
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    assert result.compatibility is SchemaCompatibilityType.incompatible
