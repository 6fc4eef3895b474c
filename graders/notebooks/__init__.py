"""Jupyter: labs as notebooks and notebooks as submissions.

| module | job |
|---|---|
| `build.py` | a lab as a notebook: its task page and its starter's cells |
| `magic.py` | the IPython extension: `%seqlab check` grades the notebook it runs in |
| `live.py` | which notebook that is, saved by the frontend so the file is what is on screen |
| `nbgrader.py` | `seqlab export nbgrader`: a course that the real nbgrader generates and grades |
| `nbgrader_grade.py` | nbgrader autograde's step: seqlab grades the notebook, no kernel runs it |
| `validate.py` | what a public grade cell runs in the student's kernel: nbgrader's Validate, true |

Cutting a program into cells and reading a notebook's code cells back is graders/cells.py, in
the core, so that submission.py reads a submitted .ipynb without this package. This package is
a front end beside course/ and batch/: course/ imports it (course/build.py keeps each lab's
exercises/<lab>/<file>.ipynb in sync), never the other way round. nbformat (the [jupyter]
extra) is imported only where a notebook is made or read.
"""
