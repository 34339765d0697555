"""A .docx (a zip package) rewritten with a few parts replaced, the rest copied as stored.

A report changes only the parts that hold template tags (word/document.xml); the other parts
(styles, themes, fonts, the thumbnail: 17 of 18 in our templates, 95 % of the bytes) are
the template's own. Python's zipfile can only write a member by compressing it again, which
made rewriting the zip cost ten times the rendering itself; here each unchanged member's
local record (header and compressed bytes) is read once and copied, and only the replaced
parts are deflated.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

_LOCAL = struct.Struct("<4s5H3L2H")  # local file header, up to the name
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory record, up to the name
_END = struct.Struct("<4s4H2LH")  # end of central directory
_VERSION = 20  # "2.0": deflate, no zip64
_DATA_DESCRIPTOR = 0x08  # flag bit 3: sizes after the data (never written here)
_ENCRYPTED = 0x01
# zipfile's default level for ZIP_DEFLATED, as the template itself was written.
_LEVEL = 6


@dataclass(frozen=True)
class _Member:
    name: str
    encoded_name: bytes
    flags: int
    dos_time: int
    dos_date: int
    external_attr: int
    method: int
    crc: int
    size: int
    compressed: bytes


class DocxPackage:
    """The template's members in their order, each kept as stored (compressed)."""

    def __init__(self, path: Path) -> None:
        raw = path.read_bytes()
        self._members: list[_Member] = []
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.flag_bits & _ENCRYPTED:
                    raise ValueError(f"{path}: encrypted member {info.filename}")
                start = info.header_offset
                name_length, extra_length = struct.unpack_from("<2H", raw, start + 26)
                data = start + _LOCAL.size + name_length + extra_length
                dos_date, dos_time = _dos_date_time(info.date_time)
                self._members.append(
                    _Member(
                        name=info.filename,
                        encoded_name=info.filename.encode("utf-8"),
                        # Sizes go in the header here, so no data descriptor follows.
                        flags=info.flag_bits & ~_DATA_DESCRIPTOR,
                        dos_time=dos_time,
                        dos_date=dos_date,
                        external_attr=info.external_attr,
                        method=info.compress_type,
                        crc=info.CRC,
                        size=info.file_size,
                        compressed=raw[data : data + info.compress_size],
                    )
                )

    @property
    def names(self) -> list[str]:
        return [member.name for member in self._members]

    def read(self, name: str) -> bytes:
        """A member's content, uncompressed."""
        for member in self._members:
            if member.name == name:
                return _inflate(member)
        raise KeyError(name)

    def write(self, replaced: Mapping[str, bytes]) -> bytes:
        """The package with the members named in `replaced` given new content (deflated)."""
        unknown = set(replaced) - set(self.names)
        if unknown:
            raise KeyError(f"not in the package: {sorted(unknown)}")
        chunks: list[bytes] = []
        central: list[bytes] = []
        offset = 0
        for member in self._members:
            content = replaced.get(member.name)
            if content is not None:
                member = _replace(member, content)
            name = member.encoded_name
            # What the local header and the central record both say about the member.
            common = (
                member.flags,
                member.method,
                member.dos_time,
                member.dos_date,
                member.crc,
                len(member.compressed),
                member.size,
                len(name),
            )
            header = _LOCAL.pack(b"PK\x03\x04", _VERSION, *common, 0)
            chunks += (header, name, member.compressed)
            record = _CENTRAL.pack(
                b"PK\x01\x02", _VERSION, _VERSION, *common, 0, 0, 0, 0, member.external_attr, offset
            )
            central.append(record + name)
            offset += len(header) + len(name) + len(member.compressed)
        directory = b"".join(central)
        count = len(self._members)
        end = _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0)
        if offset + len(directory) > 0xFFFFFFFF or count > 0xFFFF:
            raise ValueError("package too large for a zip without zip64")
        return b"".join((*chunks, directory, end))


def _replace(member: _Member, content: bytes) -> _Member:
    deflater = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return replace(
        member,
        method=zipfile.ZIP_DEFLATED,
        crc=zlib.crc32(content),
        size=len(content),
        compressed=deflater.compress(content) + deflater.flush(),
    )


def _inflate(member: _Member) -> bytes:
    if member.method == zipfile.ZIP_STORED:
        return member.compressed
    if member.method == zipfile.ZIP_DEFLATED:
        return zlib.decompress(member.compressed, -15)
    raise ValueError(f"{member.name}: compression method {member.method} not supported")


def _dos_date_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (year - 1980) << 9 | month << 5 | day, hour << 11 | minute << 5 | second // 2
