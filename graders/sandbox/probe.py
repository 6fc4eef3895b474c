"""Which isolation layers work on this machine, probed once per process and cached.

Levels (what a result's `isolation.level` says):
- strong: bubblewrap namespaces + the seccomp filter (+ a cgroup where allowed);
- medium: no namespaces, but Landlock (files, TCP, signals) + seccomp + no capabilities,
  or namespaces without the filter;
- weak: layer 0 only — a separate, limited process (+ a cgroup where allowed).
A layer can be switched off (`SEQLAB_SANDBOX_DISABLE=bwrap,cgroup` or `seqlab --without
LAYER`), so the fallbacks can be tested and measured on a machine that has them all.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import subprocess
from pathlib import Path

from graders.results import Isolation
from graders.sandbox import bwrap, cgroup, exposure, landlock, seccomp

LAYERS = ("process", "bwrap", "seccomp", "landlock", "cgroup")
DISABLE_VARIABLE = "SEQLAB_SANDBOX_DISABLE"
# What to do about a missing layer, for `seqlab doctor`.
ADVICE = {
    "bwrap": "install bubblewrap (apt-get install bubblewrap) and allow unprivileged user "
    "namespaces (sysctl kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu ≥ 23.10, "
    "user.max_user_namespaces > 0)",
    "seccomp": "install libseccomp2 and the pyseccomp package (pip install pyseccomp)",
    "landlock": "use Linux ≥ 5.13 with landlock in the lsm= boot parameter (ABI ≥ 6 also "
    "scopes signals)",
    "cgroup": "run the grader as root, or delegate a cgroup v2 subtree with the memory and pids "
    "controllers to its user (systemd-run --user --scope -p Delegate=yes ...)",
}


def disabled_by_environment() -> frozenset[str]:
    names = os.environ.get(DISABLE_VARIABLE, "")
    return frozenset(name.strip() for name in names.split(",") if name.strip())


def current(secrets: tuple[Path, ...] = ()) -> Isolation:
    """The isolation runs get now, given what is switched off in the environment; no more
    than weak while any of the `secrets` (a course's, say) is readable inside the sandbox."""
    isolation = detect(disabled_by_environment())
    found = exposure.exposed(secrets) if secrets else ()
    if not found:
        return isolation
    level = "weak" if isolation.level != "none" else isolation.level
    return dataclasses.replace(isolation, level=level, exposed=found)


@functools.cache
def detect(disabled: frozenset[str] = frozenset()) -> Isolation:
    unavailable = {layer: f"switched off ({DISABLE_VARIABLE})" for layer in disabled}
    for layer, check in (
        ("bwrap", _bwrap_problem),
        ("seccomp", _seccomp_problem),
        ("landlock", _landlock_problem),
        ("cgroup", _cgroup_problem),
    ):
        if layer not in unavailable and (problem := check()):
            unavailable[layer] = problem
    works = {layer for layer in LAYERS[1:] if layer not in unavailable}
    if "bwrap" in works and "landlock" in works:
        works.discard("landlock")  # bubblewrap already confines the files; one is enough
        unavailable["landlock"] = "not needed: bubblewrap confines the file system"
    if "bwrap" in works and "seccomp" in works:
        level = "strong"
    elif works & {"bwrap", "landlock"}:
        level = "medium"
    else:
        level = "weak"
    layers = tuple(layer for layer in LAYERS if layer == "process" or layer in works)
    return Isolation(level, layers, dict(sorted(unavailable.items())))


def _bwrap_problem() -> str | None:
    path = bwrap.executable()
    if path is None:
        return "bubblewrap is not installed"
    trial = [path, "--unshare-all", "--unshare-user", "--die-with-parent", "--cap-drop", "ALL"]
    trial += ["--uid", str(bwrap.SANDBOX_UID), "--ro-bind", "/", "/"]
    # Options the real command needs that bubblewrap < 0.8 (Ubuntu 22.04's 0.6.1) lacks:
    # there the layer is unavailable rather than every run failing to start.
    trial += ["--disable-userns", "--size", "65536", "--perms", "0700", "--tmpfs", "/tmp"]
    # `true`, not Python: the question is whether namespaces can be made (≈ 5 ms, not 80).
    trial += ["--", shutil.which("true") or "/bin/true"]
    try:
        done = subprocess.run(trial, env={}, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap did not run: {error}"
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        if reason and "Unknown option" in reason[-1]:
            return f"bubblewrap is older than 0.8 ({reason[-1]}): install bubblewrap ≥ 0.8"
        return f"bubblewrap cannot make namespaces here: {reason[-1] if reason else 'failed'}"
    return None


def _seccomp_problem() -> str | None:
    try:
        seccomp.filter_program()
    except seccomp.SeccompUnavailable as error:
        return str(error)
    return None


def _landlock_problem() -> str | None:
    abi = landlock.abi_version()
    if abi < 1:
        return "the kernel has no Landlock (Linux < 5.13, or not in the lsm= list)"
    return None


def _cgroup_problem() -> str | None:
    try:
        group = cgroup.RunCgroup.create(64 * 1024 * 1024, 8)
    except cgroup.CgroupUnavailable as error:
        return str(error)
    group.remove()
    return None


def files_confined(isolation: Isolation) -> bool:
    """Whether a run's file access is confined (bubblewrap's mounts or Landlock's rules):
    without either, a run reads whatever the grader's uid may, a course's secrets included."""
    return bool({"bwrap", "landlock"} & set(isolation.layers))


def doctor_rows(isolation: Isolation) -> list[tuple[str, bool, str]]:
    """(layer, works, detail or advice) for every layer, for `seqlab doctor`."""
    rows = []
    for layer in LAYERS:
        if layer in isolation.layers:
            detail = _active_detail(layer)
            rows.append((layer, True, detail))
        else:
            why = isolation.inactive.get(layer, "")
            advice = ADVICE.get(layer, "")
            needed = why.startswith("not needed") or why.startswith("switched off")
            rows.append((layer, False, why if needed else f"{why} — to enable: {advice}"))
    return rows


def _active_detail(layer: str) -> str:
    if layer == "process":
        return "separate python -I, empty environment, rlimits, own session, output caps"
    if layer == "bwrap":
        return f"{bwrap.executable()}: all namespaces, uid {bwrap.SANDBOX_UID}, read-only root"
    if layer == "landlock":
        return f"ABI {landlock.abi_version()}"
    if layer == "seccomp":
        denied = len(seccomp.DENIED_SYSCALLS)
        return f"{denied} system calls denied, no sockets (unnamed pairs only)"
    return "memory, pids and CPU share per run, CPU time counted, kill-all at the end"
