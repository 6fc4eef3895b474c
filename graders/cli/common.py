"""What every command module shares: exit codes, the console, printing a result, the
isolation gate and the rules for files we write (never over a user's own)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from graders.errors import UsageError
from graders.messages import say
from graders.present import terminal

EXIT_OK, EXIT_BELOW, EXIT_CANNOT = 0, 1, 2


# The words `main` was given (sys.argv's, or a caller's list): read before argparse has
# parsed them, as its own errors come first.
ARGV: list[str] | None = None


def given_words() -> list[str]:
    return ARGV if ARGV is not None else sys.argv[1:]


def argv_lang() -> str:
    """The language asked for on the command line: `--lang en` or `--lang=en` anywhere, else
    Chinese, the default."""
    words = given_words()
    for index, word in enumerate(words):
        if word == "--lang" and index + 1 < len(words) and words[index + 1] in ("zh", "en"):
            return words[index + 1]
        if word in ("--lang=zh", "--lang=en"):
            return word.split("=")[1]
    return "zh"


# argparse's own sentences (it has no Chinese), said again in the reader's language: the
# pattern, and the catalogue key whose {a}, {b}, {c} are its groups.
ARGPARSE_SAID = (
    (r"argument (\S+): invalid \w+ value: (.*)()", "cli.arg_invalid_value"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", "cli.arg_invalid_choice"),
    (r"argument (\S+): expected (.*)()", "cli.arg_expected"),
    (r"the following arguments are required: (.*)()()", "cli.arg_required"),
    (r"unrecognized arguments: (.*)()()", "cli.arg_unrecognized"),
    (r"argument (\S+): (.*)()", "cli.arg_other"),
)


def argparse_said(message: str, lang: str) -> str:
    for pattern, key in ARGPARSE_SAID:
        found = re.fullmatch(pattern, message, re.DOTALL)
        if found:
            return say(key, lang, a=found[1], b=found[2], c=found[3])
    return message


class Parser(argparse.ArgumentParser):
    """argparse, whose errors are one paragraph in the reader's language (no usage block),
    exit code 2: an unknown option, a missing argument, a value a `type=` refused."""

    def error(self, message: str):
        prog = self.prog
        if message.startswith("unrecognized arguments") and self._subparsers is not None:
            # Found by the top parser after the command's: blamed on the command given.
            commands = self._subparsers._group_actions[0].choices
            given = [word for word in given_words() if word in commands]
            prog = commands[given[0]].prog if given else prog
        lang = argv_lang()
        problem = argparse_said(message, lang)
        print(say("cli.bad_arguments", lang, prog=prog, problem=problem), file=sys.stderr)
        raise SystemExit(EXIT_CANNOT)


def whole_number(low: int, high: int | Callable[[], int] | None = None) -> Callable[[str], int]:
    """A `type=` for a whole number from `low` to `high` (a number, or a function giving this
    machine's most; None: no most), refused in the reader's language."""

    def parse(text: str) -> int:
        most = high() if callable(high) else high
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or value < low or (most is not None and value > most):
            key = "cli.need_whole_number" if most is not None else "cli.need_whole_number_from"
            raise argparse.ArgumentTypeError(say(key, argv_lang(), value=text, low=low, high=most))
        return value

    parse.__name__ = "whole number"
    return parse


def require_isolation_option(sub: argparse.ArgumentParser, refusal: str, when: str) -> None:
    """--require-isolation LEVEL: `refusal` (exit 2) below that sandbox level; `when` says
    where CLASS_ISOLATION holds without the option."""
    from graders.results import LEVELS
    from graders.service.isolation import CLASS_ISOLATION

    sub.add_argument(
        "--require-isolation",
        choices=LEVELS[1:],
        help=f"{refusal} (exit 2) if this machine's sandbox is weaker than this "
        f"({when}: {CLASS_ISOLATION} unless given; weak to accept it)",
    )


Handler = Callable[[argparse.Namespace], int]


def add_command(
    commands, common: argparse.ArgumentParser, name: str, handler: Handler, help_text: str
) -> argparse.ArgumentParser:
    """A subcommand taking the shared options (--lang, --course), run by `handler`."""
    sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
    sub.set_defaults(handler=handler)
    return sub


def console() -> Console:
    # Not a terminal (a CI log, a pipe): sentences are not wrapped at 80 columns, so a path in
    # them stays whole and can be copied. Tables still fit rich's width.
    return Console(highlight=False, soft_wrap=not _is_terminal(sys.stdout))


def status() -> Console:
    """Where a command says what it is doing (stderr), apart from what it outputs."""
    return Console(stderr=True, highlight=False, soft_wrap=not _is_terminal(sys.stderr))


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed by a caller
        return False


def emit(result, args) -> int:
    """Print a lab or quiz result as JSON or as the terminal report; its exit code."""
    if args.json:
        print(terminal.render_json(result, args.lang))
    else:
        terminal.render_terminal(result, args.lang, console())
    return result.exit_code()


def new_file(path_text: str | None) -> Path | None:
    """A path to write to that does not exist yet: we never overwrite a user's file."""
    if path_text is None:
        return None
    path = Path(path_text)
    if path.exists():
        raise UsageError("file.exists", path=path)
    # Checked now, not when writing: `quiz take --save` asks every question first.
    folder = path.parent
    if not folder.is_dir():
        raise UsageError("file.no_folder", path=path, folder=folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError("file.folder_not_writable", path=path, folder=folder)
    return path


def empty_folder(text: str) -> Path:
    """A folder to write an export into: new or empty, so nothing of the user's is lost."""
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UsageError("file.not_a_folder", path=folder)
    if folder.exists() and any(folder.iterdir()):
        raise UsageError("notebook.dir_not_empty", path=folder)
    return folder


def own_file(path_text: str | None, signature: str) -> Path | None:
    """A file to write: a new one, or one seqlab wrote before (its first 4 KB hold
    `signature`), so a nightly report replaces itself but never a file of the user's."""
    if path_text is None:
        return None
    path = Path(path_text)
    if path.exists():
        try:
            with path.open(encoding="utf-8", errors="replace") as stream:
                ours = path.is_file() and signature in stream.read(4096)
        except OSError:
            ours = False
        if not ours:
            raise UsageError("file.exists", path=path)
    return path
