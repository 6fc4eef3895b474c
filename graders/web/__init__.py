"""The web platform (`seqlab serve`): students read a lab, fill its blanks in the browser and
press 评测; instructors import a roster and watch the class.

The web process never runs student code: a submission becomes an `Attempt` row, the queue
(`queue.py`, embedded threads feeding warm sandboxed workers) grades it through
`grading.grade_attempt` — the same engine as `seqlab check` — and the page polls a small JSON
endpoint until the per-set results are there. `app.py` assembles the FastAPI app from the
routers in `routes/` (`routes/quizzes.py` is a composition root: the quiz pages score with the
`quizzes` package) and the dependencies in `deps.py`; `models.py` holds the tables, `views.py`
turns results and task pages into what templates show, `security.py` the passwords, CSRF
tokens and the submission rate limit, `headers.py` the CSP, `reports.py` the class reports
(built apart from the server), `roster.py` the CSV import.
"""
