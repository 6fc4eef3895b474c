"""Fixtures of the adversarial tests: one canary course and one pair of loopback listeners
per session (corpus.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import Listeners, make_canary_course


@pytest.fixture(scope="session")
def canary_course(tmp_path_factory) -> Path:
    return make_canary_course(tmp_path_factory.mktemp("canary-course"))


@pytest.fixture(scope="session")
def listeners():
    found = Listeners()
    yield found
    found.close()
