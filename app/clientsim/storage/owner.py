"""Which process owns an active session, and whether that process still runs.

A session is written by one app instance. If the app dies (crash, power cut,
SIGKILL) its sessions stay 'active' in the file; the next start marks them
'interrupted'. With two instances open at once, the second must not mark the
first one's live session, so each active session records its owner: host name,
pid and a start token (the process start time where the OS tells it) so a pid
reused by an unrelated process is not mistaken for the owner.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    token: str  # "" when the OS gives no process start time


def _start_token(pid: int) -> str | None:
    """The process start time in clock ticks since boot (Linux); "" if unknown, None if gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    # The command name (field 2) may hold spaces or ')'; fields after the last ')' are fixed.
    rest = stat.rsplit(")", 1)[-1].split()
    if rest and rest[0] in ("Z", "X"):  # exited, waiting to be reaped
        return None
    return rest[19] if len(rest) > 19 else ""


def _has_proc() -> bool:
    return sys.platform.startswith("linux") and os.path.isdir("/proc/self")


def current() -> Owner:
    pid = os.getpid()
    token = (_start_token(pid) or "") if _has_proc() else ""
    return Owner(host=socket.gethostname(), pid=pid, token=token)


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


def is_alive(pid: int, token: str | None) -> bool:
    """Is process `pid` (started at `token`, if recorded) still running on this host?"""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return _pid_alive_windows(pid)
    if _has_proc():
        now = _start_token(pid)
        if now is None:
            return False
        return not token or not now or now == token
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    except OSError:
        return False
    return True
