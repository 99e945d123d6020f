"""What fits in one Kafka message: the policy that keeps an oversize article or story writable.

A page under the page limit can still make a record over the topic's message limit (an article
holds its text in `body` and again in its `blocks`). Rather than a record the broker refuses on
every retry, an oversize record is trimmed, deterministically, in this order:

1. the texts of the article's `article` blocks, which repeat `body` (kind and language stay);
2. the texts of its other blocks (boilerplate, related), longest first;
3. `body` itself, cut at the last paragraph break that fits (stories: the canonical body).

Anything that still does not fit is left for the writer, which dead-letters it (stage `write`)."""

from __future__ import annotations

from collections.abc import Callable

ENCODING_HEADROOM = 64 * 1024  # Avro framing, headers and the rest of the record


def fit_record(record: dict, max_bytes: int, encoded_size: Callable[[dict], int]) -> dict:
    """`record` unchanged when its encoding fits `max_bytes`, else a trimmed copy (policy above)."""
    if encoded_size(record) <= max_bytes:
        return record
    fitted = dict(record)
    blocks = [dict(b) for b in fitted.get("blocks") or []]
    if blocks:
        for block in blocks:
            if block.get("kind") == "article":
                block["text"] = ""
        fitted["blocks"] = blocks
        if encoded_size(fitted) <= max_bytes:
            return fitted
        for block in sorted(blocks, key=lambda b: -len(b.get("text") or "")):
            block["text"] = ""
            if encoded_size(fitted) <= max_bytes:
                return fitted
    body = fitted.get("body") or ""
    excess = encoded_size(fitted) - max_bytes + ENCODING_HEADROOM
    if body and excess > 0:
        keep = max(0, len(body.encode("utf-8")) - excess)
        cut = body.encode("utf-8")[:keep].decode("utf-8", "ignore")
        paragraph_end = cut.rfind("\n")
        fitted["body"] = cut[:paragraph_end] if paragraph_end > 0 else cut
    return fitted


def writable_timestamp(timestamp_ms: int | None, now_ms: int, max_future_ms: int) -> int | None:
    """A Kafka timestamp the broker accepts: one further ahead of `now_ms` than `max_future_ms`
    (a page stamped in the future) is clamped to that bound; every other one is kept as it is, so
    replays of past input stay byte-identical."""
    if timestamp_ms is None or timestamp_ms <= now_ms + max_future_ms:
        return timestamp_ms
    return now_ms + max_future_ms
