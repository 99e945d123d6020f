"""The lake sinks: articles, stories and links as files (JSON lines or Avro containers)."""

from __future__ import annotations

import os
from typing import Any

import apache_beam as beam

from pipelines.core import codecs


class WriteJsonLines(beam.PTransform):
    """A lake sink: records as sorted-key JSON lines under `prefix` (one shard set per run)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self._prefix = prefix

    def expand(self, records):
        return (
            records
            | "ToJson" >> beam.Map(lambda r: codecs.to_json(codecs.public(r)).decode("utf-8"))
            | "WriteText" >> beam.io.WriteToText(self._prefix, file_name_suffix=".jsonl")
        )


class WriteAvroFiles(beam.PTransform):
    """A lake sink: Avro container files of one record type."""

    def __init__(self, prefix: str, record_name: str) -> None:
        super().__init__()
        self._prefix = prefix
        self._record_name = record_name

    def expand(self, records: Any):
        schema = codecs.codec(self._record_name).schema
        return records | "WriteAvro" >> beam.io.WriteToAvro(self._prefix, schema=schema, file_name_suffix=".avro")


class WriteToLake(beam.PTransform):
    """One record type to files under `output_dir/<name>/`, as JSON lines or Avro."""

    def __init__(self, output_dir: str, name: str, record_name: str, file_format: str) -> None:
        super().__init__()
        prefix = os.path.join(output_dir, name, name)
        self._sink = WriteAvroFiles(prefix, record_name) if file_format == "avro" else WriteJsonLines(prefix)

    def expand(self, records):
        return records | "Write" >> self._sink
