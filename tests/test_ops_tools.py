"""Ops tools without a broker: safe byte display, filters, time parsing, JSON logs, tables."""

from __future__ import annotations

import io
import json
import logging

import pytest

from pipelines.cli import common
from pipelines.ops import dlq
from pipelines.ops.logging_setup import JsonFormatter, configure_logging


def test_safe_preview_never_passes_control_or_format_characters():
    nasty = b"\x1b[2J\x1b]0;pwned\x07" + "text\u202egnp.exe\u200b".encode() + b"\xff\xfe\x00end"
    shown = dlq.safe_preview(nasty, 200)
    assert "\x1b" not in shown and "\x07" not in shown and "\x00" not in shown
    assert "\u202e" not in shown and "\u200b" not in shown and "\ufffd" not in shown
    assert shown.startswith(".[2J.]0;pwned.text.gnp.exe.")
    assert shown.endswith("end")
    assert dlq.safe_preview("é漢字".encode(), 10) == "é漢字"  # printable text stays readable
    assert len(dlq.safe_preview(b"a" * 500, 80)) == 80


def test_hex_head_and_summary_views():
    assert dlq.hex_head(b"\xc3\x01abc", 4) == "c3 01 61 62 …"
    letter = {"stage": "decode", "error_class": "AvroHeaderError", "reason": "bad", "source_topic": "raw",
              "source_partition": 2, "source_offset": 7, "original_key": b"k\x00", "original_value": b"\x00\x01",
              "original_size": 10, "failed_at": 1_700_000_000_000}
    item = dlq.DeadLetterRecord("dlq", 0, 3, letter)
    view = dlq.letter_summary(item, with_base64=True)
    assert view["source"] == "raw/2/7" and view["dlq"] == "dlq/0/3"
    assert view["truncated"] is True  # 2 bytes kept of 10
    assert view["value_b64"] == "AAE=" and view["key_preview"] == "k."
    assert view["failed_at"] == "2023-11-14T22:13:20+00:00"
    json.dumps(view)  # everything is JSON-safe


def test_filter_and_time_parsing():
    now = 1_700_000_000_000
    assert dlq.parse_time("2h", now) == now - 7_200_000
    assert dlq.parse_time("90s", now) == now - 90_000
    assert dlq.parse_time("2023-11-14T22:13:20Z") == now
    assert dlq.parse_time("2023-11-14T22:13:20") == now  # naive = UTC
    assert dlq.parse_time(str(now)) == now
    letter = {"stage": "extract", "error_class": "EmptyBody", "reason": "no text found", "failed_at": now,
              "source_partition": 1, "source_offset": 5}
    written = now + 5000
    assert dlq.Filter(stages=["extract"], reason="empty").matches(letter, written)
    assert dlq.Filter(reason="NO TEXT").matches(letter, written)
    assert not dlq.Filter(stages=["decode"]).matches(letter, written)
    assert not dlq.Filter(since_ms=written + 1).matches(letter, written)
    assert not dlq.Filter(until_ms=written).matches(letter, written)
    # the time of failure is when the letter was written, not the failed record's own timestamp
    assert dlq.Filter(since_ms=now + 1, until_ms=written + 1).matches(letter, written)
    assert dlq.Filter(source_partition=1, offsets=[5, 6]).matches(letter, written)
    assert not dlq.Filter(offsets=[6]).matches(letter, written)


def test_decode_letter_handles_json_format_bytes():
    from pipelines.core import codecs

    letter = {"stage": "decode", "error_class": "X", "reason": "r", "source_topic": "t", "source_partition": 0,
              "source_offset": 1, "original_key": b"key", "original_value": b"\x00\xffbin", "original_size": 5,
              "failed_at": 1}
    for fmt in ("avro", "json"):
        back = dlq.decode_letter(codecs.encode("DeadLetter", letter, fmt))
        assert back["original_value"] == b"\x00\xffbin" and back["original_key"] == b"key"


def test_load_fix_from_file_and_module(tmp_path):
    from pathlib import Path

    path = Path(__file__).parent / "data" / "ops" / "fixes.py"
    fix = dlq.load_fix(f"{path}:add_fetched_at")
    key, value = fix(b"k", b'{"url": "https://x"}', {"failed_at": 5})
    assert json.loads(value) == {"url": "https://x", "fetched_at": 5}
    assert fix(b"k", b"\x00garbage", {"failed_at": 5}) is None
    assert dlq.load_fix("json:dumps") is json.dumps
    with pytest.raises(ValueError):
        dlq.load_fix("no-colon")


def test_json_logs_carry_extra_fields_and_exceptions():
    stream = io.StringIO()
    configure_logging("INFO", "json", stream=stream)
    try:
        log = logging.getLogger("newsbeam.test")
        log.info("commit failed %s", "x", extra={"topic": "raw", "partition": 3})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("bad")
        log.debug("hidden")
    finally:
        configure_logging("WARNING", "text")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    assert lines[0]["message"] == "commit failed x" and lines[0]["topic"] == "raw" and lines[0]["partition"] == 3
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "newsbeam.test" and lines[0]["ts"].endswith("+00:00")
    assert "ValueError: boom" in lines[1]["exc"]
    with pytest.raises(ValueError):
        configure_logging("INFO", "xml")


def test_text_format_and_env_override(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setenv("NEWSBEAM_LOG_FORMAT", "json")
    handler = configure_logging("INFO", "text", stream=stream)
    try:
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        monkeypatch.delenv("NEWSBEAM_LOG_FORMAT")
        configure_logging("WARNING", "text")


def test_table_aligns_numbers_right():
    out = common.table([{"p": 0, "lag": 5, "name": "a"}, {"p": 10, "lag": None, "name": "bb"}], ["p", "lag", "name"])
    assert out.splitlines() == [" p  lag  name", " 0    5  a", "10    -  bb"]


def test_parsers_register_and_parse():
    import argparse

    from pipelines.cli.dlq import add_dlq_parser, cli_dlq_replay, filter_from_args
    from pipelines.cli.ops import add_lag_parser, add_metrics_parser, add_status_parser

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    for add in (add_lag_parser, add_dlq_parser, add_status_parser, add_metrics_parser):
        add(sub)
    args = parser.parse_args(["dlq", "replay", "--stage", "decode", "--reason", "Json", "--since", "2h",
                              "--fix", "x.py:f", "--dry-run", "--prefix", "p."])
    flt = filter_from_args(args)
    assert flt.stages == ["decode"] and flt.reason == "Json" and flt.since_ms is not None
    assert args.func is cli_dlq_replay and args.dry_run
    assert parser.parse_args(["lag", "--json", "--group-id", "g"]).group_id == "g"
    assert parser.parse_args(["metrics", "serve", "--port", "0"]).port == 0
