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

from graders.messages import Text, say
from graders.results import Isolation
from graders.sandbox import bwrap, cgroup, exposure, landlock, seccomp

LAYERS = ("process", "bwrap", "seccomp", "landlock", "cgroup")
DISABLE_VARIABLE = "SEQLAB_SANDBOX_DISABLE"
# Why a layer is not active, said in the reader's language (`seqlab doctor`, the refusal below a
# required level); a result's JSON keeps the English (`str`) as data. English → its text.
_SAID: dict[str, Text] = {}
CHOSEN = ("sandbox.reason_switched_off", "sandbox.reason_not_needed")  # off by choice
# What to do about a missing layer, for `seqlab doctor`.
ADVICE = {
    "bwrap": "sandbox.advice_bwrap",
    "seccomp": "sandbox.advice_seccomp",
    "landlock": "sandbox.advice_landlock",
    "cgroup": "sandbox.advice_cgroup",
}


def _reason(key: str, **params: object) -> str:
    text = Text(key, **params)
    english = str(text)
    _SAID[english] = text
    return english


def said(why: str) -> Text | str:
    """A reason of `Isolation.inactive` as a text to say in any language (as given if it is
    not one of ours)."""
    return _SAID.get(why, why)


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
    off = _reason("sandbox.reason_switched_off", variable=DISABLE_VARIABLE)
    unavailable = {layer: off for layer in disabled}
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
        unavailable["landlock"] = _reason("sandbox.reason_not_needed")
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
        return _reason("sandbox.reason_no_bwrap")
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
        return _reason("sandbox.reason_bwrap_failed", error=error)
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        if reason and "Unknown option" in reason[-1]:
            return _reason("sandbox.reason_bwrap_old", error=reason[-1])
        return _reason("sandbox.reason_bwrap_namespaces", error=reason[-1] if reason else "—")
    return None


def _seccomp_problem() -> str | None:
    try:
        seccomp.filter_program()
    except seccomp.SeccompUnavailable as error:
        return _reason("sandbox.reason_seccomp", error=error)
    return None


def _landlock_problem() -> str | None:
    abi = landlock.abi_version()
    if abi < 1:
        return _reason("sandbox.reason_no_landlock")
    return None


def _cgroup_problem() -> str | None:
    try:
        group = cgroup.RunCgroup.create(64 * 1024 * 1024, 8)
    except cgroup.CgroupUnavailable as error:
        return _reason("sandbox.reason_cgroup", error=error)
    group.remove()
    return None


def files_confined(isolation: Isolation) -> bool:
    """Whether a run's file access is confined (bubblewrap's mounts or Landlock's rules):
    without either, a run reads whatever the grader's uid may, a course's secrets included."""
    return bool({"bwrap", "landlock"} & set(isolation.layers))


def doctor_rows(isolation: Isolation, lang: str) -> list[tuple[str, bool, str]]:
    """(layer, works, detail or advice) for every layer, for `seqlab doctor`."""
    rows = []
    for layer in LAYERS:
        if layer in isolation.layers:
            rows.append((layer, True, _active_detail(layer, lang)))
            continue
        why = isolation.inactive.get(layer, "")
        reason = said(why)
        shown = reason.render(lang) if isinstance(reason, Text) else reason
        chosen = isinstance(reason, Text) and reason.key in CHOSEN  # nothing to install
        if not chosen:
            shown = say("sandbox.to_enable", lang, why=shown, advice=Text(ADVICE[layer]))
        rows.append((layer, False, shown))
    return rows


def _active_detail(layer: str, lang: str) -> str:
    if layer == "bwrap":
        return say("sandbox.active_bwrap", lang, path=bwrap.executable(), uid=bwrap.SANDBOX_UID)
    if layer == "landlock":
        return say("sandbox.active_landlock", lang, abi=landlock.abi_version())
    if layer == "seccomp":
        denied = len(seccomp.DENIED_SYSCALLS) + len(seccomp.PER_PROCESS_DENIED)
        return say("sandbox.active_seccomp", lang, denied=denied)
    if layer == "cgroup":
        return say("sandbox.active_cgroup", lang)
    return say("sandbox.active_process", lang)
