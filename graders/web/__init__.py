"""The web platform (`seqlab serve`): students read a lab, fill its blanks in the browser and
press 评测; instructors import a roster and watch the class.

The web process never runs student code: a submission becomes an `Attempt` row, the queue
(`queue.py`, embedded threads feeding warm sandboxed workers) grades it through
`grading.grade_attempt` — the same engine as `seqlab check` — and the page polls a small JSON
endpoint until the per-set results are there. `app.py` composes the FastAPI app (it is a
composition root: the quiz pages score with the `quizzes` package); `models.py` holds the
tables, `views.py` turns results and task pages into what templates show, `security.py`
the passwords, CSRF tokens and the submission rate limit, `roster.py` the CSV import.
"""
