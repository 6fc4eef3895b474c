"""Why grading could not happen: one exception family, rendered as one paragraph, exit code 2.

A student's *wrong answer* is never an exception (it is a verdict); these are for input we
cannot grade at all, split by whose fault it is so messages can say what to do.
"""

from __future__ import annotations

from graders.messages import say


class SeqlabError(Exception):
    """Carries a catalogue key and its parameters so it can be rendered in either language."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(say(key, "en", **params))

    def render(self, lang: str) -> str:
        return say(self.key, lang, **self.params)

    def detached(self) -> SeqlabError:
        """This error without the frames and exceptions it was raised through, to be kept: a
        batch keeps one per student, and those frames hold the student's whole file."""
        self.__traceback__ = self.__context__ = self.__cause__ = None
        return self


class SubmissionError(SeqlabError):
    """The student's (or a sheet's) file cannot be read or understood."""


class SpecError(SeqlabError):
    """A lab spec, quiz bank or course file is wrong: the author's fault, not the student's."""


class UsageError(SeqlabError):
    """The command line asks for something that does not exist."""


class SandboxError(SeqlabError):
    """Our own infrastructure failed to run the program; never the student's fault."""
