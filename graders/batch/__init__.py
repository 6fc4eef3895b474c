"""Many submissions at once: the instructor's side of grading.

`collect` turns folders, nbgrader trees and LMS zip exports into (student, file) items,
`reading` reading their bytes under budgets (zip bombs, links, files swapped meanwhile);
`grading` grades them concurrently through the engine (or a quiz checker handed in by the
CLI), one failure never stopping the rest; `gradebook` stores every result in SQL
(SQLite or PostgreSQL through SQLAlchemy) and exports CSV and Gradescope results.json;
`feedback` writes one Markdown and one HTML page per student and lab; `summary` is the
terminal progress bar and the end-of-batch summary; `similarity` finds suspiciously alike
blank bodies for the class report. Nothing here runs student code itself:
every run goes through `graders.engine`.
"""
