import base64

import orjson
import pytest

from pipelines.core import codecs
from pipelines.versions import BEAM_VERSION

PAGE = {
    "url": "https://news.example/a",
    "source": "feed-1",
    "fetched_at": 1_763_600_000_000,
    "published_at": None,
    "content_type": "text/html",
    "charset": "utf-8",
    "body": "<html><p>héllo</p></html>".encode(),
    "headers": {"b": "2", "a": "1"},
}


def test_avro_single_object_round_trip_and_header():
    data = codecs.encode("RawPage", PAGE)
    assert data[:2] == b"\xc3\x01"
    assert data[2:10] == codecs.codec("RawPage").fingerprint
    assert codecs.decode_raw_page(data) == {**PAGE, "headers": {"a": "1", "b": "2"}}


def test_fingerprint_follows_the_spec_for_primitives():
    # Avro spec: CRC-64-AVRO of the canonical form "int" is 0x7275d51a3f395c8f, written little-endian.
    import fastavro.schema

    fp = fastavro.schema.fingerprint(fastavro.schema.to_parsing_canonical_form("int"), "CRC-64-AVRO")
    assert bytes.fromhex(fp) == (0x7275D51A3F395C8F).to_bytes(8, "little")


def test_json_envelope_round_trip_text_and_binary_bodies():
    assert codecs.decode_raw_page(codecs.raw_page_to_json(PAGE))["body"] == PAGE["body"]
    binary = {**PAGE, "body": b"\xff\xfe\x00bad"}
    encoded = codecs.raw_page_to_json(binary)
    assert b"body_b64" in encoded
    assert codecs.decode_raw_page(encoded)["body"] == binary["body"]


def test_json_envelope_accepts_iso_times():
    obj = {"url": "u", "body": "x", "fetched_at": "2026-11-20T10:00:00Z"}
    page = codecs.decode_raw_page(orjson.dumps(obj))
    assert page["fetched_at"] == 1_795_168_800_000
    assert page["content_type"] == "text/html"


@pytest.mark.parametrize(
    "value, error_class",
    [
        (b"", "EmptyValue"),
        (None, "EmptyValue"),
        (b"\xc3\x01\x01\x02", "AvroHeaderError"),
        (b"\xc3\x01" + b"\x00" * 8 + b"\x02", "AvroFingerprintError"),
        (codecs.encode("RawPage", PAGE)[:-5], "AvroBodyError"),
        (codecs.encode("RawPage", PAGE) + b"x", "AvroBodyError"),
        (b"\x00\x01garbage", "UnknownEncoding"),
        (b"plain words", "UnknownEncoding"),
        (b"[1, 2]", "JsonShapeError"),
        (b'{"url": "u", "body": "x"', "JsonSyntaxError"),
        (b'{"body": "x", "fetched_at": 1}', "JsonFieldError"),
        (b'{"url": "u", "body": 5, "fetched_at": 1}', "JsonFieldError"),
        (b'{"url": "u", "body": "x", "fetched_at": "yesterday"}', "JsonFieldError"),
        (b'{"url": "u", "body": "x"}', "JsonFieldError"),
        (b'{"url": "u", "body_b64": "***", "fetched_at": 1}', "JsonFieldError"),
        (b'{"url": "u", "body": "\xff\xfe", "fetched_at": 1}', "JsonSyntaxError"),
    ],
)
def test_bad_values_raise_decode_error_with_reason(value, error_class):
    with pytest.raises(codecs.DecodeError) as info:
        codecs.decode_raw_page(value)
    assert info.value.error_class == error_class
    assert info.value.reason


def test_every_output_record_encodes_in_both_formats():
    letter = {
        "stage": "decode", "error_class": "X", "reason": "r", "source_topic": "t", "source_partition": 0,
        "source_offset": 3, "original_key": None, "original_value": b"\x00", "original_size": 1, "failed_at": 5,
    }
    for fmt in ("avro", "json"):
        data = codecs.encode("DeadLetter", letter, fmt)
        back = codecs.decode("DeadLetter", data)
        if fmt == "json":
            back["original_value"] = base64.b64decode(back["original_value"])
        assert back == letter


def test_beam_pin_matches_pyproject():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert f"apache-beam=={BEAM_VERSION}" in project["project"]["dependencies"]
    import apache_beam

    assert apache_beam.__version__ == BEAM_VERSION
