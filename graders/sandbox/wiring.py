"""The grader's side of one run's descriptors: what it reads, what it feeds, what it sees.

Everything the sandboxed process can write here is data. The grader keeps its own clock:
- the control pipe is parsed line by line as it arrives, under a small cap (a run that floods
  it is stopped at once, an output limit like any other flood); of what it says
  only three things count, and none can make a run look better than it was: `start` (the
  zygote reached the program: a run that ends without it failed in our code, not the
  student's), `fork` (stamped with the grader's clock when first read, so a forged or early
  one can only shorten the budget) and each set's claim about how it ended (exit status, CPU
  and memory used: shown and used to name a failure, never to pass one — the program decides
  its exit code anyway);
- each set's input is written into its stdin pipe only after the fork is stamped, so a
  program that withholds or delays the fork event never gets its inputs, and nothing it
  computes from them can run before its budget starts;
- a run may be held at a gate (`after`): its fork is stamped, and its input fed, only once
  that event is set. The engine holds the hidden sets' run until the public run has ended, so
  no process holding a hidden input is ever alive beside one whose output the student sees
  (the two may talk through anything they share: file locks, timing). Time spent waiting at
  the gate is not taken from the run's budget;
- a set is finished when its stdout and stderr reach end of file; its time is the grader's
  clock from the fork to then, and a set still open at the deadline timed out.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from graders.spec import Limits

CONTROL_CAP = 64 * 1024  # all a run may say on its control pipe; an honest one says < 1 KB
CONTROL_LINE_CAP = 512  # the zygote's longest line is under 200 bytes
# A run held at a gate waits for another run of the same program: that one's whole budget
# at most. Past this the held run is stopped (its sets time out).
GATE_WAIT_FACTOR = 2.5
WAKE = "wake"  # a selector key's data: a descriptor that only wakes `Pipes.poll`, never read


class Stream(StrEnum):
    """A pipe of the run that can flood: which one decides what the student is told."""

    STDOUT = "stdout"
    STDERR = "stderr"
    CONTROL = "control"  # the channel the template's zygote reports on


class Pipes:
    """Reads many pipes at once, each up to its byte cap (closing one that floods), feeds
    the stdin pipes it was given, and remembers when each pipe it reads reached its end."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.data: dict[int, bytearray] = {}
        self.room: dict[int, int] = {}  # bytes each pipe may still deliver
        self.sinks: dict[int, Callable[[bytes], None]] = {}
        self.pending: dict[int, memoryview] = {}
        self.flooded: set[int] = set()
        self.closed_at: dict[int, float] = {}

    def streams(self, **named: int) -> frozenset[Stream]:
        """Which of the named pipes (`stdout=fd`, …) went past their cap."""
        return frozenset(Stream(name) for name, fd in named.items() if fd in self.flooded)

    def add(self, fd: int, cap: int, sink: Callable[[bytes], None] | None = None) -> int:
        """Read `fd` up to `cap` bytes, kept in `data[fd]` or handed to `sink` as they come."""
        os.set_blocking(fd, False)
        self.data[fd], self.room[fd] = bytearray(), cap
        if sink is not None:
            self.sinks[fd] = sink
        self.selector.register(fd, selectors.EVENT_READ)
        return fd

    def feed(self, fd: int, data: bytes) -> None:
        """Write `data` into `fd` as the reader takes it, then close it (end of input)."""
        os.set_blocking(fd, False)
        self.pending[fd] = memoryview(data)
        self.selector.register(fd, selectors.EVENT_WRITE)
        self._write(fd)

    def wake_on(self, fd: int) -> None:
        """Make `poll` return as soon as `fd` is readable, without reading it (a run's pidfd,
        a warm worker's channel): the loop then sees the end it waits for at once, not at the
        end of its timeout (≈ 10–25 ms a run). Not one of the pipes; never closed here."""
        self.selector.register(fd, selectors.EVENT_READ, WAKE)

    def stop_waking(self, fd: int) -> None:
        """No more wake-ups from `fd` (a pidfd stays readable once its process has ended)."""
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(fd)

    @property
    def open_count(self) -> int:
        """Pipes still being read (stdin pipes being fed, and wake-ups, do not count)."""
        return sum(
            1
            for fd, key in self.selector.get_map().items()
            if fd not in self.pending and key.data != WAKE
        )

    def poll(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            if key.data == WAKE:
                continue
            if key.fd in self.pending:
                self._write(key.fd)
            else:
                self._read(key.fd)

    def _read(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self._close(fd)
            return
        room = self.room[fd]
        kept = chunk[:room]
        self.room[fd] -= len(kept)
        if fd in self.sinks:
            self.sinks[fd](kept)
        else:
            self.data[fd] += kept
        if len(chunk) > room:
            self.flooded.add(fd)
            self._close(fd)  # the writer now gets EPIPE instead of filling our memory

    def _write(self, fd: int) -> None:
        try:
            written = os.write(fd, self.pending[fd])
        except BlockingIOError:
            return
        except OSError:  # the reader is gone (EPIPE): it did not want the rest
            written = len(self.pending[fd])
        self.pending[fd] = self.pending[fd][written:]
        if not self.pending[fd]:
            del self.pending[fd]
            self.selector.unregister(fd)
            os.close(fd)

    def _close(self, fd: int) -> None:
        self.selector.unregister(fd)
        os.close(fd)
        self.closed_at[fd] = time.monotonic()

    def close_all(self) -> None:
        for fd, key in list(self.selector.get_map().items()):
            self.selector.unregister(fd)
            if key.data != WAKE:
                os.close(fd)
        self.pending.clear()
        self.selector.close()


@dataclass
class ControlLog:
    """What a run said on its control pipe, parsed as it arrives (see the module's docstring)."""

    sets: int
    started: bool = False
    fork_seen_at: float | None = None  # the grader's clock when it first read `fork`
    claims: dict[int, Claim] = field(default_factory=dict)
    buffer: bytearray = field(default_factory=bytearray)

    def feed(self, chunk: bytes) -> None:
        self.buffer += chunk
        while (end := self.buffer.find(b"\n")) >= 0:
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 1]
            self._event(line)
        if len(self.buffer) > CONTROL_LINE_CAP:
            self.buffer.clear()  # no line of ours is this long

    def _event(self, line: bytes) -> None:
        if not line.startswith(b'{"event": "'):  # the zygote's lines, and nothing else, are read
            return
        try:
            message = json.loads(line)
            event = message["event"]
        except (ValueError, TypeError, KeyError, RecursionError):
            return
        if event == "start":
            self.started = True
        elif event == "fork" and self.started and self.fork_seen_at is None:
            self.fork_seen_at = time.monotonic()
        elif event == "set" and self.fork_seen_at is not None:
            index, status = message.get("index"), message.get("status")
            known = _is_int(index) and 0 <= index < self.sets
            if known and _is_int(status) and 0 <= status <= 0xFFFF:  # a wait status
                cpu, peak = _number(message.get("cpu")), _number(message.get("maxrss_kb"))
                self.claims.setdefault(index, Claim(status, cpu, int(peak)))


@dataclass(frozen=True)
class Claim:
    """How a set ended, by the zygote's word (the program can write it: see the docstring)."""

    status: int
    cpu_seconds: float
    peak_kb: int


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and 0 <= value < 1e12 else 0.0


@dataclass(frozen=True)
class SetRun:
    """What the grader itself saw of one forked set."""

    stdout: bytes
    stderr: bytes
    flooded: frozenset[Stream]
    finished: bool  # its stdout and stderr reached end of file before the deadline
    wall_seconds: float  # from the fork to that end, on the grader's clock
    claim: Claim | None  # how it ended, by the zygote's word (None: no word arrived)


@dataclass
class SetWiring:
    """The pipes of one run that forks per set: our ends in `pipes`, the child's ends in
    `child_fds` — [stdin, stdout, stderr, control, then stdin, stdout and stderr of each set]
    — which the caller hands over and then closes. Sets' stdins are pipes fed at the fork."""

    pipes: Pipes
    out: int
    err: int
    control_fd: int
    control: ControlLog
    set_readers: list[tuple[int, int]]
    set_inputs: list[tuple[int, bytes]]  # our writing end of each set's stdin, and its bytes
    child_fds: list[int]
    after: threading.Event | None = None  # the gate: the fork is stamped once this is set
    started: float = 0.0
    forked_at: float | None = None  # the stamp: the sets' budget starts here
    waited: float = 0.0  # between the fork event and the stamp, held at the gate

    @classmethod
    def create(
        cls, stdins: list[str], limits: Limits, after: threading.Event | None = None
    ) -> SetWiring:
        cap = limits.output_kb * 1024
        pipes = Pipes()
        control = ControlLog(len(stdins))
        ends: list[int] = [os.open(os.devnull, os.O_RDONLY)]
        readers = []
        for cap_here, sink in ((cap, None), (cap, None), (CONTROL_CAP, control.feed)):
            read, write = os.pipe()
            readers.append(pipes.add(read, cap_here, sink))
            ends.append(write)
        set_readers, set_inputs = [], []
        for stdin in stdins:
            in_r, in_w = os.pipe()
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            ends += [in_r, out_w, err_w]
            set_inputs.append((in_w, stdin.encode("utf-8")))
            set_readers.append((pipes.add(out_r, cap), pipes.add(err_r, cap)))
        return cls(pipes, *readers, control, set_readers, set_inputs, ends, after)

    def fork_config(self, limits: Limits, name: Callable[[int], int]) -> dict:
        """The zygote's fork plan, naming each child descriptor by `name(position)`."""
        sets = [
            {"stdin": name(4 + 3 * i), "stdout": name(5 + 3 * i), "stderr": name(6 + 3 * i)}
            for i in range(len(self.set_readers))
        ]
        return {"sets": sets, "set_seconds": limits.set_seconds}

    def begin(self) -> None:
        self.started = time.monotonic()

    def poll(self, timeout: float) -> None:
        held = self.after is not None and self.forked_at is None
        if held and self.control.fork_seen_at is not None:
            # Held at the gate: wait on the gate itself, so the sets get their input the
            # moment it opens (a pipe poll would notice it only at the end of its timeout).
            self.after.wait(timeout)
            timeout = 0
        self.pipes.poll(timeout)
        seen = self.control.fork_seen_at
        gate_open = self.after is None or self.after.is_set()
        if seen is not None and self.forked_at is None and gate_open:
            # The budget starts now: only now may the sets have their input.
            self.forked_at = time.monotonic()
            self.waited = self.forked_at - seen
            for fd, data in self.set_inputs:
                self.pipes.feed(fd, data)

    def close(self) -> None:
        self.pipes.poll(0)
        self.pipes.close_all()
        if self.forked_at is None:
            for fd, _ in self.set_inputs:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def set_budget(self, limits: Limits) -> float:
        """Each set's own time after the fork, within what is left of the whole run (time
        held at the gate is not the run's)."""
        assert self.forked_at is not None
        left = self.started + limits.wall_seconds + self.waited - self.forked_at
        return max(min(limits.set_seconds, left), 0.0)

    @property
    def shared_seconds(self) -> float | None:
        """The run's own time before the fork (None: it never forked)."""
        seen = self.control.fork_seen_at
        return None if seen is None or self.forked_at is None else seen - self.started

    @property
    def flooded(self) -> frozenset[Stream]:
        """Which of the run's shared outputs and its control pipe went past their cap."""
        return self.pipes.streams(stdout=self.out, stderr=self.err, control=self.control_fd)

    def deadline(self, limits: Limits) -> float:
        """The whole run's budget; once the sets are forked, theirs (side by side); now, once
        the control pipe has flooded (nothing it says could be heard any more)."""
        if self.control_fd in self.pipes.flooded:
            return self.started
        if self.forked_at is not None:
            return self.forked_at + self.set_budget(limits)
        if self.control.fork_seen_at is not None:  # held at the gate, while the other run
            return self.started + GATE_WAIT_FACTOR * limits.wall_seconds  # finishes its own
        return self.started + limits.wall_seconds

    def set_runs(self, limits: Limits) -> list[SetRun]:
        """Each set as the grader saw it (call after the run ended and `close()`)."""
        return [self.set_run(index, limits) for index in range(len(self.set_readers))]

    def set_run(self, index: int, limits: Limits) -> SetRun:
        """One set as the grader has seen it so far (final once the run ended)."""
        forked_at = self.forked_at
        assert forked_at is not None
        deadline = forked_at + self.set_budget(limits)
        out, err = self.set_readers[index]
        ends = [self.pipes.closed_at.get(fd) for fd in (out, err)]
        finished_at = max(ends) if None not in ends else None
        finished = finished_at is not None and finished_at <= deadline
        return SetRun(
            stdout=bytes(self.pipes.data[out]),
            stderr=bytes(self.pipes.data[err]),
            flooded=self.pipes.streams(stdout=out, stderr=err),
            finished=finished,
            wall_seconds=(finished_at if finished else deadline) - forked_at,
            claim=self.control.claims.get(index),
        )

    def ended_sets(self, limits: Limits) -> list[int]:
        """Sets already over while the run goes on: both output pipes at end of file within
        the budget and the zygote's word on how the set ended arrived. Nothing the run does
        later changes what such a set printed or how it ended (runner.EarlyResults)."""
        if self.forked_at is None:
            return []
        deadline = self.forked_at + self.set_budget(limits)
        closed = self.pipes.closed_at
        return [
            index
            for index, pipes in enumerate(self.set_readers)
            if index in self.control.claims
            and all(fd in closed and closed[fd] <= deadline for fd in pipes)
        ]
