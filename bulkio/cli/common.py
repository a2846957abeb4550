"""Helpers every command shares: turning library errors into messages and exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
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
