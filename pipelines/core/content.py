"""What a page's bytes are before anyone parses them: text, or a binary body that is no page.

A PNG or a gzip stream sent as a page decodes to a few replacement characters and would become an
empty article; it is a dead letter with the reason instead (stage `extract`, `BinaryBody`)."""

from __future__ import annotations

# Signatures of the binary formats that crawlers hand on by mistake (images, archives, documents).
MAGIC_NUMBERS: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"(\xb5/\xfd", "zstd"),
    (b"RIFF", "riff"),
)
BINARY_MEDIA_TYPES = ("image/", "audio/", "video/", "font/")
BINARY_APPLICATION_TYPES = frozenset({
    "application/octet-stream", "application/gzip", "application/x-gzip", "application/zip",
    "application/pdf", "application/x-bzip2", "application/x-xz", "application/zstd",
    "application/vnd.ms-excel", "application/msword",
})
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SNIFF_BYTES = 4096


def binary_body_reason(body: bytes, content_type: str | None) -> str | None:
    """Why `body` is not a text page (None when it may be one): its declared media type, a binary
    format's signature, or NUL bytes in its first bytes (text has none, except UTF-16)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type.startswith(BINARY_MEDIA_TYPES) or media_type in BINARY_APPLICATION_TYPES:
        return f"binary body: content type {media_type}"
    head = body[:SNIFF_BYTES]
    for magic, name in MAGIC_NUMBERS:
        if head.startswith(magic):
            return f"binary body: {name} data ({len(body)} bytes)"
    if b"\x00" in head and not head.startswith(UTF16_BOMS):
        return f"binary body: NUL bytes in the first {len(head)} bytes"
    return None
