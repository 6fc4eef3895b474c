"""The benches' options, checked before anything is measured, and the words their goals are
judged in.

A bad option is one paragraph on stderr naming the option, the value given and what is
allowed, and exit code 2 — never a traceback, never after minutes of measuring. argparse's
own errors (an unknown option, a `type=` below refusing a value) go through `Parser.error`,
which says them the same way; checks that join two options (`--per-student` within
`--rate`) call `refuse` once the options are read.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent


def refuse(message: str) -> NoReturn:
    """The bench stops before measuring: one paragraph, exit code 2."""
    print(" ".join(message.split()), file=sys.stderr)
    raise SystemExit(2)


class Parser(argparse.ArgumentParser):
    """argparse, whose errors are one paragraph (no usage block above them) ending with
    where the options are listed."""

    def error(self, message: str) -> NoReturn:
        refuse(f"{self.prog}: {message}. See `{self.prog} --help` for the options.")


def integer(low: int, high: int) -> Callable[[str], int]:
    """A `type=` for a whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number; give one from {low} to {high}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{value} is out of range; give a whole number from {low} to {high}"
            )
        return value

    parse.__name__ = "whole number"  # what argparse calls the value in its own errors
    return parse


def course_labs() -> list[str]:
    from graders.spec import Course

    return Course.locate(ROOT).lab_ids()


def lab(text: str) -> str:
    """A `type=` for one of the course's labs."""
    known = course_labs()
    if text not in known:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a lab of this course; its labs are {', '.join(known)}"
        )
    return text


def one_of(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
    """A `type=` for a comma-separated list of some of `choices`, in the order given."""

    def parse(text: str) -> list[str]:
        given = [part.strip() for part in text.split(",") if part.strip()]
        unknown = [part for part in given if part not in choices]
        if unknown or not given:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a comma-separated list of {', '.join(choices)}"
                + (f" ({', '.join(unknown)} is not one)" if unknown else "")
            )
        return given

    parse.__name__ = "list"
    return parse


# --- goals (issue 17), judged in the same words by every bench -----------------------------


def judged(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "NOT met (no figure)"}[met]


def at_most(value: float, limit: float, said: str) -> str:
    """`(goal <= SAID: met)`; a missing figure (nan) is not a goal met."""
    met = None if math.isnan(value) else value <= limit
    return f"(goal <= {said}: {judged(met)})"


def at_least(value: float, limit: float, said: str) -> str:
    met = None if math.isnan(value) else value >= limit
    return f"(goal >= {said}: {judged(met)})"
