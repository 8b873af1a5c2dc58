"""Which process owns an active session, and whether that process still runs.

A session is written by one app instance. If the app dies (crash, power cut,
SIGKILL) its sessions stay 'active' in the file; the next start marks them
'interrupted'. With two instances open at once, the second must not mark the
first one's live session, so each active session records its owner: host
name, pid and a token.

The token names a lock file that the owning process holds (fcntl.flock) for
as long as it lives: the operating system releases the lock when the process
ends, however it ends, so "can I take the lock?" answers "is the owner gone?"
without reading /proc, and a pid reused by an unrelated process cannot be
mistaken for the owner. Lock files live in a per-user folder of the system
temp folder (`clientsim-owners-<uid>`). Where there is no fcntl (Windows) the
token is empty and the pid is checked with OpenProcess.
"""

from __future__ import annotations

import atexit
import os
import socket
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

LOCK_PREFIX = "lock:"


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    token: str  # "lock:<hex>" naming the held lock file; "" where there is no fcntl


_held: dict[int, tuple[str, int, Path]] = {}  # pid -> (token, fd, path): forked children get their own


def _lock_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"clientsim-owners-{uid}"


def _lock_path(token: str) -> Path:
    return _lock_dir() / f"{token[len(LOCK_PREFIX):]}.lock"


def _my_token() -> str:
    pid = os.getpid()
    if pid in _held:
        return _held[pid][0]
    if fcntl is None:
        return ""
    token = LOCK_PREFIX + uuid.uuid4().hex
    path = _lock_path(token)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return ""  # no lock: others fall back to checking the pid
    _held[pid] = (token, fd, path)
    atexit.register(_release, pid)
    return token


def _release(pid: int) -> None:
    if os.getpid() != pid or pid not in _held:
        return
    _, fd, path = _held.pop(pid)
    try:
        path.unlink()
        os.close(fd)
    except OSError:
        pass


def current() -> Owner:
    return Owner(host=socket.gethostname(), pid=os.getpid(), token=_my_token())


def _pid_alive_windows(pid: int) -> bool:
    import ctypes

    PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
    STILL_ACTIVE = 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _pid_exists(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    except OSError:
        return False
    return True


def _lock_is_held(token: str) -> bool | None:
    """True while the owner holds its lock, False once it is free (owner gone); None if the file is absent."""
    path = _lock_path(token)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        path.unlink()  # its owner is gone: tidy up
    except OSError:
        pass
    return False


def is_alive(pid: int, token: str | None) -> bool:
    """Is process `pid` (holding the lock named by `token`, if recorded) still running on this host?"""
    if pid <= 0:
        return False
    if token and token.startswith(LOCK_PREFIX) and fcntl is not None:
        held = _lock_is_held(token)
        if held is not None:
            return held
        # No lock file: another user's process, or one whose temp folder was cleared. Ask about the pid.
    return _pid_exists(pid)
