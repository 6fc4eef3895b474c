"""Jupyter: labs as notebooks and notebooks as submissions.

| module | job |
|---|---|
| `cells.py` | pure: a program cut into cells; a notebook's code cells read back as a program |
| `build.py` | exercises/<lab>/<file>.ipynb from the starter and the task page, kept in sync |
| `magic.py` | the IPython extension: `%seqlab check` grades the notebook it runs in |
| `nbgrader.py` | `seqlab export nbgrader`: a course that the real nbgrader generates and grades |
| `nbgrader_grade.py` | nbgrader autograde's step: seqlab grades the notebook, no kernel runs it |

`cells.py` imports only the core (errors, messages, markers), so `submission.py` reads a
notebook through it; the other modules sit beside course/ and batch/ above the engine.
"""
