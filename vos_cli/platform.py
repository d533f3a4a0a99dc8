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


def can_fork() -> bool:
    """Whether a second process can share this one's tables without copying them (fork: Linux)."""
    return sys.platform.startswith("linux") and not IS_WINDOWS


def memory_to_spare(times: float) -> bool:
    """Whether the machine has `times` this process's resident memory available (a second process
    that computes alongside needs its own working memory). Linux (/proc), where can_fork holds."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            available = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
        with open("/proc/self/statm", encoding="ascii") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, StopIteration, ValueError):
        return False
    return available >= times * rss


class Forked:
    """`fn(*args)` computed in a forked child process, alongside the caller: the child shares the
    caller's memory (copy-on-write), so nothing is copied on the way in; the result is pickled on
    the way back. result() waits for it and returns (value,), or None when the child did not
    deliver (it failed or was killed): the caller then computes it itself, so a failure says what
    it says when computed in one process. The child dies with its parent (PR_SET_PDEATHSIG): a
    killed run leaves no process behind holding its lock. Linux only (can_fork)."""

    def __init__(self, fn: Callable, *args):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_forked_main, args=(send, fn, args), daemon=True)
        self._proc.start()
        send.close()

    def result(self, timeout: float) -> tuple | None:
        """(value,), or None when the child failed, died or took longer than `timeout` seconds
        (then it is stopped): never a run that waits for ever on a second process."""
        deadline = time.monotonic() + timeout
        try:
            while not self._recv.poll(1.0):
                if not self._proc.is_alive() or time.monotonic() > deadline:
                    return None
            return (self._recv.recv(),)
        except (EOFError, OSError):
            return None
        finally:
            self.cancel()

    def cancel(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()
        self._recv.close()



def _forked_main(send, fn: Callable, args: tuple) -> None:
    import ctypes
    import signal

    with contextlib.suppress(Exception):  # die with the parent (a kill of the run)
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if os.getppid() == 1:
        os._exit(0)
    try:
        send.send(fn(*args))
        send.close()
    except BaseException:  # nothing printed here (a traceback could hold a personnummer): the parent
        os._exit(1)        # computes it again and says what went wrong, masked, as in one process


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
