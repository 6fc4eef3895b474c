"""The app's routes by area, each an APIRouter that create_app() includes: sign-in and the
language (auth), the course and its labs (labs), quizzes, the instructor's pages, the JSON
the lab page reads (api) and its push stream (events), the editor's drafts (drafts). What
they need comes as dependencies (graders/web/deps.py).

Routes that touch the database or files are plain functions, which FastAPI runs in its
thread pool; only a route with no such work runs in the event loop.
"""

from graders.web.routes import (
    api,
    auth,
    drafts,
    events,
    instructor,
    labs,
    lti,
    mistakes,
    quizzes,
    rules,
    students,
)

ROUTERS = (
    auth.router,
    labs.router,
    drafts.router,
    api.router,
    quizzes.router,
    instructor.router,
    rules.router,
    lti.router,
)
ROUTERS += (students.router,)  # the staff's view of a student (issue 15, item 4)
ROUTERS += (mistakes.router,)  # naming a common mistake from the class report (issue 18)
ROUTERS += (events.router,)  # an attempt pushed as Server-Sent Events (issue 17)
