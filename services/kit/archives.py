"""Uploaded zip packages (XLSX, DOCX) measured before any library unpacks them.

A zip bomb is a small upload whose members unpack to gigabytes: openpyxl or python-docx would
spend minutes and memory on it. zipfile stops at each member's declared size and checks its CRC,
so the declared sizes bound what a reader can unpack.
"""

import io
import zipfile

MAX_MEMBERS = 500
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


class NotZip(ValueError):
    """The bytes are not a zip package."""


class Oversized(ValueError):
    """The package has too many members or unpacks too big."""


def check_zip(
    data: bytes, max_members: int = MAX_MEMBERS, max_unpacked: int = MAX_UNPACKED_BYTES
) -> None:
    """Refuse bytes that are not a zip package, or one that unpacks too big or too many."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise NotZip("it is not a zip archive") from None
    with archive:
        members = archive.infolist()
        if len(members) > max_members:
            raise Oversized(f"it has {len(members)} parts; at most {max_members} are accepted")
        unpacked = sum(member.file_size for member in members)
        if unpacked > max_unpacked:
            raise Oversized(f"it unpacks to {unpacked} bytes; at most {max_unpacked} are accepted")
