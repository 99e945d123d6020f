"""Loading input onto the raw topic: JSONL feeds, directories of .html files and WARC archives.

Pages are keyed by URL (so copies of one URL share a partition and stay ordered) and carry their
fetch time as the Kafka record timestamp, which is the pipeline's event time."""

from __future__ import annotations

import base64
import gzip
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from pipelines.core import codecs
from pipelines.core.records import KafkaMessage


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open("r", encoding="utf-8")


def page_message(page: dict, encoding: str = "avro") -> KafkaMessage:
    value = codecs.encode("RawPage", page) if encoding == "avro" else codecs.raw_page_to_json(page)
    return KafkaMessage(page["url"].encode("utf-8"), value, (), page["fetched_at"])


def messages_from_jsonl(path: Path, encoding: str = "avro") -> Iterator[KafkaMessage]:
    """Envelope lines become RawPages in `encoding`; `{"value_b64": …}` lines are sent verbatim
    (that is how malformed test input reaches the topic)."""
    with _open_text(path) as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            obj = orjson.loads(line)
            if "value_b64" in obj:
                key = obj.get("key")
                yield KafkaMessage(
                    key.encode("utf-8") if key is not None else None,
                    base64.b64decode(obj["value_b64"]),
                    (),
                    obj.get("timestamp_ms"),
                )
                continue
            try:
                page = codecs.raw_page_from_json(obj)
            except codecs.DecodeError as exc:
                raise ValueError(f"{path}:{number}: {exc.reason}") from exc
            yield page_message(page, encoding)


def messages_from_html_dir(path: Path, source: str | None = None, url_base: str | None = None,
                           encoding: str = "avro") -> Iterator[KafkaMessage]:
    """Every *.html / *.htm file below `path`, in sorted order; the file's mtime is its fetch time."""
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in {".html", ".htm"} and p.is_file())
    for file in files:
        rel = file.relative_to(path).as_posix()
        url = f"{url_base.rstrip('/')}/{rel}" if url_base else file.resolve().as_uri()
        page = {
            "url": url,
            "source": source or path.name,
            "fetched_at": int(file.stat().st_mtime * 1000),
            "published_at": None,
            "content_type": "text/html",
            "charset": None,
            "body": file.read_bytes(),
            "headers": {},
        }
        yield page_message(page, encoding)


def messages_from_warc(path: Path, source: str | None = None, encoding: str = "avro") -> Iterator[KafkaMessage]:
    """HTTP `response` records of a WARC (gzipped or not); others (requests, metadata) are skipped."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            fetched = datetime.fromisoformat(date.replace("Z", "+00:00")) if date else datetime.now(UTC)
            headers = {k: v for k, v in record.http_headers.headers}
            content_type = record.http_headers.get_header("Content-Type") or "text/html"
            page = {
                "url": url,
                "source": source or path.stem,
                "fetched_at": int(fetched.timestamp() * 1000),
                "published_at": None,
                "content_type": content_type.split(";")[0].strip(),
                "charset": None,
                "body": record.content_stream().read(),
                "headers": dict(sorted(headers.items())),
            }
            yield page_message(page, encoding)


def messages_from_paths(paths: Iterable[str], encoding: str = "avro", source: str | None = None,
                        url_base: str | None = None) -> Iterator[KafkaMessage]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from messages_from_html_dir(path, source, url_base, encoding)
        elif path.name.endswith((".warc", ".warc.gz")):
            yield from messages_from_warc(path, source, encoding)
        elif path.name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
            yield from messages_from_jsonl(path, encoding)
        else:
            raise ValueError(f"{name}: expected a .jsonl file, a .warc(.gz) file or a directory of .html files")


def keyless_partition(value: bytes | None, partitions: list[int]) -> int:
    """The partition of a message without a key: chosen by its value, so replaying a file puts every
    record where it went before. Kafka's own client spreads keyless messages at random, and where a
    record lands decides what it trails in its partition, hence which records are late."""
    from kafka.partitioner.default import murmur2

    return partitions[(murmur2(value or b"") & 0x7FFFFFFF) % len(partitions)]


def produce(bootstrap: str, topic: str, messages: Iterable[KafkaMessage], progress: bool = True,
            producer_config: Mapping[str, Any] | None = None) -> int:
    """Send messages with an idempotent producer; returns how many Kafka acknowledged.

    `producer_config`: client settings (e.g. from `--kafka-config`) for pipelines.kafka.client."""
    from tqdm import tqdm

    from pipelines.kafka.client import producer as new_producer

    producer = new_producer(bootstrap, producer_config)
    futures = []
    bar = tqdm(messages, unit="msg", desc=f"→ {topic}", disable=not progress or not os.isatty(2))
    partitions: list[int] = []
    try:
        for message in bar:
            partition = None
            if message.key is None:
                partitions = partitions or sorted(producer.partitions_for(topic))
                partition = keyless_partition(message.value, partitions)
            futures.append(
                producer.send(topic, key=message.key, value=message.value, partition=partition,
                              headers=list(message.headers) or None, timestamp_ms=message.timestamp_ms)
            )
        producer.flush()
        for future in futures:
            future.get(timeout=60)
    finally:
        producer.close(timeout=10)
    return len(futures)
