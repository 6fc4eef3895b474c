"""`seqlab release DIR`: everything students need, no secret of any lab or quiz."""

import json
import os
import re
import shlex
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


def test_the_release_holds_no_secret_and_checks_a_starter(course, tmp_path, capsys):
    folder = tmp_path / "release"
    assert main(["--lang", "en", "release", str(folder)]) == 0
    # Handed out at once, seq2seq-attention's starter holds seq2seq's answer: said, with the fix.
    said = " ".join(capsys.readouterr().err.split())
    assert "seq2seq-attention's starter holds seq2seq's reference answer" in said
    assert "--upto" in said
    text = release_text(folder)
    assert not (folder / "solutions").exists() and not (folder / "tests").exists()
    # On Linux PyPI's torch is the CUDA build: the README installs the CPU one first.
    readme = (folder / "README.md").read_text(encoding="utf-8")
    cpu = "pip install 'torch==2.13.0' --index-url https://download.pytorch.org/whl/cpu\n"
    assert readme.index(cpu) < readme.index("pip install ./release\n"), readme[:1500]
    assert "CPU 版 PyTorch" in readme and "PyTorch's\nCPU build first" in readme

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
    # Of the hidden sets, only how many there are: no name, input or output.
    shown = done.stdout.replace('"visibility": "visible"', "").replace('"hidden_not_run"', "")
    assert '"score": 0' in done.stdout and "hidden" not in shown


def seqlab_in(folder: Path, *args: str, cwd: Path, stdin: str = "", pythonpath=None):
    """The release's own seqlab (or an installed copy of it), as a student runs it."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath or folder)}
    return subprocess.run(
        [sys.executable, "-m", "graders.cli", "--lang", "en", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_stage_release_is_a_students_course_with_keyless_quizzes(course, tmp_path, capsys):
    folder = tmp_path / "stage"
    assert main(["--lang", "en", "release", str(folder), "--upto", "5"]) == 0
    assert "reference answer" not in capsys.readouterr().err  # no later lab to hold one
    levels = {lab.id: lab.level for lab in course.labs()}
    released = sorted(p.name for p in (folder / "exercises").iterdir() if p.is_dir())
    assert released == sorted(lab for lab, level in levels.items() if level and level <= 5)
    assert "seq2seq-attention" not in (folder / "exercises" / "README.md").read_text("utf-8")
    assert not (folder / "graders" / "labs" / "seq2seq-attention.toml").exists()

    # The README is the students': how to install, check and hand in — nothing an
    # instructor runs, and every command it names exists.
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for instructors_only in ("make ", "seqlab grade", "seqlab export", "seqlab build"):
        assert instructors_only not in readme
    assert "pip install ./stage" in readme and "seqlab quiz take attention" in readme
    assert "exercises/torch-rnn-api/" in readme and "seq2seq-attention" not in readme

    # A quiz is answered from the keyless copy; nothing in it can score or show the key.
    elsewhere = tmp_path / "home"
    (elsewhere / "sub").mkdir(parents=True)
    took = seqlab_in(folder, "quiz", "take", "attention", cwd=folder, stdin="A\nAB\n")
    assert took.returncode == 0, took.stdout + took.stderr
    sheet = (folder / "attention-answers.txt").read_text(encoding="utf-8")
    assert "1 A" in sheet and "2 AB" in sheet
    assert "hand the sheet in" in took.stdout and "Correct answer" not in took.stdout
    for refused in (("check", "attention", "attention-answers.txt"), ("paper", "--key")):
        args = refused if refused[0] == "check" else ("paper", "attention", "--key")
        done = seqlab_in(folder, "quiz", *args, cwd=folder)
        assert done.returncode == 2 and "holds no answers" in done.stdout + done.stderr
    assert (
        main(["--lang", "en", "quiz", "check", "attention", str(folder / "attention-answers.txt")])
        == 1
    )


def test_an_installed_release_checks_a_file_from_any_folder(tmp_path):
    folder = tmp_path / "rel"
    assert main(["--lang", "en", "release", str(folder), "--upto", "3"]) == 0
    installed = tmp_path / "site"
    # Not editable: the engine is copied away from the course (no specs are package data).
    install_release(folder, installed)
    assert not (installed / "graders" / "labs").exists()
    assert (installed / "graders" / "present" / "templates" / "result.html").is_file()
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    starter = folder / "exercises" / "rnn-numpy" / "rnn_numpy.py"
    done = seqlab_in(folder, "check", str(starter), cwd=elsewhere, pythonpath=installed)
    assert done.returncode == 1, done.stdout + done.stderr  # graded: a starter fails its sets
    assert "Score 0/" in done.stdout
    # A copy outside the release: the course is named, or the message says how.
    copy = elsewhere / "mine.py"
    copy.write_text(starter.read_text(encoding="utf-8"), encoding="utf-8")
    done = seqlab_in(
        folder, "check", str(copy), "--lab", "rnn-numpy", cwd=elsewhere, pythonpath=installed
    )
    assert done.returncode == 2 and "--course" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    done = seqlab_in(
        folder,
        "check",
        str(copy),
        "--lab",
        "rnn-numpy",
        "--course",
        str(folder),
        cwd=elsewhere,
        pythonpath=installed,
    )
    assert done.returncode == 1 and "Score 0/" in done.stdout


def test_a_check_in_the_release_says_the_hidden_sets_are_still_to_run(course, tmp_path):
    """The release keeps of each lab's hidden sets only their number and points: a check
    that passes every public set says the hidden ones run on submission, never "all passed"
    (terminal, JSON, the notebook check; both languages)."""
    from graders.notebooks.magic import check_notebook
    from graders.present.html import notebook_html
    from graders.present.view import build
    from graders.spec import Course

    folder = tmp_path / "rel"
    assert main(["--lang", "en", "release", str(folder), "--upto", "3"]) == 0
    released = Course.locate(folder)
    for lab in released.labs():
        full = course.lab(lab.id)
        hidden = [t for t in full.tests if t.hidden]
        assert not any(t.hidden for t in lab.tests)
        assert lab.withheld_sets == len(hidden)
        assert lab.withheld_points == sum(t.points for t in hidden)
    lab = course.lab("rnn-numpy")
    count = sum(t.hidden for t in lab.tests)
    assert count > 0
    mine = folder / "exercises" / lab.id / lab.entry  # the starter, filled in
    mine.write_text(lab.solution_path.read_text(encoding="utf-8"), encoding="utf-8")
    done = seqlab_in(folder, "check", str(mine), cwd=folder)
    said = " ".join(done.stdout.split())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All public test sets passed." in said, said
    assert f"{count} hidden test set(s) are run only when you submit" in said
    assert "All test sets passed" not in said
    done = seqlab_in(folder, "check", str(mine), "--json", cwd=folder)
    assert json.loads(done.stdout)["hidden_not_run"] == count
    env = {**os.environ, "PYTHONPATH": str(folder)}
    zh = subprocess.run(
        [sys.executable, "-m", "graders.cli", "--lang", "zh", "check", str(mine)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert f"另有 {count} 个隐藏测试集" in zh.stdout and "全部测试集通过" not in zh.stdout
    # The notebook check's page (magic.py shows notebook_html of the same result).
    page = notebook_html(build(check_notebook(mine, released), "en"))
    assert f"{count} hidden test set(s)" in page and "All test sets passed" not in page


def test_a_stage_of_quizzes_only_is_released(course, tmp_path, capsys):
    """The attention quiz is 第1关 and no lab is: `--upto 1` hands out the quizzes, and a
    README that names no lab and no check, rather than refusing the stage."""
    levels = [lab.level for lab in course.labs() if lab.level is not None]
    first = min(levels)
    assert first > 1  # the case: stages before the first lab hold quizzes only
    folder = tmp_path / "stage1"
    assert main(["--lang", "en", "release", str(folder), "--upto", str(first - 1)]) == 0
    assert not (folder / "exercises").exists()  # no lab: no folder, no empty lab table
    assert (folder / "quizzes" / "banks" / "attention.toml").is_file()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "seqlab quiz take attention" in readme and "seqlab check" not in readme
    # Nothing of a lab is promised: no starter code, test sets, .py file or notebook.
    for lab_word in ("starter", "test set", "`.py`", "notebook", "起始代码", "测试集", "笔记本"):
        assert lab_word not in readme, lab_word
    took = seqlab_in(folder, "quiz", "take", "attention", cwd=folder, stdin="A\nAB\n")
    assert took.returncode == 0, took.stdout + took.stderr
    capsys.readouterr()
    assert main(["--lang", "en", "release", str(tmp_path / "none"), "--upto", "0"]) == 2
    said = capsys.readouterr()
    assert "--upto" in said.out + said.err


def test_no_install_advice_names_seqlab_on_pypi():
    """seqlab is not on PyPI (anyone may register the name): every install line a person
    reads names a folder (the release, the course checkout), never the bare name."""
    import re

    from graders.messages import CATALOGUE

    bare = re.compile(r"pip install\s+(-\S+\s+)*['\"]?seqlab(\[|['\"`\s),]|$)")
    root = Path(__file__).resolve().parent.parent
    texts = {f"messages:{key}": "\n".join(pair) for key, pair in CATALOGUE.items()}
    for path in [*root.glob("graders/**/*.py"), *root.glob("graders/**/templates/*")]:
        if path.is_file():
            texts[str(path.relative_to(root))] = path.read_text(encoding="utf-8", errors="replace")
    found = [name for name, text in texts.items() if bare.search(text)]
    assert not found, found
    assert bare.search("run `pip install 'seqlab[jupyter]'`")  # the test can fail
    assert bare.search("(pip install seqlab, or")


def install_release(folder: Path, target: Path) -> None:
    """`pip install ./release`, not editable (no specs or banks are package data), into
    `target`, without dependencies: they are the environment's already."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


def readme_commands(readme: str) -> list[str]:
    """The README's shell lines, in order, comments taken off."""
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.split("\n")]
    return [line for line in lines if line]


def test_the_readmes_commands_work_as_written(tmp_path):
    """Every seqlab command of the release's README, run as written in order from the folder
    it says to install from (a `cd` it writes followed), with the release installed as the
    README says (not editable): none says it finds no course or no quiz."""
    folder = tmp_path / "release"
    assert main(["--lang", "en", "release", str(folder), "--upto", "3"]) == 0
    installed = tmp_path / "site"
    install_release(folder, installed)
    readme = (folder / "README.md").read_text(encoding="utf-8")
    cwd, ran = tmp_path, []
    for line in readme_commands(readme):
        if line.startswith("cd "):
            cwd = (cwd / line[3:].strip()).resolve()
        elif line.startswith("seqlab ") and "PATH/TO" not in line and "~" not in line:
            args = shlex.split(line)[1:]
            done = seqlab_in(folder, *args, cwd=cwd, stdin="A\n" * 40, pythonpath=installed)
            said = done.stdout + done.stderr
            assert done.returncode in (0, 1) and "No course folder" not in said, (line, said)
            assert str(installed) not in said, (line, said)  # no traceback of seqlab's own
            ran.append(args[0:2])
    assert ["quiz", "take"] in ran and "check" in [args[0] for args in ran], ran


def test_a_check_outside_any_course_names_the_files_folder_too(tmp_path, monkeypatch, capsys):
    """`seqlab check /abs/path/file.py` run from another folder: the message names both
    folders it searched (the file's and the current one), not only the current one."""
    from graders.spec import Course

    checkout = Path(__file__).resolve().parent.parent
    holds = Course._holds_course
    monkeypatch.setattr(Course, "_holds_course", staticmethod(lambda f: f != checkout and holds(f)))
    work = tmp_path / "work"
    here = tmp_path / "elsewhere"
    work.mkdir()
    here.mkdir()
    (work / "rnn_numpy.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(here)
    assert main(["--lang", "en", "check", str(work / "rnn_numpy.py")]) == 2
    said = " ".join("".join(capsys.readouterr()).split())
    assert str(work) in said and str(here) in said and "--course" in said, said
    assert "Traceback" not in said
