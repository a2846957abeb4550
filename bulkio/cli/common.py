"""Helpers every command shares: turning library errors into messages and exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from bulkio.errors import BulkioError
from bulkio.exitcodes import ExitCode

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a :class:`BulkioError` as one clear message and exit with its code.

    Anything else is a bug and keeps its traceback; Ctrl-C exits with 130 and a reassurance
    that a re-run is safe.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BulkioError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(int(error.exit_code))
        except KeyboardInterrupt:
            click.echo("interrupted: nothing is half-written; running again is safe.", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))

    return wrapper


def output_file_in_existing_dir(
    ctx: click.Context, param: click.Parameter, value: Path | None
) -> Path | None:
    """Click callback for ``--report`` / ``--plan-out``: the file's directory must exist.

    Checked when the options are parsed (exit 2, nothing read or written), because the file is
    only written at the end — after the store was changed, where a missing directory used to
    end the run with a traceback and lose the report.
    """
    if value is not None and not value.parent.is_dir():
        raise click.BadParameter(
            f"the directory {str(value.parent)!r} does not exist; create it first", ctx, param
        )
    return value
