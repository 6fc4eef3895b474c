"""`seqlab release DIR`: everything students need, no secret of any lab or quiz."""

import os
import subprocess
import sys
from pathlib import Path

from graders.cli import main
from graders.course.corpus import corpus_path, load_corpus
from graders.markers import parse
from quizzes.bank import bank_ids, load_quiz
from quizzes.paper import make_paper
from quizzes.present import paper_markdown


def release_text(folder: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )


def test_the_release_holds_no_secret_and_checks_a_starter(course, tmp_path):
    folder = tmp_path / "release"
    assert main(["--lang", "en", "release", str(folder)]) == 0
    text = release_text(folder)
    assert not (folder / "solutions").exists() and not (folder / "tests").exists()

    # What is handed out on purpose: the starters and the task pages.
    starters = "\n".join(
        path.read_text(encoding="utf-8")
        for lab in course.labs()
        for path in (lab.starter_path, lab.starter_path.parent / "README.md")
    )
    for lab in course.labs():
        assert (folder / "exercises" / lab.id / lab.entry).is_file()
        assert (folder / "exercises" / lab.id / Path(lab.entry).with_suffix(".ipynb")).is_file()
        for test in lab.tests:
            if not test.hidden:
                continue
            # Neither the input nor the expected output of a hidden set: the whole text, and
            # every distinctive line (longer than 20 characters, not in a public set).
            for whole in (test.expected.strip(), test.stdin.strip()):
                assert len(whole) <= 20 or whole not in text, (lab.id, test.name)
            public = [t.expected + t.stdin for t in lab.tests if not t.hidden]
            for line in (test.expected + test.stdin).split("\n"):
                if len(line.strip()) > 20 and not any(line in p for p in public):
                    assert line not in text, (lab.id, test.name, line)
        solution = lab.solution_path.read_text(encoding="utf-8")
        for blank in parse(solution, "solution").blanks:
            for line in blank.body:
                # Distinctive: long, and not handed out as locked code of some lab anyway.
                if len(line.strip()) > 25 and line.strip() not in starters:
                    assert line.strip() not in text, (lab.id, line)
        corpus = corpus_path(lab)
        for entry in load_corpus(lab):
            for body in entry.blanks.values():
                for line in body.split("\n"):
                    if len(line.strip()) > 25 and line.strip() not in starters:
                        assert line.strip() not in text, (corpus.name, entry.name, line)

    for quiz_id in bank_ids(course.banks_dir):
        bank = load_quiz(course.banks_dir, quiz_id)
        for lang in ("zh", "en"):
            paper = make_paper(bank)
            keyed = set(paper_markdown(paper, lang, key=True).split("\n"))
            plain = set(paper_markdown(paper, lang, key=False).split("\n"))
            for line in keyed - plain:  # the key's lines
                assert line not in text, (quiz_id, line)
            assert paper_markdown(paper, lang) in text  # the paper itself is there
            for question in bank.questions:
                assert question.explanation[lang].strip() not in text, (quiz_id, question.id)

    # `seqlab check` works inside the release, with the release's own engine and specs.
    env = {**os.environ, "PYTHONPATH": str(folder)}
    done = subprocess.run(
        [sys.executable, "-c", "import graders, sys; print(graders.__file__)"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.stdout.startswith(str(folder)), done.stdout + done.stderr
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graders.cli",
            "--lang",
            "en",
            "check",
            "exercises/rnn-numpy/rnn_numpy.py",
            "--json",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert '"score": 0' in done.stdout and "hidden" not in done.stdout.replace(
        '"visibility": "visible"', ""
    )
