"""The Gradescope bundle's run_autograder with a symbolic link in the upload: a link to a file
inside the upload is graded; one leading outside it (the course folder, its hidden sets) is
refused with a 0 and the reason, and never read."""

from gradescope_helpers import run_upload, unpacked_bundle

LAB = "scaled-dot-product"  # NumPy: quick


def test_a_link_inside_the_upload_is_followed_and_one_outside_is_refused(course, tmp_path):
    root = unpacked_bundle(LAB, tmp_path)
    lab = course.lab(LAB)
    reference = lab.solution_path.read_text(encoding="utf-8")
    outside = tmp_path / "elsewhere" / lab.entry  # a right answer, but not in the upload
    outside.parent.mkdir()
    outside.write_text(reference, encoding="utf-8")
    spec = root / "source" / "seqlab" / "graders" / "labs" / f"{LAB}.toml"
    assert spec.is_file()

    def autograde(files: dict[str, str], links: dict[str, str]) -> dict:
        done, document = run_upload(root, files, links)
        assert done.returncode == 0 and document is not None, done.stdout + done.stderr
        return document

    # Links inside the upload: followed (relative or absolute), counted once with their file.
    drafts = {"work/v2.py": reference, "work/v1.py": "x = 1\n"}
    inside_cases = [
        (drafts, {lab.entry: "work/v2.py"}),  # the starter's name picks the link
        (drafts, {lab.entry: str(root / "submission" / "work" / "v2.py")}),
        ({"work/v2.py": reference}, {"latest.py": "work/v2.py"}),  # one file, not two
        ({"work/v2.py": reference}, {"stray.py": str(spec)}),  # a stray link out: not one
    ]
    for files, links in inside_cases:
        document = autograde(files, links)
        assert document["score"] == 100, (files, links, document["output"])

    # Leading outside: the reference beside the upload, the spec with the hidden sets.
    for links in ({lab.entry: str(outside)}, {lab.entry: str(spec)}, {"x.py": "../../x"}):
        document = autograde({}, links)
        assert document["score"] == 0 and document["tests"] == [], links
        assert "symbolic link that leads outside your upload" in document["output"], links
        assert "[[tests]]" not in document["output"] and "hidden" not in document["output"]
