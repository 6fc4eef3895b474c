"""The `seqlab` command: arguments in, exit codes out.

Exit codes: 0 full marks (or all checks passed), 1 graded below full marks (or a check
failed), 2 could not grade — always with a one-paragraph message, never a traceback.
This package is the composition root: the only place that brings labs and quizzes together.
Each module holds one group of commands, registering its options next to its handlers;
this one builds the parser from them and runs the chosen handler.

Subsystems with heavy imports (SQLAlchemy, nbformat's schema validation, copydetect, the web
stack) are imported inside the commands that use them: `seqlab check` should start in a blink.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from graders.cli import common as cli_common
from graders.cli import (
    course,
    demo,
    doctor,
    gradebook,
    grading,
    listing,
    lti,
    quality,
    quiz,
    scaffold,
    web,
)
from graders.cli.common import EXIT_CANNOT, EXIT_OK, Parser
from graders.errors import SeqlabError
from graders.messages import LANGS, say
from graders.sandbox.probe import DISABLE_VARIABLE, LAYERS, disabled_by_environment
from graders.textsafe import visible

# In the order `seqlab --help` lists the commands.
COMMAND_GROUPS = (
    listing,
    grading,
    gradebook,
    doctor,
    course,
    quality,
    scaffold,
    demo,
    web,
    quiz,
    lti,
)


def build_parser() -> argparse.ArgumentParser:
    # Given before or after the command: `seqlab --lang en check F` or `seqlab check F --lang en`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--lang", choices=LANGS, default=argparse.SUPPRESS, help="zh (default) or en"
    )
    common.add_argument("--course", type=Path, default=argparse.SUPPRESS, help="course folder")
    parser = Parser(prog="seqlab", description="Auto-graded 头歌-style labs for sequence models.")
    parser.add_argument("--lang", choices=LANGS, default="zh")
    parser.add_argument("--course", type=Path, default=None)
    parser.add_argument(
        "--without",
        action="append",
        choices=LAYERS[1:],
        default=[],
        metavar="LAYER",
        help="switch off a sandbox layer (bwrap, seccomp, landlock, cgroup) to test a fallback",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(commands, common)
    return parser


def _switch_off_layers(layers: list[str]) -> None:
    # Through the environment, so processes we start (mutation workers, pytest) inherit it.
    if layers:
        switched = disabled_by_environment() | set(layers)
        os.environ[DISABLE_VARIABLE] = ",".join(sorted(switched))


def main(argv: list[str] | None = None) -> int:
    cli_common.ARGV = list(argv) if argv is not None else sys.argv[1:]
    args = build_parser().parse_args(argv)
    _switch_off_layers(args.without)
    try:
        return args.handler(args)
    except SeqlabError as error:  # it names the user's files: their controls shown, not obeyed
        print(visible(error.render(args.lang)), file=sys.stderr)
        return EXIT_CANNOT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `seqlab ... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # our own bug: say so plainly, keep the details for debugging
        if os.environ.get("SEQLAB_DEBUG"):
            raise
        message = say("internal", args.lang, error=f"{type(error).__name__}: {error}")
        print(visible(message), file=sys.stderr)
        return EXIT_CANNOT
