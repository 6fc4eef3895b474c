"""An Ubuntu 22.04 root file system shaped like Gradescope's default autograder image, for
tests/test_gradescope_root.py: no container engine exists on these machines, so the root is
built with debootstrap from Ubuntu's own archive and entered with bubblewrap (as root).

Two cached layers under $SEQLAB_TEST_ROOTS (default /var/cache/seqlab-test-roots), each
keyed by what it was built from and renamed into place only when complete:
- image-<key>: `debootstrap --variant=minbase jammy` (what the ubuntu:22.04 image holds) plus
  python3 (3.10) and python3-pip, Gradescope's base; ~5 min, once per machine.
- setup-<key>: the image after a bundle's setup.sh (python3.11, bubblewrap, the pinned venv),
  keyed by setup.sh and requirements.txt; ~4 min, again only when either changes.
Each test run mounts an overlay on the setup layer, so runs never change the cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

MIRROR = "http://archive.ubuntu.com/ubuntu"
SECURITY = "http://security.ubuntu.com/ubuntu"
SUITE = "jammy"
BASE_PACKAGES = ("python3", "python3-pip")  # Gradescope's base image: its python3 is 3.10
# Ubuntu's archive key, pinned by the package's checksum: the keyring is fetched over the
# same plain HTTP as the archive, so the checksum is the trust anchor (Debian carries no
# ubuntu-keyring in bookworm).
KEYRING_DEB = f"{MIRROR}/pool/main/u/ubuntu-keyring/ubuntu-keyring_2021.03.26_all.deb"
KEYRING_SHA256 = "0d0e7ed6b112f5d03eabf3c7eb01ebdacf9c57714b279e90495cfc58c8c4520f"
SOURCES = f"""deb {MIRROR} {SUITE} main restricted universe multiverse
deb {MIRROR} {SUITE}-updates main restricted universe multiverse
deb {SECURITY} {SUITE}-security main restricted universe multiverse
"""
BUILD_TIMEOUT = 1200  # each layer: a slow mirror fails the test rather than hanging it
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")  # this machine's (its proxy's) CAs
LOCAL_WHEELS = Path("/opt/wheels")  # torch's CPU wheel, found by this machine's pip config


class RootUnavailable(Exception):
    """The root cannot be built here (archive unreachable, tool missing); says why."""


def cache_folder() -> Path:
    return Path(os.environ.get("SEQLAB_TEST_ROOTS", "/var/cache/seqlab-test-roots"))


def _key(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def image_key() -> str:
    return _key(SUITE, MIRROR, SOURCES, KEYRING_SHA256, *BASE_PACKAGES)


def enter(root: Path, command: list[str], env: dict[str, str] | None = None) -> list[str]:
    """bwrap's command line running `command` as root inside `root`, with the host's
    network, its CA bundle (pip reaches PyPI through this machine's TLS proxy) and its local
    wheels read-only — as pip would find them here."""
    line = ["bwrap", "--clearenv", "--bind", str(root), "/", "--dev", "/dev", "--proc", "/proc"]
    line += ["--perms", "1777", "--tmpfs", "/tmp", "--tmpfs", "/run"]
    line += ["--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"]
    line += ["--ro-bind", str(HOST_CA), "/etc/seqlab-host-ca.pem"]
    if LOCAL_WHEELS.is_dir():
        line += ["--ro-bind", str(LOCAL_WHEELS), str(LOCAL_WHEELS)]
    line += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent"]
    variables = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "DEBIAN_FRONTEND": "noninteractive",
        "PIP_CERT": "/etc/seqlab-host-ca.pem",
        "PIP_FIND_LINKS": str(LOCAL_WHEELS),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **(env or {}),
    }
    for name, value in variables.items():
        line += ["--setenv", name, value]
    return line + command


def run(line: list[str], log: Path, timeout: float = BUILD_TIMEOUT) -> None:
    with log.open("ab") as sink:
        try:
            done = subprocess.run(line, stdout=sink, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise RootUnavailable(f"{line[:3]}… took over {timeout} s (log: {log})") from error
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RootUnavailable(f"{' '.join(line[-4:])} exited {done.returncode}; log {log}:\n{tail}")


def _reachable() -> None:
    try:
        with urllib.request.urlopen(f"{MIRROR}/dists/{SUITE}/Release", timeout=20) as answer:
            answer.read(64)
    except OSError as error:
        raise RootUnavailable(
            f"Ubuntu's archive ({MIRROR}) is unreachable from this machine ({error}): the "
            "Ubuntu 22.04 root cannot be built. Allow HTTP to archive.ubuntu.com and "
            "security.ubuntu.com, or point SEQLAB_TEST_ROOTS at a folder holding a built root."
        ) from error


def _keyring(folder: Path) -> Path:
    deb = folder / "ubuntu-keyring.deb"
    with urllib.request.urlopen(KEYRING_DEB, timeout=60) as answer:
        deb.write_bytes(answer.read())
    if hashlib.sha256(deb.read_bytes()).hexdigest() != KEYRING_SHA256:
        raise RootUnavailable(f"{KEYRING_DEB} does not have the pinned checksum")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(folder / "keyring")], check=True)
    return folder / "keyring/usr/share/keyrings/ubuntu-archive-keyring.gpg"


def image() -> Path:
    """The cached Ubuntu 22.04 + python3 image, built on first use."""
    final = cache_folder() / f"image-{image_key()}"
    if final.is_dir():
        return final
    for tool in ("debootstrap", "bwrap", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise RootUnavailable(f"{tool} is missing: apt-get install debootstrap bubblewrap")
    _reachable()
    building = cache_folder() / f"building-{image_key()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    log = cache_folder() / f"image-{image_key()}.log"
    log.unlink(missing_ok=True)
    keyring = _keyring(building)
    rootfs = building / "root"
    options = ["--variant=minbase", f"--keyring={keyring}", "--components=main,universe"]
    run(["debootstrap", *options, SUITE, str(rootfs), MIRROR], log)
    (rootfs / "etc/apt/sources.list").write_text(SOURCES, encoding="utf-8")
    packages = " ".join(BASE_PACKAGES)
    script = f"apt-get update -qq && apt-get install -y -qq --no-install-recommends {packages}"
    run(enter(rootfs, ["bash", "-c", script]), log)
    rootfs.rename(final)
    shutil.rmtree(building)
    return final


@contextlib.contextmanager
def _building_lock() -> Iterator[None]:
    """One builder of the cache at a time: pytest-xdist may set this file's module fixture up
    on two workers at once, and both would build (and delete) the same folder."""
    cache_folder().mkdir(parents=True, exist_ok=True)
    with open(cache_folder() / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def setup_layer(bundle_source: Path, env: dict[str, str]) -> Path:
    """The image after the bundle's setup.sh (its first run, as Gradescope's image build
    does), cached by setup.sh and requirements.txt."""
    with _building_lock():
        return _setup_layer(bundle_source, env)


def _setup_layer(bundle_source: Path, env: dict[str, str]) -> Path:
    base = image()
    texts = [(bundle_source / name).read_bytes() for name in ("setup.sh", "requirements.txt")]
    key = _key(base.name, *texts)
    final = cache_folder() / f"setup-{key}"
    if final.is_dir():
        return final
    building = cache_folder() / f"building-setup-{key}"
    shutil.rmtree(building, ignore_errors=True)
    subprocess.run(["cp", "-a", "--reflink=auto", str(base), str(building)], check=True)
    shutil.copytree(bundle_source, building / "autograder/source")
    log = cache_folder() / f"setup-{key}.log"
    log.unlink(missing_ok=True)
    run(enter(building, ["bash", "/autograder/source/setup.sh"], env), log)
    building.rename(final)
    return final


class Overlay:
    """A throw-away writable view of a cached layer (overlayfs; the layer stays as built)."""

    def __init__(self, lower: Path, scratch: Path) -> None:
        self.merged = scratch / "merged"
        for name in ("upper", "work", "merged"):
            (scratch / name).mkdir(parents=True)
        options = f"lowerdir={lower},upperdir={scratch / 'upper'},workdir={scratch / 'work'}"
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(self.merged)])
        if not os.path.ismount(self.merged):
            raise RootUnavailable("overlayfs could not be mounted here (needs root)")

    def close(self) -> None:
        subprocess.run(["umount", "--lazy", str(self.merged)], check=False)
