"""Zip files, read safely and only into memory: a corrupt archive, too many members, too much
data once unzipped, a member that inflates out of all proportion (a zip bomb) and a member
whose path is absolute or climbs out with ../ are each refused as a problem, before any member
is inflated."""

import io
import posixpath
import re
import zipfile
import zlib

from examhall.banks.formats.common import Limits, file_problem, not_a
from examhall.errors import Problem

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# A member this small cannot hurt whatever its ratio; tiny text files compress very well.
RATIO_FLOOR = 64 * 1024
CHUNK = 1024 * 1024
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author saw it: zip tools on Chinese Windows write names in GBK
    without saying so, which Python reads as code page 437."""
    name = info.filename
    if not info.flag_bits & UTF8_FLAG:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = b""
        for encoding in ("utf-8", "gb18030"):
            try:
                name = raw.decode(encoding) if raw else name
                break
            except UnicodeDecodeError:
                continue
    return name.replace("\\", "/")


def unsafe_path(name: str) -> bool:
    return name.startswith("/") or bool(re.match(r"[A-Za-z]:", name)) or ".." in name.split("/")


def junk(name: str) -> bool:
    """What archivers add by themselves: macOS resource forks, Windows thumbnails, hidden files."""
    base = posixpath.basename(name)
    return name.startswith("__MACOSX/") or base.startswith(".") or base.casefold() in {"thumbs.db", "desktop.ini"}


class SafeZip:
    """An archive that passed the checks: its members by name, inflated one at a time on demand."""

    def __init__(self, file: str, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> None:
        self.file = file
        self._archive = archive
        self._members = members
        self.problems: list[Problem] = []

    @property
    def names(self) -> list[str]:
        return list(self._members)

    def __contains__(self, name: str) -> bool:
        return name in self._members

    def size(self, name: str) -> int:
        return self._members[name].file_size

    def read(self, name: str) -> bytes | None:
        """The member's bytes; None (and a problem) when it is damaged."""
        info = self._members[name]
        out = bytearray()
        try:
            with self._archive.open(info) as member:
                while chunk := member.read(CHUNK):
                    out += chunk
                    if len(out) > info.file_size:
                        raise zipfile.BadZipFile("member longer than it says")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
            self.problems.append(
                file_problem(
                    f"{self.file}:{name}",
                    "bad_member",
                    "压缩包中的此文件已损坏，无法读取",
                    "this member of the archive is damaged and cannot be read",
                )
            )
            return None
        return bytes(out)


def open_zip(
    file: str, data: bytes, limits: Limits, what_zh: str, what_en: str
) -> tuple[SafeZip | None, list[Problem]]:
    """Check an archive without inflating anything; `what_zh`/`what_en` name what the file was
    expected to be, for the problem when it is no zip at all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, IndexError):
        return None, [not_a(file, data, what_zh, what_en)]
    if len(infos) > limits.max_members:
        return None, [
            file_problem(
                file,
                "too_many_members",
                f"压缩包中的文件超过{limits.max_members}个",
                f"the archive holds more than {limits.max_members} files",
            )
        ]
    problems: list[Problem] = []
    members: dict[str, zipfile.ZipInfo] = {}
    unsafe: list[str] = []
    bombs: list[str] = []
    total = 0
    for info in infos:
        name = member_name(info)
        if unsafe_path(name):
            unsafe.append(name)
            continue
        if info.is_dir():
            continue
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            bombs.append(name)
        if info.flag_bits & ENCRYPTED_FLAG:
            problems.append(
                file_problem(
                    f"{file}:{name}", "encrypted_member", "此文件已加密，请去掉密码", "this member is encrypted"
                )
            )
        if name in members:
            problems.append(
                file_problem(
                    f"{file}:{name}",
                    "duplicate_member",
                    "压缩包中有两个同名文件",
                    "the archive holds two files of this name",
                )
            )
        members[name] = info
    if unsafe:
        shown = "、".join(unsafe[:5])
        problems.append(
            file_problem(
                file,
                "unsafe_path",
                f"压缩包中的文件路径不安全（绝对路径或含 ..）：{shown}",
                f"the archive holds unsafe paths (absolute or with ..): {', '.join(unsafe[:5])}",
            )
        )
    if bombs:
        problems.append(
            file_problem(
                file,
                "zip_bomb",
                f"压缩包中的文件解压后异常膨胀（超过{limits.max_ratio}倍），疑为压缩炸弹：{'、'.join(bombs[:5])}",
                f"members inflate more than {limits.max_ratio} times their packed size (a zip bomb?): "
                + ", ".join(bombs[:5]),
            )
        )
    if total > limits.max_unzipped_bytes:
        problems.append(
            file_problem(
                file,
                "too_large_unzipped",
                f"压缩包解压后超过{limits.max_unzipped_bytes // (1024 * 1024)}MB",
                f"the archive unzips to more than {limits.max_unzipped_bytes // (1024 * 1024)} MB",
            )
        )
    if problems:
        return None, problems
    return SafeZip(file, archive, members), []
