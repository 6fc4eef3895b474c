"""`seqlab new LAB_ID`: the files of a new lab, ready to edit, that build and validate as is.

Writes the reference solution (one Begin/End blank, a locked main reading stdin), the spec
(one public and one hidden set, expected outputs left for `seqlab build --record`) and the
task page with the four 头歌 sections in Chinese and English. Never overwrites a file.
"""

from __future__ import annotations

import re
from pathlib import Path

from graders.errors import UsageError
from graders.spec import Course

LAB_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

SOLUTION = '''\
"""{lab_id}: describe the task in one sentence (the reference; the starter is generated)."""

import random
import sys

# Locked: `seqlab validate --seeds N` rewrites the next line to test many seeds.
SEED = 2024
random.seed(SEED)


def solve(numbers):
    """Return the mean of the numbers. Replace with the lab's task."""
    ########## Begin ##########
    return sum(numbers) / len(numbers)
    ########## End ##########


def main():
    numbers = [float(token) for token in sys.stdin.read().split()]
    print(f"{{solve(numbers):.4f}}")


if __name__ == "__main__":
    main()
'''

SPEC = """\
# Lab spec: {lab_id}. Data only; the engine names no lab. Edit, then run
#   seqlab build --lab {lab_id} --record && seqlab validate --lab {lab_id}
id = "{lab_id}"
entry = "{entry}"
# The locked `SEED = <int>` line; `seqlab validate --seeds N` rewrites it.
seed_variable = "SEED"
# level = 3   # the 关卡 number: the course index and `seqlab list` order labs by it

[title]
zh = "{lab_id}（待填写标题）"
en = "{lab_id} (title to write)"

[topic]
zh = "待填写：本实验讲授的种子内容"
en = "To write: the seed passage this lab teaches"

[limits]
wall_seconds = 30

# Public sets: students see input, expected and actual output.
[[tests]]
name = "sample"
stdin = "1 2 3 4\\n"
expected = ""  # recorded by `seqlab build --record`
points = 50
comparator = "floats"
atol = 0.001

# Hidden sets: other sizes and values, so printing the public answers cannot pass. Students
# see a hidden set's name and verdict (never its data): name it as they may read it.
[[tests]]
name = "hidden-1"
stdin = "0.5 -2 10\\n"
expected = ""
points = 50
hidden = true
comparator = "floats"
atol = 0.001
"""

README = """\
# {lab_id}

## 任务描述

（待填写）本关任务：用一两句话说明学生要完成什么。

## 相关知识

（待填写）完成本关需要的公式、形状与概念，写清楚每个张量的形状。

## 编程要求

（待填写）在 `{entry}` 的 Begin/End 区域内补充代码：要实现的函数、参数与返回值。
区域之外的代码已锁定，评测时以模板为准。

## 测试说明

（待填写）程序从标准输入读取……，输出……（保留 4 位小数，允许误差 0.001）。

测试输入：`1 2 3 4`

预期输出：`2.5000`

---

# {lab_id} (English)

## Task

(To write) What the student builds, in one or two sentences.

## Background

(To write) The formulas, shapes and ideas the task needs, with every tensor's shape.

## Requirements

(To write) Fill in the Begin/End region of `{entry}`: the function, its arguments and what it
returns. Code outside the region is locked; grading uses the template's.

## Tests

(To write) The program reads … from standard input and prints … (4 decimals, tolerance 0.001).

Input: `1 2 3 4`

Expected output: `2.5000`
"""


def new_lab(course: Course, lab_id: str) -> list[Path]:
    """Write the three files of a new lab; refuse (UsageError) before writing anything if any
    of them exists or the id is not a short lowercase-hyphen name."""
    if not LAB_ID.match(lab_id):
        raise UsageError("course.new_bad_id", lab=lab_id)
    entry = lab_id.replace("-", "_") + ".py"
    files = {
        course.root / "solutions" / lab_id / entry: SOLUTION,
        course.labs_dir / f"{lab_id}.toml": SPEC,
        course.root / "exercises" / lab_id / "README.md": README,
    }
    existing = [path for path in files if path.exists()]
    if existing:
        raise UsageError("course.new_exists", lab=lab_id, path=existing[0])
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(template.format(lab_id=lab_id, entry=entry))
    return list(files)
