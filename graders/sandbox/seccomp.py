"""The system-call filter every sandboxed run gets (where libseccomp is available).

libseccomp (through its ctypes binding, pyseccomp) compiles a deny-list into a classic BPF
program once per grader process. The same bytes are installed two ways: bubblewrap loads
them from a descriptor (`--seccomp FD`), and the Landlock level installs them in the child
with prctl just before it executes the interpreter (install_in_child). Everything not listed
is allowed: torch training needs the ordinary system calls, and the filesystem, network
and process layers decide the rest; the filter removes the kernel interfaces a program
never needs and an attacker loves.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import socket
from collections.abc import Callable

# Kernel interfaces no lab needs: debugging other processes, new namespaces and mounts,
# kernel objects (bpf, keys, modules), and notification channels used in exploits.
DENIED_SYSCALLS = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "unshare",
    "setns",
    "pivot_root",
    "chroot",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "open_by_handle_at",
    "name_to_handle_at",
    "pidfd_getfd",
    # Locks and change notifications on files every run can see (the read-only system trees)
    # would let two runs that live at the same time talk: not needed, so not allowed.
    "flock",
    "inotify_init",
    "inotify_init1",
    "inotify_add_watch",
    "fanotify_init",
    "fanotify_mark",
    # The page cache outlives every run and is shared by all: a run that could evict a file's
    # pages, or ask which are cached, could leave bits there for a later run to read.
    "fadvise64",
    "readahead",
    "mincore",
    "cachestat",
    # System V IPC and POSIX message queues outlive a run where it has no IPC namespace of
    # its own (the medium level): no lab needs them (multiprocessing uses /dev/shm files).
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
)
# Values a run sets on itself that others read by its process id, where runs share a pid
# namespace (the medium level): each was a channel between live runs (red team, issue 17 — a
# hidden input sent as I/O priorities found by a nice value, as gids shuffled among the real,
# effective and saved ones, as process groups made and left). No lab sets them; a run's ids and
# session are the grader's to give.
PER_PROCESS_DENIED = (
    "ioprio_set",
    "ioprio_get",
    "setpriority",
    "sched_setaffinity",
    "sched_setscheduler",
    "sched_setparam",
    "sched_setattr",
    *("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid"),
    *("setfsuid", "setfsgid", "setgroups", "setpgid", "setsid"),
)
# Calls that name a process by an argument (its index here): for itself a program passes 0, as
# the C library does; another process's limits, session, group or priority are refused. (Its
# own id spelled out, `os.getsid(os.getpid())`, is refused too: a filter cannot know it.)
OTHERS_DENIED = (("prlimit64", 0), ("getsid", 0), ("getpgid", 0), ("getpriority", 1))
# A descriptor for any process by its id, whose information (exit code, ids) anyone holding it
# reads: "not implemented", so a library falls back to what it did before pidfds.
PIDFD_DENIED = ("pidfd_open",)
# Newer than some libseccomp releases: left out where the library does not know them.
RECENT_SYSCALLS = frozenset({"cachestat"})
# madvise() advice that pushes pages out of the page cache (MADV_COLD, MADV_PAGEOUT).
MADVISE_DENIED = (20, 21)
# fcntl() commands with the same use: record locks (POSIX and open-file-description),
# leases and directory notifications. Every other fcntl (flags, descriptors, pipes) is fine.
FCNTL_DENIED = (5, 6, 7, 36, 37, 38, 1024, 1025, 1026)
# clone() flags that would make new namespaces (a nested user namespace regains powers).
NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
TIOCSTI = 0x5412  # push characters into a terminal's input: a way out of any sandbox
TIOCLINUX = 0x541C

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class SeccompUnavailable(Exception):
    """libseccomp or its binding is missing, or the kernel refused the filter."""


# A warm worker (never a student's code) makes each submission its own mount and IPC
# namespace with fresh tmpfs mounts, and waits on it through a pidfd; its children install the
# full filter before any student code runs (filters stack, so the stricter one holds for them).
WORKER_ALLOWED = ("mount", "unshare")


@functools.cache
def filter_program(*, worker: bool = False, own_network: bool = False) -> bytes:
    """The compiled BPF program (raw `struct sock_filter` array). `worker=True` leaves
    `mount`, `unshare` and `pidfd_open` to the warm worker itself; `own_network`: the run has
    a network namespace of its own (bubblewrap), so its Unix sockets name nothing another run
    sees."""
    try:
        import pyseccomp as seccomp  # a ctypes binding: fails here if libseccomp is missing
    except (ImportError, OSError) as error:
        raise SeccompUnavailable(f"pyseccomp/libseccomp not loadable: {error}") from error
    try:
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        deny = seccomp.ERRNO(errno.EPERM)
        for name in DENIED_SYSCALLS:
            if worker and name in WORKER_ALLOWED:
                continue
            try:
                rules.add_rule(deny, name)
            except (RuntimeError, ValueError, OSError):  # libseccomp < 2.5.5: EINVAL
                if name not in RECENT_SYSCALLS:
                    raise
        for name in PER_PROCESS_DENIED:
            rules.add_rule(deny, name)
        for name, argument in OTHERS_DENIED:
            rules.add_rule(deny, name, seccomp.Arg(argument, seccomp.NE, 0))
        for name in PIDFD_DENIED if not worker else ():  # the worker waits on its child's
            rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
        # Sockets: nothing leaves even where a network exists (TCP, UDP, raw, netlink, packet).
        # A Unix socket's abstract name is one namespace per network namespace: a run with its
        # own (bubblewrap) may use them (multiprocessing's resource sharer, DataLoader workers);
        # without (medium) a bind's "address in use" is a bit another live run reads (red
        # team, issue 17), so no socket at all. Unnamed pairs remain (socketpair).
        if own_network:
            other = seccomp.Arg(0, seccomp.NE, socket.AF_UNIX)
            rules.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", other)
        else:
            rules.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket")
        for flag in NAMESPACE_FLAGS:
            rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        # clone3 passes its flags in memory a filter cannot read: answer "not implemented", so
        # the C library falls back to clone(), which the rule above inspects.
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        for request in (TIOCSTI, TIOCLINUX):
            rules.add_rule(deny, "ioctl", seccomp.Arg(1, seccomp.EQ, request))
        for command in FCNTL_DENIED:
            rules.add_rule(deny, "fcntl", seccomp.Arg(1, seccomp.EQ, command))
        for advice in MADVISE_DENIED:
            rules.add_rule(deny, "madvise", seccomp.Arg(2, seccomp.EQ, advice))
        reader, writer = os.pipe()
        try:
            with os.fdopen(writer, "wb") as sink:
                rules.export_bpf(sink)
            return _read_all(reader)
        finally:
            os.close(reader)
    except (OSError, RuntimeError, ValueError) as error:
        raise SeccompUnavailable(f"libseccomp could not build the filter: {error}") from error


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def program_fd(*, worker: bool = False) -> int:
    """An in-memory file holding the program, for `bwrap --seccomp FD` (a network namespace
    of the run's own)."""
    fd = os.memfd_create("seccomp")
    os.write(fd, filter_program(worker=worker, own_network=True))
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def child_installer(program: bytes) -> Callable[[], None]:
    """A function that installs the filter on the calling process (after fork, before exec).

    Everything that allocates or loads a library happens here, in the parent; the returned
    function only makes two prctl calls, which is safe in a freshly forked child.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))

    def install() -> None:
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")

    install.keep_alive = buffer  # the program must outlive the call
    return install
