import pytest

from graders.spec import Course


@pytest.fixture(scope="session")
def course() -> Course:
    return Course.locate()
