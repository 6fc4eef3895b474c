"""Bubblewrap: every namespace unshared, a minimal read-only root, an unprivileged uid.

Inside, the run sees `/usr` (and the /bin, /lib, /lib64 links), the dynamic linker's cache,
the interpreter's prefix and the virtual environment, all read-only; a fresh /proc of its own
pid namespace (so it cannot see, signal or ptrace the grader or other runs); a minimal /dev;
and two size-limited tmpfs: /tmp and the run folder, into which the program is copied from a
descriptor. Nothing on the host is writable; nothing written outlives the run. No network
namespace peers: only a loopback nobody listens on. bwrap is started with an empty
environment, because `--clearenv` would still leave its own visible in /proc/1/environ.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

RUN_FOLDER = "/sandbox"
SANDBOX_UID = 65534  # nobody
TMPFS_BYTES = 64 * 1024 * 1024
# A warm worker mounts a fresh tmpfs per submission (in a mount namespace of the
# submission's own); it needs this one capability inside its user namespace, and no more.
WORKER_CAPABILITIES = ("CAP_SYS_ADMIN",)
# System files the interpreter and torch read at start-up.
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")


def executable() -> str | None:
    return shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")


def _root_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", str(path.readlink()), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for file in SYSTEM_FILES:
        if Path(file).exists():
            args += ["--ro-bind", file, file]
    for prefix in interpreter_trees():
        if not prefix.startswith("/usr/"):
            args += ["--ro-bind", prefix, prefix]
    return args


def readable_trees() -> list[str]:
    """Every host folder a run can read (bound read-only here, Landlock's read-only rules at
    the medium level): system files, the interpreter and its packages."""
    return ["/usr", "/bin", "/lib", "/lib64", *interpreter_trees()]


def interpreter_trees() -> list[str]:
    """The folders the interpreter and its packages live in (the venv and its base)."""
    trees = {sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parent.parent)}
    return sorted(trees)


def command(
    inner: list[str],
    *,
    program_fd: int,
    filename: str,
    seccomp_fd: int | None,
    run_folder_bytes: int,
    env: dict[str, str],
    keep_capabilities: tuple[str, ...] = (),
) -> list[str]:
    args = [
        executable() or "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",  # no nested user namespace: it would give capabilities back
        "--die-with-parent",
        # The zygote itself is pid 1 (no bwrap init between): bwrap then waits for it, so
        # the grader's rusage covers the run, and signals from inside cannot kill it.
        "--as-pid-1",
        "--new-session",  # no controlling terminal: TIOCSTI cannot type into the grader's
        "--cap-drop",
        "ALL",
        *[arg for capability in keep_capabilities for arg in ("--cap-add", capability)],
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        # /tmp first: the interpreter or the venv may live under /tmp (a CI clone), and a
        # tmpfs mounted after their binds would hide them.
        "--size",
        str(TMPFS_BYTES),
        "--tmpfs",
        "/tmp",
        *_root_binds(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(run_folder_bytes),
        "--perms",
        "0700",
        "--tmpfs",
        RUN_FOLDER,
        "--file",
        str(program_fd),
        f"{RUN_FOLDER}/{filename}",
        "--chdir",
        RUN_FOLDER,
        # The sandbox's own root (a tmpfs holding the mount points) is not for writing.
        "--remount-ro",
        "/",
    ]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--", *inner]
