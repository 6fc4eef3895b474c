"""Batch grading throughput: the same N submissions (--count, default 20) graded cold, warm
with 1 worker and warm with 2 workers by `seqlab grade`, and by real `nbgrader autograde` on
the equivalent nbgrader course, for a non-training lab and for seq2seq.

The submissions per lab: the starter, a file with a damaged End marker, an endless loop
and a memory bomb (in the last blank), every mistake of the lab's corpus (up to 10), and the
reference for the rest. Each seqlab mode runs `seqlab grade FOLDER --lab LAB` as a whole
process into a fresh gradebook; the scores of every mode must agree. Prints wall and CPU
times (the command's and its children's, getrusage), ratios, and the peak memory of one warm
worker (its cgroup's high-water mark, sampled while it runs).

Every figure stands beside the lab's floor (bench/floor.py: one submission's sets forked
from a warm parent, no sandbox) and its ratio to it. The engine's overhead per submission
is the marginal time of one more reference through one warm worker — (T(2K) − T(K)) / K,
so pool start and gradebook set-up drop out — less the floor (goal ≤ 30 ms). 2 workers vs
1: the wall ratio (goal ≥ 1.8x) and the CPU each used: on a busy machine the CPU time says
whether the work itself grew or the cores were taken.

nbgrader: `seqlab export nbgrader` writes the course, `nbgrader generate_assignment LAB`
releases it, and each submission goes into submitted/<student>/<lab>/<lab>.ipynb as a student
hands it in: the released notebook with the submission's blank cells (cut from the program
by graders/cells.py, as the exported source was) in place of the solution cells.
`nbgrader autograde LAB` is timed as a whole process (it grades serially, one kernel per
notebook); its scores are read from its gradebook and compared per student with seqlab's.
The course's per-cell timeout is set to nbgrader's default, 30 s (the export sets the lab's
budget + 60 s), and nbgrader runs under a 6 GiB address-space limit, so the memory bomb,
which runs unsandboxed in the kernel when its blank is top-level code, cannot take the
machine. `--nbgrader-sample N` autogrades every distinct submission (the hostile ones among
them) and N less those of the reference's copies, evenly spread, and scales the copies' time
to all of them (`sample_groups`).

    .venv/bin/python bench/batch_bench.py [--labs rnn-numpy seq2seq] [--skip-nbgrader]
        [--nbgrader-sample N] [--count 200]
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import floor
import nbformat
import options
from batch_run import run_batch

from graders.cells import cut
from graders.course.corpus import corpus_program, load_corpus
from graders.errors import SeqlabError
from graders.markers import parse
from graders.spec import Course

HOSTILE_BODY = {
    "endless loop": "while True:\n    pass\n",
    "memory bomb": "blocks = []\nwhile True:\n    blocks.append(bytearray(256 << 20))\n",
}
CELL_TIMEOUT = 30  # nbgrader's default per-cell timeout, seconds
NBGRADER_MEMORY = 6 << 30  # address-space limit of nbgrader and its kernels, bytes
BIN = Path(sys.executable).parent
END_MARKER = re.compile(r"^([ \t]*#[#*]+[ \t]*)End\b", re.MULTILINE | re.IGNORECASE)


def damage_marker(text: str) -> str:
    """The first End marker misspelt `Ende`: no longer a marker."""
    return END_MARKER.sub(r"\1Ende", text, count=1)


def submissions(lab, count: int = 20) -> dict[str, str]:
    """`count` named submissions (at least 20): right, wrong, broken and hostile."""
    reference = lab.solution_path.read_text(encoding="utf-8")
    found = {"starter": lab.starter_path.read_text(encoding="utf-8")}
    found["broken-markers"] = damage_marker(reference)
    layout = parse(reference, "reference")
    last = len(layout.blanks) - 1
    indent = layout.blanks[last].body[0][: -len(layout.blanks[last].body[0].lstrip())]
    for name, body in HOSTILE_BODY.items():
        bodies = [blank.body for blank in layout.blanks]
        bodies[last] = tuple(indent + line for line in body.splitlines(True))
        found[name.replace(" ", "-")] = layout.render(bodies)
    for entry in load_corpus(lab):
        if len(found) >= 14:
            break
        found[f"corpus-{entry.name}"] = corpus_program(reference, entry)
    index = 1
    while len(found) < max(count, 20):
        found[f"reference-{index}"] = reference
        index += 1
    return found


# --- seqlab ---------------------------------------------------------------------------------


def scores_of(document: dict) -> dict[str, float | None]:
    return {entry["student"]: entry.get("score") for entry in document["submissions"]}


def bench_seqlab(lab, folder: Path, count: int, fl: floor.Floor):
    """The three modes on the submissions: wall seconds per mode, scores, documents."""
    modes = {
        "cold, 2 workers": ["--workers", "2", "--cold"],
        "warm, 1 worker": ["--workers", "1"],
        "warm, 2 workers": ["--workers", "2"],
    }
    timings, cpus, agreed, document = {}, {}, None, {}
    for mode, extra in modes.items():
        elapsed, document, peak = run_batch(lab.id, folder, extra, floor.clean_env())
        timings[mode], cpus[mode] = elapsed, document["_cpu"]
        scores = scores_of(document)
        agreed = scores if agreed is None else agreed
        same = "same scores" if scores == agreed else f"DIFFERENT scores: {scores}"
        memory = f"   peak/worker {peak:5.0f} MB (memory bomb included)" if peak else ""
        per = elapsed / count
        print(
            f"{mode:<18} {elapsed:8.2f} s  cpu {cpus[mode]:7.2f} s  {per * 1000:7.0f} ms/sub"
            f" {floor.ratio(per, fl.warm_fork)} floor   {same}{memory}"
        )
    return timings, cpus, agreed, {e["student"]: e for e in document["submissions"]}


def bench_overhead(lab, fl: floor.Floor, copies: int = 20) -> None:
    """The engine's own cost per submission: K and 2K copies of the reference through one
    warm worker (the faster of two runs each: a busy machine only adds); the marginal time
    of one more, against the floor."""
    reference = lab.solution_path.read_text(encoding="utf-8")
    walls: dict[int, float] = {}
    for count in (copies, 2 * copies, copies, 2 * copies):
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "references"
            folder.mkdir()
            for k in range(count):
                (folder / f"r{k:03d}.py").write_text(reference, encoding="utf-8")
            wall, _, peak = run_batch(lab.id, folder, ["--workers", "1"], floor.clean_env())
            walls[count] = min(wall, walls.get(count, wall))
    marginal = (walls[2 * copies] - walls[copies]) / copies
    print(
        f"reference x {copies} / x {2 * copies}, warm 1 worker: {walls[copies]:.2f} / "
        f"{walls[2 * copies]:.2f} s; one more submission {marginal * 1000:.0f} ms "
        f"({floor.ratio(marginal, fl.warm_fork)} floor): overhead beyond the floor "
        f"{(marginal - fl.warm_fork) * 1000:.0f} ms "
        f"{options.at_most(marginal - fl.warm_fork, 0.030, '30 ms')}; "
        f"peak memory of the worker {peak or 0:.0f} MB"
    )


# --- nbgrader -------------------------------------------------------------------------------


def notebook_blanks(program: str, reference: str) -> list[str]:
    """The program's cells that hold blanks, cut as the exported notebook was. A program
    whose markers no longer parse cannot be cut: its cells are the reference's with the same
    damage, which is what a student who misspelt a marker in the notebook hands in."""
    try:
        return [cell.source for cell in cut(program, "submission") if cell.blanks]
    except SeqlabError:
        if program != damage_marker(reference):
            raise
        cells = [cell.source for cell in cut(reference, "reference") if cell.blanks]
        first = next(k for k, source in enumerate(cells) if damage_marker(source) != source)
        cells[first] = damage_marker(cells[first])
        return cells


def nbgrader(arguments: list[str], course_dir: Path) -> float:
    """Run `nbgrader ARGUMENTS` in the course; its wall seconds."""
    # nbgrader runs `alembic` (its gradebook migrations) from PATH: the venv's bin first.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (NBGRADER_MEMORY, NBGRADER_MEMORY))

    started = time.monotonic()
    done = subprocess.run(
        [str(BIN / "nbgrader"), *arguments],
        cwd=course_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limit_memory,
    )
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"nbgrader {arguments[0]} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return elapsed


def make_nbgrader_course(course_dir: Path, lab_id: str) -> None:
    command = [sys.executable, "-m", "graders.cli", "--lang", "en", "export", "nbgrader"]
    subprocess.run([*command, str(course_dir)], check=True, capture_output=True)
    with open(course_dir / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write("# batch_bench: nbgrader's default per-cell timeout\n")
        config.write(f"c.Execute.timeout = {CELL_TIMEOUT}\n")
    nbgrader(["generate_assignment", lab_id], course_dir)


def submit(course_dir: Path, lab_id: str, student: str, blanks: list[str]) -> None:
    """The released notebook with the submission's cells in place of the solution cells."""
    notebook = nbformat.read(course_dir / "release" / lab_id / f"{lab_id}.ipynb", as_version=4)
    cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for cell, source in zip(cells, blanks, strict=True):
        cell.source = source
    target = course_dir / "submitted" / student / lab_id / f"{lab_id}.ipynb"
    target.parent.mkdir(parents=True)
    nbformat.write(notebook, target)


def nbgrader_scores(course_dir: Path, lab_id: str, students: list[str]) -> dict:
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as book:
        for student in students:
            try:
                scores[student] = book.find_submission(lab_id, student).score
            except MissingEntry:
                scores[student] = None
    return scores


def nbgrader_errors(course_dir: Path, lab_id: str, student: str) -> str:
    """The errors nbgrader's kernel raised in that student's notebook, counted by name."""
    path = course_dir / "autograded" / student / lab_id / f"{lab_id}.ipynb"
    if not path.is_file():
        return "no autograded notebook"
    counts: dict[str, int] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                counts[output["ename"]] = counts.get(output["ename"], 0) + 1
    return ", ".join(f"{n} x {name}" for name, n in counts.items()) or "no errors"


def seqlab_reason(entry: dict) -> str:
    if entry.get("status") != "graded":
        return f"{entry.get('status')}: {(entry.get('message') or '').splitlines()[0][:100]}"
    tests = (entry.get("result") or {}).get("tests", [])
    return "verdicts " + " ".join(test.get("verdict", "?") for test in tests)


def sample_groups(names: list[str], sample: int) -> list[tuple[list[str], int]]:
    """What nbgrader autogrades, in groups each timed apart, and how many submissions each
    group's time stands for. Every submission unlike the others (starter, broken, hostile,
    the corpus's mistakes: the slow ones among them) is graded; the copies of the reference
    are sampled evenly and their time scaled to all copies. Sampling evenly over the whole
    list would miss the endless loop that costs nbgrader its 30 s timeout."""
    copies = [name for name in names if name.startswith("reference-")]
    distinct = [name for name in names if name not in copies]
    if sample >= len(names) or not copies:
        return [(names, len(names))]
    taken = max(sample - len(distinct), 1)
    spread = [copies[k * len(copies) // taken] for k in range(taken)]
    return [(distinct, len(distinct)), (spread, len(copies))]


def bench_nbgrader(lab, programs: dict[str, str], seqlab: dict, entries: dict, sample: int):
    """Autograde every distinct submission and a sample of the reference's copies with real
    nbgrader (sample_groups); the copies' time scaled to all of them."""
    reference = lab.solution_path.read_text(encoding="utf-8")
    names = list(programs)
    groups = sample_groups(names, sample)
    students = [student for group, _ in groups for student in group]
    elapsed, scaled, differ = 0.0, 0.0, []
    with tempfile.TemporaryDirectory() as scratch:
        for number, (group, stands_for) in enumerate(groups):
            course_dir = Path(scratch) / f"course-{number}"
            make_nbgrader_course(course_dir, lab.id)
            for student in group:
                submit(course_dir, lab.id, student, notebook_blanks(programs[student], reference))
            seconds = nbgrader(["autograde", lab.id], course_dir)
            elapsed += seconds
            scaled += seconds * stands_for / len(group)
            scores = nbgrader_scores(course_dir, lab.id, group)
            for student in group:
                ours = seqlab[student] if seqlab[student] is not None else 0  # not graded: 0
                if scores[student] != ours:
                    differ.append(
                        f"  {student}: nbgrader {scores[student]}, seqlab {seqlab[student]} "
                        f"(nbgrader's kernel: {nbgrader_errors(course_dir, lab.id, student)}; "
                        f"seqlab: {seqlab_reason(entries[student])})"
                    )
    total = len(names)
    what = f"all {total}" if len(students) == total else f"a SAMPLE of {len(students)} of {total}"
    print(
        f"nbgrader autograde {elapsed:8.2f} s for {what} ({elapsed / len(students):.1f} s per "
        f"notebook; per-cell timeout {CELL_TIMEOUT} s, address space {NBGRADER_MEMORY >> 30} GiB)"
    )
    if len(students) < total:
        distinct, copies = groups
        print(
            f"  sample: every distinct submission ({len(distinct[0])}) and {len(copies[0])} of"
            f" the reference's {copies[1]} copies: {', '.join(copies[0])}"
        )
        print(f"  scaled to {total} submissions: {scaled:.1f} s")
    agree = "the same" if not differ else f"DIFFERENT for {len(differ)} of {len(students)}"
    print(f"nbgrader vs seqlab scores: {agree} (seqlab's 'could not grade' counted as 0)")
    for line in differ:
        print(line)
    return scaled


def main() -> None:
    parser = options.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--labs", nargs="+", type=options.lab, default=["rnn-numpy", "seq2seq"])
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument(
        "--count", type=options.integer(20, 5000), default=20, help="submissions per lab (>= 20)"
    )
    parser.add_argument(
        "--nbgrader-sample",
        type=options.integer(1, 5000),
        default=20,
        metavar="N",
        help="autograde only N submissions (evenly spread, N <= --count) with nbgrader; "
        "scale the time",
    )
    args = parser.parse_args()
    count, sample = args.count, args.nbgrader_sample
    if sample > count and not args.skip_nbgrader:
        options.refuse(
            f"{parser.prog}: argument --nbgrader-sample: {sample} is more than the {count} "
            f"submissions (--count); give a sample from 1 to {count}."
        )
    course = Course.locate()
    print(f"start: {floor.load_line()}", flush=True)
    for lab_id in args.labs:
        lab = course.lab(lab_id)
        fl = floor.measure(lab_id, repeat=3)
        print(
            f"\n== {lab_id}: floor {fl.warm_fork * 1000:.1f} ms a submission ({fl.sets} sets "
            f"forked from a warm parent; bare {fl.bare * 1000:.0f} ms, compute "
            f"{fl.compute * 1000:.1f} ms)"
        )
        programs = submissions(lab, count)
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "submissions"
            folder.mkdir()
            for name, text in programs.items():
                (folder / f"{name}.py").write_text(text, encoding="utf-8")
            print(f"{count} submissions (wall seconds of the whole command)", flush=True)
            timings, cpus, scores, entries = bench_seqlab(lab, folder, count, fl)
            cold, one, two = timings.values()
            cpu_one, cpu_two = cpus["warm, 1 worker"], cpus["warm, 2 workers"]
            print(
                f"warm 2 vs cold 2: {cold / two:.2f}x   warm 2 vs warm 1: {one / two:.2f}x "
                f"{options.at_least(one / two, 1.8, '1.8x')}; CPU 2 workers / 1 worker "
                f"{floor.ratio(cpu_two, cpu_one)}, cores busy {cpu_one / one:.2f} (1 worker) "
                f"{cpu_two / two:.2f} (2 workers)"
            )
            bench_overhead(lab, fl)
        if not args.skip_nbgrader:
            nbgrader_time = bench_nbgrader(lab, programs, scores, entries, sample)
            goal = 5 if lab.id == "seq2seq" else 100
            scaled = " (nbgrader's time scaled from the sample)" if sample < count else ""
            print(
                f"throughput, seqlab warm 2 workers vs nbgrader: {nbgrader_time / two:.1f}x "
                f"{options.at_least(nbgrader_time / two, goal, f'{goal}x')}{scaled}"
            )
    print(f"\nend: {floor.load_line()}")


if __name__ == "__main__":
    main()
