"""Everything that differs between Linux, macOS and Windows, in one place.

No POSIX-only module (fcntl, resource, termios, pwd, grp) is imported at module level anywhere in
vos; where the standard library differs by platform, the difference lives here. The run lock is
`filelock` (flock on Unix, LockFileEx on Windows), peak memory comes from `resource` where it
exists and from `psutil` elsewhere.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import functools
import gc
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


def trim_heap() -> None:
    """Give the C heap's freed pages back to the operating system (glibc's malloc_trim). glibc
    keeps freed memory for reuse, inside the heap as well as at its top: after the reading and each
    report a city month held 80–200 MB of freed memory that way (measured, bench/notes.md).
    Elsewhere (Windows, musl, macOS) nothing: their allocators return memory by themselves."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


# ---- worker processes --------------------------------------------------------------------


def cpu_count() -> int:
    """The cores this process may use (the affinity mask where the OS has one)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def process_pool(workers: int, preload: list[str], yield_cores: bool = False):
    """A pool of `workers` processes. On Linux they fork from a small server that has imported
    `preload` (fast to start, and they never inherit the main process's large tables); on
    Windows and macOS they start fresh (spawn). Each starts with `_pool_worker`: settle, and with
    `yield_cores` lower_priority."""
    import concurrent.futures
    import multiprocessing

    if start_process_server(preload):
        ctx = multiprocessing.get_context("forkserver")
    else:
        ctx = multiprocessing.get_context("spawn")
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_pool_worker,
                                                 initargs=(yield_cores,))


def start_process_server(preload: list[str]) -> bool:
    """On Linux: the server that process_pool's workers fork from, started now if it is not running
    (its imports of `preload` run while this process works; it ends with this process). Elsewhere
    nothing (workers start fresh). Whether there is such a server."""
    if not sys.platform.startswith("linux") or IS_WINDOWS:
        return False
    import multiprocessing
    import multiprocessing.forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(preload)
    multiprocessing.forkserver.ensure_running()
    return True


# Linux forks a process with this one's memory shared (copy-on-write) until either writes to it;
# Windows cannot, and macOS's system libraries do not allow it once threads have run. The run has
# threads when it forks (Arrow's thread pool): Arrow resets its pools in a forked child (its at-fork
# handlers) and the child starts no other threads' work; Python 3.12+ says so in a
# DeprecationWarning, which is not shown by default.
CAN_FORK = sys.platform.startswith("linux")
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when the thread that forked it ends


class Beside:
    """fn(*args) computed beside this process, for work that only reads what this process holds.

    On Linux in a child forked from this process: the child reads the tables already in memory
    without copying them, so the work runs on another core while this process goes on, and only
    its result comes back (pickled through a pipe). The child is killed when this process dies
    (so a killed run leaves nothing running and no lock held) and by stop(). Elsewhere fn runs
    here and now. Either way result() gives the value or raises fn's exception, and `seconds`
    how long fn took. `in_child` runs first in a forked child (a database's own connections).
    Fork only from the main thread: the child dies with the thread that forked it.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, fork: bool | None = None,
                 in_child: Callable[[], None] | None = None):
        self.forked = CAN_FORK if fork is None else fork
        self._proc = self._conn = None
        self._answer: tuple[str, Any, Any] | None = None
        if not self.forked:
            self._answer = _answer(fn, args)
            return
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        reader, writer = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(writer, reader, os.getpid(), fn, args, in_child), daemon=True)
        self._proc.start()
        writer.close()
        self._conn = reader

    def result(self) -> Any:
        if self._answer is None:
            try:
                self._answer = self._conn.recv()
            except EOFError:
                self._proc.join()
                raise RuntimeError(f"processen bredvid slutade utan svar (slutkod {self._proc.exitcode})") from None
            finally:
                self.stop()
        kind, value, _ = self._answer
        if kind == "error":
            raise value
        return value

    @property
    def seconds(self) -> float:
        """How long fn took (waits for it, as result() does)."""
        self.result()
        return self._answer[2]

    def stop(self) -> None:
        """Ends the child if it still runs (its answer no longer wanted) and waits for it."""
        if self._proc is not None:
            if self._proc.is_alive() and self._answer is None:
                self._proc.kill()
            self._proc.join()
            self._conn.close()
            self._proc = None

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _answer(fn: Callable[..., Any], args: tuple) -> tuple[str, Any, float]:
    t = time.perf_counter()
    try:
        return "ok", fn(*args), time.perf_counter() - t
    except Exception as exc:
        return "error", exc, time.perf_counter() - t


def _after(first: Callable[[], None] | None, fn: Callable[..., Any], args: tuple) -> Any:
    if first is not None:
        first()
    return fn(*args)


def _child(conn, unused, parent: int, fn: Callable[..., Any], args: tuple,
           in_child: Callable[[], None] | None) -> None:
    # first, the objects inherited from the parent set aside from the garbage collector (Python's
    # advice for fork without exec), so the child's collections need not touch their pages. Frozen
    # here, not in the parent around the fork: unfreezing there afterwards would also unfreeze what
    # settle() froze at the start
    gc.freeze()
    import ctypes
    import signal
    import traceback

    unused.close()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    answer = _answer(_after, (in_child, fn, args))
    if answer[0] == "error":  # the child's traceback goes with the exception (shown by --debug)
        answer[1].add_note("".join(traceback.format_exception(answer[1])))
    try:
        conn.send(answer)
    except Exception as exc:  # an answer that does not pickle: say so, do not leave the parent waiting
        conn.send(("error", RuntimeError(f"svaret kunde inte skickas: {type(exc).__name__}: {exc}"), answer[2]))


# ---- the process's start and end ----------------------------------------------------------


def settle() -> None:
    """Once the imports are done (vos's main process, each writer process): what they made —
    modules, classes, functions, some 80 000 objects — is moved out of the garbage collector's
    generations (gc.freeze), so that its full collections, a few a month, no longer walk it (a city
    month's main process: 0.26 → 0.10 s in the collector). Nothing is kept alive that would not be:
    modules live to the end anyway. A forked child inherits it."""
    gc.freeze()


def _pool_worker(yield_cores: bool) -> None:
    settle()
    if yield_cores:
        lower_priority()


# a pool's workers that yield the cores run at this niceness on Linux and macOS, at "below normal"
# on Windows: see lower_priority
WORKER_NICENESS = 10


def lower_priority() -> None:
    """This process yields the cores to the run's own work: the writer processes, which write the
    workbooks already handed to them, run after the main process's rules, the corrections computed
    beside them and the month's recording — the work the month's swap waits for — and catch up on
    what is left when those are done. Alternating city months (five pairs): the recording, which
    the run had waited for alone at its end (0.4–0.9 s), was done before the writers every time;
    9.36–11.57 s against 9.42–13.75 s. Where the operating system refuses, the priority stays."""
    with contextlib.suppress(Exception):  # psutil's AccessDenied among them
        if IS_WINDOWS:
            import psutil

            psutil.Process().nice(psutil.BELOW_NORMAL_PRIORITY_CLASS)
        else:
            os.nice(WORKER_NICENESS)


def exit_now(code: int) -> None:
    """End the process with `code` once a command has finished: the standard streams flushed and
    the exit handlers run (atexit: the multiprocessing's and logging's among them), then os._exit —
    skipping the interpreter's teardown, which only frees what the process held, object by object
    and with several garbage collections (0.3 s after a city month, with nothing left to write).
    Only from the main thread with no other thread running; otherwise a normal exit."""
    import threading

    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if threading.current_thread() is not threading.main_thread() or threading.active_count() > 1 \
            or run_handlers is None:
        sys.exit(code)
    _flush()
    run_handlers()
    _flush()  # what the handlers wrote
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


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
