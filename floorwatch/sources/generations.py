"""The files of one followed log: each generation (the file at the path now, the ones rotated
away and still being read) and the files beside it, where rotated generations are found.

A generation is known by its device and inode, and by its first bytes (its fingerprint), so
that a reused inode is not taken for the file it replaced. `FileTail` decides what to read;
this module only opens, reads by offset, and looks around.
"""

from __future__ import annotations

import os
import stat as stat_module
from pathlib import Path

from floorwatch.sources.base import Checkpoint

#: How many leading bytes identify a file across truncation and replacement.
FINGERPRINT_BYTES = 64
#: Rotated (so not appended to any more) and compressed: not a file we can read.
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z", ".zip")
#: File times lag the clock by up to a tick; a file changed this long before we last saw our
#: own at the path may still have been made after that.
MTIME_SLACK_S = 1.0


def fingerprint_of(fd: int) -> str:
    """The hex of a file's first bytes, read without moving its position."""
    return os.pread(fd, FINGERPRINT_BYTES, 0).hex()


def fingerprints_match(expected: str | None, current: str) -> bool:
    """Whether a file that started with `expected` may be the one that now starts with
    `current`: the shorter is a prefix of the longer (a file only grows at its end)."""
    if not expected:
        return True
    shorter = min(len(current), len(expected))
    return current[:shorter] == expected[:shorter] and len(current) >= len(expected)


class Generation:
    """One file of the log, open, with how far it has been read."""

    __slots__ = ("path", "fd", "identity", "offset", "fingerprint", "scanned", "rotated_at")

    def __init__(
        self, path: Path, fd: int, identity: tuple[int, int], offset: int, fingerprint: str | None
    ):
        self.path = path
        self.fd = fd
        self.identity = identity
        self.offset = offset  # bytes of it already handed out
        self.fingerprint = fingerprint
        #: Bytes past `offset` known to be one over-long line without its end (memory only:
        #: after a restart the line is scanned again, once).
        self.scanned = 0
        self.rotated_at: float | None = None  # when we saw it rotated away (None: not, or
        # found rotated on a restart, when only its own modification time can tell)

    @classmethod
    def open(cls, path: Path, offset: int, fingerprint: str | None) -> Generation | None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        info = os.fstat(fd)
        return cls(path, fd, (info.st_dev, info.st_ino), offset, fingerprint)

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def pread(self, size: int, offset: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def matches(self, fingerprint: str | None) -> bool:
        """Whether the file still starts with the bytes it started with."""
        return fingerprints_match(fingerprint, fingerprint_of(self.fd))

    def take_fingerprint(self) -> None:
        if self.fingerprint is None or len(self.fingerprint) < 2 * FINGERPRINT_BYTES:
            self.fingerprint = fingerprint_of(self.fd)

    def quiet(self, now: float, grace: float) -> bool:
        """Rotated away and nothing written to it for `grace` seconds since then."""
        changed = os.fstat(self.fd).st_mtime
        return now - max(changed, self.rotated_at or changed) >= grace

    def checkpoint(self, path: str | None = None) -> Checkpoint:
        return Checkpoint(
            path or str(self.path),
            self.identity[0],
            self.identity[1],
            self.offset,
            self.fingerprint,
        )

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class Siblings:
    """The files beside a log whose names start with its own (`queue_log.1`,
    `queue_log-20261124`): where rotated generations are found again."""

    def __init__(self, path: Path):
        self.path = path
        #: Files known not to be generations to read: there before us, or read already.
        self._ignored: dict[tuple[int, int], str] = {}

    @staticmethod
    def stat(path: Path) -> os.stat_result | None:
        try:
            return os.stat(path)
        except OSError:
            return None

    def _beside(self) -> list[tuple[Path, os.stat_result]]:
        name = self.path.name
        try:
            entries = list(os.scandir(self.path.parent))
        except OSError:
            return []
        found = []
        for entry in entries:
            if (
                entry.name == name
                or not entry.name.startswith(name)
                or entry.name.endswith(COMPRESSED_SUFFIXES)
            ):
                continue
            try:
                info = entry.stat()
            except OSError:
                continue
            if stat_module.S_ISREG(info.st_mode):
                found.append((Path(entry.path), info))
        return found

    @staticmethod
    def _head(path: Path) -> str | None:
        try:
            with open(path, "rb") as handle:
                return handle.read(FINGERPRINT_BYTES).hex()
        except OSError:
            return None

    def find(self, device: int | None, inode: int | None, fingerprint: str | None) -> Path | None:
        """The file with this identity and first bytes, at the path or beside it."""
        candidates = self._beside()
        here = self.stat(self.path)
        if here is not None:
            candidates.append((self.path, here))
        for path, info in candidates:
            if (info.st_dev, info.st_ino) == (device, inode):
                head = self._head(path)
                if head is not None and fingerprints_match(fingerprint, head):
                    return path
        return None

    def _unknown(self, known: list[Generation]) -> list[tuple[Path, os.stat_result, str]]:
        held = {generation.identity for generation in known}
        found = []
        for path, info in self._beside():
            identity = (info.st_dev, info.st_ino)
            if identity in held:
                continue
            head = self._head(path)
            if head is None:
                continue
            ignored = self._ignored.get(identity)
            if ignored is not None and fingerprints_match(ignored, head):
                continue  # the same file as before (not a reused inode)
            found.append((path, info, head))
        return found

    def newer_unknown(self, seen_at: float, known: list[Generation]) -> list[Path]:
        """Files we do not know that changed after `seen_at` (when our file was last seen at
        the path): generations rotated in between, oldest first."""
        newer = [
            (info.st_mtime, path)
            for path, info, _ in self._unknown(known)
            if info.st_mtime > seen_at - MTIME_SLACK_S
        ]
        return [path for _, path in sorted(newer)]

    def copy_of(self, fingerprint: str | None, offset: int, known: list[Generation]) -> Path | None:
        """A copy of the file as it was before a truncation (logrotate's copytruncate): a file
        we do not know that starts with the same bytes and holds at least `offset` of them."""
        if not fingerprint:
            return None
        for path, info, head in self._unknown(known):
            if info.st_size >= offset and fingerprints_match(fingerprint, head):
                return path
        return None

    def ignore_present(self) -> None:
        """Everything beside the log now is from before us: never a generation to read."""
        for path, info in self._beside():
            head = self._head(path)
            if head is not None:
                self._ignored.setdefault((info.st_dev, info.st_ino), head)

    def ignore(self, generation: Generation) -> None:
        """A generation read (or being read) already: never to be adopted again."""
        self._ignored[generation.identity] = generation.fingerprint or fingerprint_of(generation.fd)
