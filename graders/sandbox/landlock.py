"""Landlock: the kernel's unprivileged file, network and signal sandbox (Linux ≥ 5.13).

Used where bubblewrap cannot make namespaces (e.g. Ubuntu 24.04's AppArmor rule against
unprivileged user namespaces). The grader builds the ruleset before it starts the run — read
and execute on the interpreter, the virtual environment and system libraries; read and write
on the run folder only — and the child restricts itself with it just before it executes the
interpreter. From ABI 4 no TCP bind/connect; from ABI 6 no signals to, and no abstract Unix
sockets of, processes outside the run (the grader included). Landlock also forbids ptrace and
/proc/<pid>/{cwd,environ,mem} of processes outside the run's domain.

Written against the system calls with ctypes because the Python binding on PyPI is a
pre-release that covers only file rules (no network rules, no scopes).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Callable, Iterable
from pathlib import Path

# x86_64 and aarch64 share these numbers (they were added after the tables were unified).
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
# Rights on files by ABI version: 1 → bits 0-12, 2 adds REFER, 3 TRUNCATE, 5 IOCTL_DEV.
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_ONLY_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)
READ_EXECUTE = EXECUTE | READ_FILE | READ_DIR
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2  # ABI 6

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def abi_version() -> int:
    """The kernel's Landlock ABI (0: not available, e.g. disabled at boot or too old)."""
    version = _libc.syscall(SYS_CREATE_RULESET, None, 0, CREATE_RULESET_VERSION)
    return max(int(version), 0)


def _fs_rights(abi: int) -> int:
    return FS_RIGHTS_BY_ABI[max(v for v in FS_RIGHTS_BY_ABI if v <= abi)]


def _check(result: int, what: str) -> int:
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"landlock {what}: {os.strerror(error)}")
    return result


def build_ruleset(read_only: Iterable[Path], read_write: Iterable[Path], abi: int) -> int:
    """A ruleset descriptor allowing only the given trees; paths that do not exist are skipped."""
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled, 0, 0)
    size = 8
    if abi >= 4:
        attr.handled_access_net, size = NET_BIND_TCP | NET_CONNECT_TCP, 16
    if abi >= 6:
        attr.scoped, size = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL, 24
    ruleset = _check(_libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), size, 0), "ruleset")
    try:
        for paths, rights in ((read_only, READ_EXECUTE), (read_write, handled)):
            for path in paths:
                _allow(ruleset, path, rights & handled)
    except OSError:
        os.close(ruleset)
        raise
    return ruleset


def _allow(ruleset: int, path: Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not path.is_dir():
            rights &= FILE_ONLY_RIGHTS
        rule = _PathBeneath(rights, fd)
        _check(
            _libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0),
            f"rule for {path}",
        )
    finally:
        os.close(fd)


def child_installer(ruleset: int) -> Callable[[], None]:
    """A function for the child, after fork and before exec: restrict itself to the ruleset."""

    def install() -> None:
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(_libc.syscall(SYS_RESTRICT_SELF, ruleset, 0), "restrict_self")
        with contextlib.suppress(OSError):
            os.close(ruleset)

    return install
