"""Recording the reference's loss band (`seqlab build --record`, for a lab with a `[curve]`).

The reference runs under the lab's seed sweep (sweep.with_seed: the locked seed line
rewritten) on its first public set only: the losses are reported before any input is read,
so one set is enough and no hidden input is involved. Per epoch the lowest and the highest
loss across the seeds make the band a student's curve is drawn over (graders/losses.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from graders.course.sweep import with_seed
from graders.engine import Runner, course_text
from graders.errors import SpecError
from graders.losses import band_path, split
from graders.sandbox import run_sets
from graders.spec import LabSpec


def band_digest(lab: LabSpec, seeds: int) -> str:
    """What the band was made from: the reference and the number of seeds."""
    digest = hashlib.sha256(lab.solution_path.read_bytes() if lab.solution_path.is_file() else b"")
    digest.update(f"\0{seeds}".encode())
    return digest.hexdigest()


def sweep_seeds(lab: LabSpec, count: int) -> list[int]:
    """The lab's own locked seed (the one students train with) and count - 1 more."""
    assert lab.seed_variable is not None
    pattern = rf"^{re.escape(lab.seed_variable)}\s*=\s*(\d+)[ \t]*$"
    found = re.search(pattern, course_text(lab.solution_path, lab), re.MULTILINE)
    own = [int(found[1])] if found else []
    return own + [seed for seed in range(count) if seed not in own][: count - len(own)]


def reference_losses(lab: LabSpec, seed: int, runner: Runner = run_sets) -> list[float]:
    """The losses the reference reports under `seed` (SpecError if it reports none)."""
    assert lab.seed_variable is not None and lab.curve is not None
    program = with_seed(
        course_text(lab.solution_path, lab), lab.seed_variable, seed, path=str(lab.spec_path)
    )
    first = next(test for test in lab.output_tests if not test.hidden)
    (run,) = runner(program, lab.entry, [first.stdin], lab.limits, fork_at_input=False)
    _, losses = split(run.stderr.decode("utf-8", errors="replace"))
    if run.exit_code != 0 or not losses:
        problem = f"reports no losses on standard error under seed {seed} (exit {run.exit_code})"
        raise SpecError("spec.field", path=lab.spec_path, field="curve", problem=problem)
    return list(losses)


def record_band(lab: LabSpec, runner: Runner = run_sets) -> Path | None:
    """Write the band of a lab that declares a curve; its path (None: no curve declared)."""
    if lab.curve is None:
        return None
    if lab.seed_variable is None:
        path, problem = lab.spec_path, "is missing"
        raise SpecError("spec.field", path=path, field="seed_variable", problem=problem)
    seeds = sweep_seeds(lab, lab.curve["seeds"])
    return write_band(lab, {seed: reference_losses(lab, seed, runner) for seed in seeds})


def write_band(lab: LabSpec, curves: dict[int, list[float]]) -> Path:
    """The band of the reference's `curves` (seed → losses), per epoch the lowest and the
    highest (4 significant digits, as the template prints them)."""
    epochs = min(len(curve) for curve in curves.values())
    low = [float(f"{min(c[e] for c in curves.values()):.4g}") for e in range(epochs)]
    high = [float(f"{max(c[e] for c in curves.values()):.4g}") for e in range(epochs)]
    data = {
        "lab": lab.id,
        "digest": band_digest(lab, len(curves)),
        "seeds": list(curves),
        "low": low,
        "high": high,
    }
    path = band_path(lab.spec_path, lab.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(json.dumps(data) + "\n")
    return path


def band_state(lab: LabSpec) -> tuple[bool, str]:
    """(current?, the catalogue key saying so) of a lab with a curve — cheap: a digest."""
    assert lab.curve is not None
    try:
        data = json.loads(band_path(lab.spec_path, lab.id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False, "validate.band_missing"
    if not isinstance(data, dict) or data.get("digest") != band_digest(lab, lab.curve["seeds"]):
        return False, "validate.band_stale"
    return True, "validate.band_current"
