"""Wire formats: Avro single-object encoding (fastavro) and a JSON envelope (orjson), sniffed on input.

Single-object encoding is `C3 01`, the schema's 8-byte little-endian CRC-64-AVRO fingerprint of its
Parsing Canonical Form, then the Avro binary body. The fingerprint lets a reader refuse bytes
written with a schema it does not know instead of decoding garbage.
"""

from __future__ import annotations

import base64
import functools
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import fastavro
import fastavro.schema
import orjson

from pipelines.config import SCHEMAS_DIR

AVRO_MAGIC = b"\xc3\x01"
RECORD_NAMES = ("RawPage", "Article", "Story", "StoryLink", "DeadLetter")


class DecodeError(ValueError):
    """Bytes that cannot become the expected record; `reason` is what the dead letter says."""

    def __init__(self, reason: str, error_class: str = "DecodeError") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error_class = error_class


@dataclass(frozen=True)
class Codec:
    name: str
    schema: dict
    read_schema: dict  # the same schema without logical types: timestamps stay epoch-millis ints
    fingerprint: bytes

    def encode_avro(self, record: dict) -> bytes:
        buf = io.BytesIO()
        buf.write(AVRO_MAGIC)
        buf.write(self.fingerprint)
        fastavro.schemaless_writer(buf, self.schema, record)
        return buf.getvalue()

    def decode_avro(self, data: bytes) -> dict:
        if len(data) < 10 or data[:2] != AVRO_MAGIC:
            raise DecodeError("avro: truncated single-object header", "AvroHeaderError")
        if data[2:10] != self.fingerprint:
            raise DecodeError(
                f"avro: unknown schema fingerprint {data[2:10].hex()} (expected {self.name} "
                f"{self.fingerprint.hex()})",
                "AvroFingerprintError",
            )
        buf = io.BytesIO(data[10:])
        try:
            record = fastavro.schemaless_reader(buf, self.read_schema, None)
        except Exception as exc:  # fastavro raises EOFError, ValueError, UnicodeDecodeError...
            raise DecodeError(f"avro: corrupt {self.name} body: {exc!r}"[:300], "AvroBodyError") from exc
        if buf.read(1):
            raise DecodeError(f"avro: trailing bytes after {self.name} record", "AvroBodyError")
        return record


def schema_path(name: str) -> Path:
    return SCHEMAS_DIR / f"{name}.avsc"


@functools.cache
def codec(name: str) -> Codec:
    """The codec for one record type of schemas/, parsed once per process."""
    schema = fastavro.schema.load_schema(str(schema_path(name)))
    canonical = fastavro.schema.to_parsing_canonical_form(schema)
    fp = bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
    plain = fastavro.schema.parse_schema(_strip_logical_types(orjson.loads(schema_path(name).read_bytes())))
    return Codec(name=name, schema=schema, read_schema=plain, fingerprint=fp)


def _strip_logical_types(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_logical_types(v) for k, v in node.items() if k != "logicalType"}
    if isinstance(node, list):
        return [_strip_logical_types(v) for v in node]
    return node


def _millis(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise DecodeError(f"json: {field} must be epoch millis or ISO-8601, got bool", "JsonFieldError")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                raise DecodeError(f"json: {field} has no time zone: {value[:40]!r}", "JsonFieldError")
            return int(parsed.timestamp() * 1000)
    raise DecodeError(f"json: {field} must be epoch millis or ISO-8601, got {str(value)[:40]!r}", "JsonFieldError")


def raw_page_from_json(obj: Any) -> dict:
    """A RawPage from the JSON envelope; `body` is text (UTF-8 on the wire) or `body_b64` bytes."""
    if not isinstance(obj, dict):
        raise DecodeError(f"json: envelope must be an object, got {type(obj).__name__}", "JsonShapeError")
    url = obj.get("url")
    if not isinstance(url, str) or not url:
        raise DecodeError("json: missing or empty 'url'", "JsonFieldError")
    if "body_b64" in obj:
        try:
            body = base64.b64decode(obj["body_b64"], validate=True)
        except Exception as exc:
            raise DecodeError("json: 'body_b64' is not valid base64", "JsonFieldError") from exc
    elif isinstance(obj.get("body"), str):
        body = obj["body"].encode("utf-8")
    else:
        raise DecodeError(f"json: 'body' must be a string, got {type(obj.get('body')).__name__}", "JsonFieldError")
    headers = obj.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise DecodeError("json: 'headers' must map strings to strings", "JsonFieldError")
    fetched_at = _millis(obj.get("fetched_at"), "fetched_at")
    if fetched_at is None:
        raise DecodeError("json: missing 'fetched_at'", "JsonFieldError")
    for field in ("source", "content_type", "charset"):
        if obj.get(field) is not None and not isinstance(obj[field], str):
            raise DecodeError(f"json: '{field}' must be a string", "JsonFieldError")
    return {
        "url": url,
        "source": obj.get("source") or "",
        "fetched_at": fetched_at,
        "published_at": _millis(obj.get("published_at"), "published_at"),
        "content_type": obj.get("content_type") or "text/html",
        "charset": obj.get("charset"),
        "body": body,
        "headers": dict(sorted(headers.items())),
    }


def raw_page_to_json(page: dict) -> bytes:
    """The JSON envelope of a RawPage; text bodies stay readable, other bytes go base64."""
    out = {k: v for k, v in page.items() if k != "body"}
    try:
        out["body"] = page["body"].decode("utf-8")
    except UnicodeDecodeError:
        out["body_b64"] = base64.b64encode(page["body"]).decode("ascii")
    return orjson.dumps(out, option=orjson.OPT_SORT_KEYS)


def decode_raw_page(data: bytes | None) -> dict:
    """Sniff Avro single-object vs JSON envelope and decode a RawPage, or raise DecodeError."""
    if not data:
        raise DecodeError("empty message value", "EmptyValue")
    if data[:2] == AVRO_MAGIC:
        page = codec("RawPage").decode_avro(data)
        page["headers"] = dict(sorted(page["headers"].items()))
        return page
    head = data[:64].lstrip()
    if head.startswith(b"{") or head.startswith(b"["):
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"json: {exc}"[:300], "JsonSyntaxError") from exc
        return raw_page_from_json(obj)
    raise DecodeError(
        f"unknown encoding: neither Avro single-object (C3 01) nor a JSON object; starts {data[:8].hex()}",
        "UnknownEncoding",
    )


def public(record: dict) -> dict:
    """The record without the pipeline's private `_`-prefixed keys (never part of an output)."""
    if any(k.startswith("_") for k in record):
        return {k: v for k, v in record.items() if not k.startswith("_")}
    return record


def encode(name: str, record: dict, fmt: str = "avro") -> bytes:
    """Encode an output record as Avro single-object or as sorted-key JSON."""
    if fmt == "avro":
        return codec(name).encode_avro(record)
    if fmt == "json":
        return to_json(public(record))
    raise ValueError(f"unknown output format {fmt!r}")


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(type(value).__name__)


def to_json(record: dict) -> bytes:
    return orjson.dumps(record, default=_json_default, option=orjson.OPT_SORT_KEYS)


def decode(name: str, data: bytes) -> dict:
    """Decode an output record written by `encode`, either format."""
    if data[:2] == AVRO_MAGIC:
        return codec(name).decode_avro(data)
    return orjson.loads(data)
