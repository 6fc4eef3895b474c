"""THE grading service: every front end grades through it.

`grade_lab(lab, submission)` grades a submission of a lab (`grade(work)` any grading, such as
a quiz's checker that a front end hands in) and returns one `Outcome`: the result, or why
there is none and whose fault that is (`Blame`); `choose_lab` picks the lab; `require_isolation`
refuses to run student code below a level. `pools` decides, in one
place, whether gradings of a lab run on warm workers or cold. The CLI, batch grading, the
web's queue and Celery task, the notebook magic and the nbgrader/Gradescope autograders only
adapt their input to this and its Outcome to their output.
"""

from graders.service.grading import Blame, Outcome, choose_lab, grade, grade_lab
from graders.service.isolation import require_isolation

__all__ = ["Blame", "Outcome", "choose_lab", "grade", "grade_lab", "require_isolation"]
