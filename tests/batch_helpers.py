"""Real submissions of the rnn-numpy lab for the batch tests: right, wrong, broken, hostile."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = (ROOT / "solutions" / "rnn-numpy" / "rnn_numpy.py").read_text(encoding="utf-8")
STARTER = (ROOT / "exercises" / "rnn-numpy" / "rnn_numpy.py").read_text(encoding="utf-8")
STEP = "            h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)"
assert STEP in REFERENCE


def edited(old: str, new: str) -> str:
    assert old in REFERENCE, old
    return REFERENCE.replace(old, new)


def blank(body: str) -> str:
    """The reference with the loop's step replaced by `body` (indented like the step)."""
    return edited(STEP, "\n".join("            " + line for line in body.split("\n")))


RIGHT = {
    "right-1": REFERENCE,
    "right-2": blank("h = np.tanh(np.dot(self.Wxh, x) + np.dot(self.Whh, h) + self.bh)"),
    "right-3": blank("z = self.Whh @ h + self.Wxh @ x\nh = np.tanh(z + self.bh)"),
}
WRONG = {
    "wrong-no-recurrence": blank("h = np.tanh(self.Wxh @ x + self.bh)"),
    "wrong-relu": blank("h = np.maximum(0, self.Wxh @ x + self.Whh @ h + self.bh)"),
    "wrong-no-bias": blank("h = np.tanh(self.Wxh @ x + self.Whh @ h)"),
    "starter": STARTER,
}
# Prints every set's input (hidden ones too) and dies: nothing of it may reach a report.
LEAKER = blank(
    "import sys\n"
    "data = sys.stdin.read()\n"
    "print(data)\n"
    "print(data, file=sys.stderr)\n"
    "raise SystemExit(3)"
)
HOSTILE = {
    "hostile-loop": blank("while True:\n    pass"),
    "hostile-leak": LEAKER,
    "hostile-output": blank("while True:\n    print('x' * 1000)"),
}
BROKEN_MARKERS = REFERENCE.replace("        ########## End ##########\n", "", 1)


def write_class(folder: Path, count: int = 20) -> dict[str, float | None]:
    """`count` mixed submissions as <student>.py (and one <student>/rnn_numpy.py); returns
    each student's expected score (None: cannot be graded)."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, float | None] = {}
    programs = [(name, text, 100.0) for name, text in RIGHT.items()]
    programs += [(name, text, 0.0) for name, text in WRONG.items()]
    programs += [(name, text, 0.0) for name, text in HOSTILE.items()]
    programs += [("broken-markers", BROKEN_MARKERS, None)]
    index = 0
    while len(programs) < count - 1:  # fill with more right and wrong ones
        source, score = (REFERENCE, 100.0) if index % 2 == 0 else (STARTER, 0.0)
        programs.append((f"extra-{index:02d}", source + f"\n# variant {index}\n", score))
        index += 1
    for name, text, score in programs[: count - 1]:
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
        expected[name] = score
    (folder / "in-folder").mkdir(exist_ok=True)
    (folder / "in-folder" / "rnn_numpy.py").write_text(REFERENCE, encoding="utf-8")
    expected["in-folder"] = 100.0
    return expected


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` and its content hash: to prove nothing was written there."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
