"""Cut a large CSV export in two at a household, and read a half elsewhere.

Reading a million rows is Python's work, one core's worth; the second half
of the file can be read at the same time by a forked process. The cut must
fall between two households (so that each half checks whole households)
and between two lines (so that each half parses alone). That is safe only
where no field holds a quote: a quoted field may hold a line break or a
comma, and then a line is not a row. Exports rarely quote anything; a file
that does is read in one piece.
"""

import contextlib
import ctypes
import io
import logging
import os
import pickle
import signal
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

SCAN_CHUNK = 4 * 1024 * 1024
# How far past the middle a household boundary is looked for.
CUT_WINDOW = 1024 * 1024
PR_SET_PDEATHSIG = 1


def household_cut(path: Path, number_column: int) -> int | None:
    """Return the offset of a row near the middle that starts a household.

    Return None when the file holds a quote anywhere, or no boundary
    between households is found near the middle.
    """
    size = path.stat().st_size
    with open(path, "rb") as stream:
        if _holds_quote(stream):
            return None
        stream.seek(size // 2)
        window = stream.read(CUT_WINDOW)
    lines = window.split(b"\n")
    # The first piece is the end of a line begun before the middle; the
    # last may be cut off by the window.
    offset = size // 2 + len(lines[0]) + 1
    previous = None
    for line in lines[1:-1]:
        household = _field(line, number_column)
        if previous is not None and household != previous:
            return offset
        previous = household
        offset += len(line) + 1
    return None


def _holds_quote(stream) -> bool:
    while chunk := stream.read(SCAN_CHUNK):
        if b'"' in chunk:
            return True
    stream.seek(0)
    return False


def _field(line: bytes, column: int) -> bytes:
    cells = line.split(b",")
    return cells[column].strip() if column < len(cells) else b""


def lines_before(path: Path, offset: int) -> int:
    """Return how many line breaks the file holds before offset."""
    count = 0
    with open(path, "rb") as stream:
        left = offset
        while left > 0:
            chunk = stream.read(min(SCAN_CHUNK, left))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


class ByteRange(io.RawIOBase):
    """The bytes of a file from start up to end, as a stream of their own."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 - closed with the range
        self._file.seek(start)
        self._size = self._left = end - start

    def fraction(self) -> float:
        """Return how much of the range has been read, from 0 to 1."""
        return 1 - self._left / self._size if self._size else 1.0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            return 0
        window = memoryview(buffer)[: min(len(buffer), self._left)]
        count = self._file.readinto(window)
        self._left -= count
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


def text_of(path: Path, start: int, end: int, encoding: str) -> io.TextIOWrapper:
    """Return the bytes from start to end as text, lines kept as they are."""
    raw = io.BufferedReader(ByteRange(path, start, end), buffer_size=1024 * 1024)
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


class Child:
    """A forked process running one function; its answer comes by a pipe."""

    def __init__(self, work: Callable[[], object]) -> None:
        parent = os.getpid()
        reading, writing = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child
            os.close(reading)
            _run_child(work, writing, parent)
        os.close(writing)
        self._reading = reading

    def answer(self) -> object:
        """Wait for the child; return its function's value or raise."""
        with os.fdopen(self._reading, "rb") as pipe:
            data = pipe.read()
        _pid, status = os.waitpid(self.pid, 0)
        if not data:
            raise ChildFailed(f"the reading process ended with status {status}")
        kind, value = pickle.loads(data)  # noqa: S301 - our own child's answer
        if kind == "raised":
            raise value
        return value

    def stop(self) -> None:
        """Kill the child if it still runs (the parent gave up)."""
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


class ChildFailed(RuntimeError):
    """The process reading a half of the file ended without an answer."""


def _run_child(work, writing: int, parent: int) -> None:  # pragma: no cover
    # Die with the parent: a killed import must not go on writing.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
    code = 0
    try:
        answer = ("returned", work())
    except BaseException as error:  # noqa: BLE001 - handed to the parent
        answer = ("raised", _picklable(error))
        code = 1
    with os.fdopen(writing, "wb") as pipe:
        pipe.write(pickle.dumps(answer))
    os._exit(code)


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - round trip of our own
    except Exception:  # noqa: BLE001 - anything that does not survive pickling
        return ChildFailed(f"{type(error).__name__}: {error}")
    return error
