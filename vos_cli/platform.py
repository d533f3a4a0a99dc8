"""Everything that differs between Linux, macOS and Windows, in one place.

No POSIX-only module (fcntl, resource, termios, pwd, grp) is imported at module level anywhere in
vos; where the standard library differs by platform, the difference lives here. The run lock is
`filelock` (flock on Unix, LockFileEx on Windows), peak memory comes from `resource` where it
exists and from `psutil` elsewhere.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import filelock

from vos_cli.errors import LockedError, OutputError

IS_WINDOWS = sys.platform == "win32"
# how long a rename waits for Excel (or a virus scanner) to let go of a file on Windows
RENAME_RETRIES = 10
RENAME_WAIT = 0.5

HELD_OPEN = (
    "en fil i {where} är öppen i ett annat program (t.ex. Excel) — stäng rapporterna i Excel och kör igen"
)


# ---- the run lock ------------------------------------------------------------------------


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """An exclusive, non-blocking lock on `path` for the duration of a run.

    The kernel (flock) or Windows releases it when the process dies, so a killed run never
    leaves a stale lock. On Unix the (empty) lock file stays in place on release: deleting it
    would let two runs lock two different files of the same name. On Windows it is removed.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(output_problem(path.parent, exc, "kan inte skapa mappen")) from None
    lock = filelock.FileLock(str(path), timeout=0, mode=0o600, is_singleton=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockedError(
            f"{path.parent}: en annan körning av vos run pågår (låsfil {path.name}) — vänta tills den är klar"
        ) from None
    except OSError as exc:
        raise OutputError(output_problem(path.parent, exc, "kan inte skapa låsfilen")) from None
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.release(force=True)


# ---- files and folders ------------------------------------------------------------------


REASONS = {errno.ENOENT: "finns inte", errno.ENOTDIR: "en del av sökvägen är en fil, inte en mapp",
           errno.EISDIR: "är en mapp", errno.EEXIST: "finns redan", errno.ENAMETOOLONG: "sökvägen är för lång",
           errno.ENOSPC: "disken är full", errno.EACCES: "saknar behörighet", errno.EPERM: "saknar behörighet",
           errno.EROFS: "skrivskyddad", errno.EBUSY: "används av ett annat program"}


def os_reason(exc: BaseException) -> str:
    """The operating system's reason in Swedish (its own words when the error is unusual)."""
    code = getattr(exc, "errno", None)
    return REASONS.get(code) or getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def output_problem(where: Path, exc: BaseException, what: str = "kunde inte skrivas") -> str:
    """One line for a failed write: full disk, no permission, a file held open, or the OS's words."""
    err = exc if isinstance(exc, OSError) else None
    code = getattr(err, "errno", None)
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        why, fix = "disken är full", "frigör utrymme eller välj en annan --output"
    elif code in (errno.EACCES, errno.EPERM) and IS_WINDOWS:
        return f"{where.resolve()}: {what} — " + HELD_OPEN.format(where=where.resolve())
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        why, fix = "saknar behörighet", "kontrollera behörigheten eller välj en annan --output"
    else:
        why = os_reason(exc)
        fix = "kontrollera mappen eller välj en annan --output"
    return f"{where.resolve()}: {what} ({why}) — {fix}"


def retry_rename(op: Callable[[], None], where: Path) -> None:
    """Run a rename; on Windows retry while another program holds a file open, then give advice.

    Excel keeps an open workbook locked, and virus scanners briefly open new files; a rename of
    the month folder fails with PermissionError meanwhile.
    """
    for attempt in range(RENAME_RETRIES if IS_WINDOWS else 1):
        try:
            op()
            return
        except PermissionError:
            if attempt + 1 >= (RENAME_RETRIES if IS_WINDOWS else 1):
                raise OutputError(f"{where.resolve()}: " + HELD_OPEN.format(where=where.resolve())) from None
            time.sleep(RENAME_WAIT)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable. Windows cannot open a folder for fsync (and does not need it)."""
    if IS_WINDOWS:
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def private(path: Path, folder: bool = False) -> None:
    """Owner-only access (0600 files, 0700 folders) where POSIX modes exist. On Windows modes
    mean nothing: the folder's access rights (ACL) decide who can read the reports."""
    if IS_WINDOWS:
        return
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700 if folder else 0o600)


# ---- memory ------------------------------------------------------------------------------


def peak_memory_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    try:
        import resource  # POSIX only

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)
    except ImportError:
        pass
    try:
        import psutil

        info = psutil.Process().memory_info()
        return round(getattr(info, "peak_wset", info.rss) / 2**20, 1)
    except Exception:  # noqa: BLE001 - memory figures are informative only
        return 0.0


# ---- worker processes --------------------------------------------------------------------


def cpu_count() -> int:
    """The cores this process may use (the affinity mask where the OS has one)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def process_pool(workers: int, preload: list[str]):
    """A pool of `workers` processes. On Linux they fork from a small server that has imported
    `preload` (fast to start, and they never inherit the main process's large tables); on
    Windows and macOS they start fresh (spawn)."""
    import concurrent.futures
    import multiprocessing

    if sys.platform.startswith("linux") and not IS_WINDOWS:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(preload)
    else:
        ctx = multiprocessing.get_context("spawn")
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


# ---- the console -------------------------------------------------------------------------


def safe_console() -> None:
    """Never fail on a character the console cannot show (cp850, ASCII, latin-1): replace it."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(Exception):
                stream.reconfigure(errors="replace")


def can_encode(text: str, stream=None) -> bool:
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False
