"""What a warm worker's preload is worth: one grading of a lab's reference (every set, hidden
included) on a warm pool whose workers imported the template's top-level modules only,
against one whose workers also imported what the reference loads of those packages
(graders/service/preload.py). Medians and minimums of --repeat gradings per lab.

    .venv/bin/python bench/preload_bench.py [--repeat 15] [LAB ...]   (default: 3 small labs)
"""

from __future__ import annotations

import os
import statistics
import time

import options

from graders.engine import course_text, grade_submission
from graders.sandbox import warm
from graders.service.preload import learned_modules
from graders.spec import Course
from graders.submission import read_submission


def main() -> None:
    parser = options.Parser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "labs", nargs="*", type=options.lab, default=["rnn-numpy", "scaled-dot-product", "gru-step"]
    )
    parser.add_argument("--repeat", type=options.integer(1, 1000), default=15)
    args = parser.parse_args()
    course = Course.locate()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'lab':<20} {'preload':<18} {'modules':>7} {'median ms':>9} {'min ms':>7} {'ratio':>6}")
    for lab_id in args.labs:
        lab = course.lab(lab_id)
        template = course_text(lab.starter_path, lab)
        submission = read_submission(lab.solution_path)
        medians = {}
        for name, preload in (
            ("template imports", warm.template_imports(template)),
            ("learned", learned_modules(lab)),
        ):
            with warm.WarmPool(template, lab.limits, 2, preload=preload) as pool:
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    result = grade_submission(
                        lab, submission, include_hidden=True, runner=pool.run_sets
                    )
                    times.append(time.perf_counter() - started)
                assert result.score == result.max_score, (lab_id, name)
            medians[name] = statistics.median(times)
            ratio = medians[name] / medians["template imports"]
            print(
                f"{lab_id:<20} {name:<18} {len(preload):>7} {medians[name] * 1000:>9.1f}"
                f" {min(times) * 1000:>7.1f} {ratio:>6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
