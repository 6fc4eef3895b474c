"""A one-lab course whose second public set is slow: each set's result pushed as it ends
(issue 17 item 2) is seen against it. Plain Python, so a run takes milliseconds but the slow
set's `time.sleep`; a hidden set after them, which no preview may ever name."""

from __future__ import annotations

from pathlib import Path

from graders.cli import main
from graders.spec import Course

LAB = "slowset"

SPEC = """\
id = "slowset"
entry = "slowset.py"
title.zh = "慢的一组"
title.en = "A slow set"

[run]
fork_at_input = {fork}

[[tests]]
name = "quick"
stdin = "2 0\\n"
expected = "4\\n"
points = 30

[[tests]]
name = "slow"
stdin = "3 {seconds}\\n"
expected = "6\\n"
points = 30

[[tests]]
name = "secret-large"
stdin = "7 0\\n"
expected = "14\\n"
points = 40
hidden = true
"""

SOLUTION = """\
import sys
import time


def double(n):
    ########## Begin ##########
    return n * 2
    ########## End ##########


number, pause = sys.stdin.readline().split()
time.sleep(float(pause))
print(double(int(number)))
"""

README = """\
# slowset

## 中文

### 任务

把输入的数乘以 2。

## English

### Task

Double the number read.
"""


def slow_course(root: Path, seconds: float = 1.5, *, fork: bool = True) -> Course:
    """The course, built (its starter generated) under `root`."""
    for folder in ("graders/labs", f"solutions/{LAB}", f"exercises/{LAB}"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    spec = SPEC.format(fork=str(fork).lower(), seconds=seconds)
    (root / f"graders/labs/{LAB}.toml").write_text(spec, encoding="utf-8")
    (root / f"solutions/{LAB}/{LAB}.py").write_text(SOLUTION, encoding="utf-8")
    assert main(["build", "--course", str(root)]) == 0
    (root / f"exercises/{LAB}/README.md").write_text(README, encoding="utf-8")
    return Course.locate(root)
