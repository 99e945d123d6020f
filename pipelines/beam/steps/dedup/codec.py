"""The byte building blocks of the dedup records (records.py): format bytes, page ids, text,
optional and tagged values. Big-endian; no pickle, so what a step writes is what it says.

Every encoded record starts with its format byte: one byte that names the record's type and the
version of its layout. Decoding checks it and refuses a byte it does not know, so state written
by another layout fails loudly instead of being misread.
"""

from __future__ import annotations

import struct

U8 = struct.Struct(">B")
U16 = struct.Struct(">H")
U32 = struct.Struct(">I")
I64 = struct.Struct(">q")
F64 = struct.Struct(">d")
_NONE_LENGTH = 0xFFFFFFFF  # the length that stands for None in an optional text field

# A tagged value: one tag byte, then the value. Used where a field's type is not fixed by the
# schema upstream (document fields come from dicts), so a value reads back with its own type.
_NONE, _TEXT, _INT, _FLOAT, _TRUE, _FALSE = range(6)


class FormatError(ValueError):
    """Bytes that are not in the layout this code reads: state written by another version of the
    dedup steps (start the job fresh, see docs/decisions-dedup.md) or not a dedup record at all."""


def check_format(data: bytes, expected: int, what: str) -> None:
    """Raise FormatError unless `data` starts with the format byte `expected`."""
    if not data or data[0] != expected:
        found = f"0x{data[0]:02x}" if data else "nothing"
        raise FormatError(f"{what}: format byte {found}, this code reads 0x{expected:02x}; state from "
                          "another dedup layout cannot be restored (start the streaming job fresh)")


def pack_id(id_: str) -> bytes:
    """A page or story id: 16 raw bytes (flag 0) when it is one of the pipeline's 32-hex-digit
    ids, else its UTF-8 (flag 1, u16 length), so ids of tests and other producers round-trip."""
    if len(id_) == 32:
        try:
            raw = bytes.fromhex(id_)
        except ValueError:
            raw = b""
        if raw.hex() == id_:  # lower-case hex only: anything else must read back as written
            return b"\x00" + raw
    text = id_.encode()
    return b"\x01" + U16.pack(len(text)) + text


def read_id(data: bytes, pos: int) -> tuple[str, int]:
    """(id, position after it)."""
    if data[pos] == 0:
        return data[pos + 1:pos + 17].hex(), pos + 17
    (length,) = U16.unpack_from(data, pos + 1)
    start = pos + 3
    return data[start:start + length].decode(), start + length


def pack_text(text: str) -> bytes:
    data = text.encode()
    return U32.pack(len(data)) + data


def read_text(data: bytes, pos: int) -> tuple[str, int]:
    (length,) = U32.unpack_from(data, pos)
    start = pos + 4
    return data[start:start + length].decode(), start + length


def pack_short_text(text: str) -> bytes:
    """Text of at most 255 bytes (labels and rule names)."""
    data = text.encode()
    return U8.pack(len(data)) + data


def read_short_text(data: bytes, pos: int) -> tuple[str, int]:
    length = data[pos]
    return data[pos + 1:pos + 1 + length].decode(), pos + 1 + length


def pack_optional_text(text: str | None) -> bytes:
    return U32.pack(_NONE_LENGTH) if text is None else pack_text(text)


def read_optional_text(data: bytes, pos: int) -> tuple[str | None, int]:
    (length,) = U32.unpack_from(data, pos)
    if length == _NONE_LENGTH:
        return None, pos + 4
    start = pos + 4
    return data[start:start + length].decode(), start + length


def pack_optional_int(value: int | None) -> bytes:
    return b"\x00" if value is None else b"\x01" + I64.pack(value)


def read_optional_int(data: bytes, pos: int) -> tuple[int | None, int]:
    if data[pos] == 0:
        return None, pos + 1
    return I64.unpack_from(data, pos + 1)[0], pos + 9


def pack_value(value: str | int | float | bool | None) -> bytes:
    """A tagged value; refuses any other type rather than guess a layout for it."""
    kind = type(value)
    if value is None:
        return b"\x00"
    if kind is str:
        return U8.pack(_TEXT) + pack_text(value)
    if kind is bool:
        return U8.pack(_TRUE if value else _FALSE)
    if kind is int:
        return U8.pack(_INT) + I64.pack(value)
    if kind is float:
        return U8.pack(_FLOAT) + F64.pack(value)
    raise TypeError(f"no byte layout for a {kind.__name__} value in a dedup record: {value!r}")


def read_value(data: bytes, pos: int) -> tuple[str | int | float | bool | None, int]:
    tag = data[pos]
    if tag == _TEXT:
        return read_text(data, pos + 1)
    if tag == _NONE:
        return None, pos + 1
    if tag == _INT:
        return I64.unpack_from(data, pos + 1)[0], pos + 9
    if tag == _FLOAT:
        return F64.unpack_from(data, pos + 1)[0], pos + 9
    if tag in (_TRUE, _FALSE):
        return tag == _TRUE, pos + 1
    raise FormatError(f"unknown value tag {tag} at byte {pos}")
