"""Writing several report files in one run: all checked and rendered first, then all written atomically.

Each file is written to a temporary file beside its target and renamed over it only once every temporary
file has been written, so a failure (a full disk, a parent that is a file) leaves every target as it was,
and the directories made for the new files are removed again. Only a failure between two renames could
leave some new and some old, and a rename on one file system does not fail for want of space.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Sequence

from engine.errors import UsageError


def check_target(path: str, inputs: Sequence[str]) -> str:
    """The absolute target for ``path``, refusing an input file or a design directory (it would be read next)."""
    target = os.path.abspath(path)
    for inp in inputs:
        if os.path.exists(inp) and os.path.exists(target) and os.path.samefile(inp, target):
            raise UsageError(f"output path {path} is one of the inputs; choose another file")
        if os.path.isdir(inp) and target.startswith(os.path.abspath(inp) + os.sep) and target.endswith(
                (".yaml", ".yml", ".json")):
            raise UsageError(f"output path {path} is inside the design directory {inp}, where it would be "
                             "read as input next time; choose another place")
    if os.path.isdir(target):
        raise UsageError(f"cannot write {path}: it is a directory")
    return target


def make_parents(directory: str, made: list[str]) -> None:
    """Create ``directory`` and any missing parents, appending each one made to ``made`` (outermost first).

    Raises:
        NotADirectoryError: a parent is a file (its ``filename`` says which).
        OSError: a parent cannot be created.
    """
    missing: list[str] = []
    while not os.path.isdir(directory):
        if os.path.lexists(directory):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), directory)
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for d in reversed(missing):
        try:
            os.mkdir(d)  # the umask decides the mode, as for any directory the user creates
        except FileExistsError:
            if not os.path.isdir(d):
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), d) from None
            continue  # made meanwhile by another process: not ours to remove
        made.append(d)


def remove_made(made: list[str]) -> None:
    """Remove the directories ``make_parents`` made, innermost first, where they are still empty."""
    for d in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(d)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_all(files: Sequence[tuple[str, str | bytes]], inputs: Sequence[str] = ()) -> None:
    """Write each (path, text) atomically; nothing is replaced unless every file could be written. A text given
    as bytes (a JSON report as orjson made it) is written as it is: it is UTF-8 already."""
    targets: list[tuple[str, str, str | bytes]] = []
    seen: dict[str, str] = {}
    for path, text in files:
        target = check_target(path, inputs)
        if target in seen:
            raise UsageError(f"two outputs write to the same file {path}")
        seen[target] = path
        targets.append((path, target, text))
    temps: list[tuple[str, str, str]] = []
    made: list[str] = []  # directories created for the new files, removed again if any write fails
    done = False
    try:
        for path, target, text in targets:
            if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
                # A device or pipe (/dev/null, /dev/stdout, a FIFO): renaming over it would replace the node
                # itself with a regular file (this machine's /dev/null was, once), so write through it.
                continue
            try:
                make_parents(os.path.dirname(target), made)
            except NotADirectoryError as exc:
                raise UsageError(f"cannot write {path}: {exc.filename} is not a directory") from None
            except OSError as exc:
                raise UsageError(f"cannot write {path}: {exc.strerror}") from None
            import tempfile  # here: a run that writes to standard output or a device only does without it (2.8 ms)

            try:
                fd, tmp = tempfile.mkstemp(prefix=".archplan-", dir=os.path.dirname(target))
            except OSError as exc:
                raise UsageError(f"cannot write {path}: {exc.strerror}") from None
            temps.append((path, tmp, target))
            try:
                # mkstemp makes the file 0600; a report is as readable as any file the user creates
                # (or keeps the mode of the file it replaces).
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else 0o666 & ~_umask())
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_utf8(text))
            except OSError as exc:
                raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        for path, target, text in targets:
            if os.path.exists(target) and not stat.S_ISREG(os.stat(target).st_mode):
                try:
                    with open(target, "wb") as fh:
                        fh.write(_utf8(text))
                except OSError as exc:
                    raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        for path, tmp, target in temps:
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        done = True
    finally:
        for _path, tmp, _target in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        if not done:
            remove_made(made)


def append_text(path: str, text: str) -> None:
    """Append to a file another program owns (the GitHub step summary), in one write."""
    try:
        with open(path, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"cannot append the step summary to {path}: {exc.strerror}") from None


def _utf8(text: str | bytes) -> bytes:
    """``text`` as written: UTF-8, line ends as they are (``newline="\\n"`` wrote them so)."""
    return text if isinstance(text, bytes) else text.encode("utf-8")


def write_stdout(text: str | bytes) -> None:
    """Write ``text`` to standard output so that a short or failed write is an error, never a report cut short
    that passes: on a full disk or past ``ulimit -f`` Python's buffered stream drops what the first partial
    write left over, silently. A stream without a file descriptor (a test runner's) is written as it is (bytes
    decoded: it takes text).
    """
    import sys

    stream = sys.stdout
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        stream.write(text.decode("utf-8") if isinstance(text, bytes) else text)
        return
    stream.flush()
    view = memoryview(_utf8(text))
    while view:
        written = os.write(fd, view)  # an OSError (ENOSPC, EFBIG) reaches the CLI, which reports it
        view = view[written:]
