"""Helpers every command shares: turning library errors into messages and exit codes."""

from __future__ import annotations

import functools
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from bulkio.errors import BulkioError
from bulkio.exitcodes import ExitCode
from bulkio.terminal import printable

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a :class:`BulkioError` as one clear message and exit with its code.

    Anything else is a bug and keeps its traceback; Ctrl-C exits with 130 and a reassurance
    that a re-run is safe. SIGTERM (systemd stopping a unit past ``TimeoutStartSec``, ``kill``)
    takes the same way while the command runs, so an export removes its temporary file and an
    import's run log records the interruption instead of the process vanishing mid-write.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        previous = _sigterm_as_interrupt()
        try:
            return func(*args, **kwargs)
        except BulkioError as error:
            # Messages may quote feed or store text (a SKU in a limit breach, a header name):
            # control characters in it are shown escaped, never sent to the terminal.
            click.echo(f"error: {printable(str(error), keep_newlines=True)}", err=True)
            sys.exit(int(error.exit_code))
        except KeyboardInterrupt:
            click.echo("interrupted: nothing is half-written; running again is safe.", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _sigterm_as_interrupt() -> signal.Handlers | Callable[..., object] | int | None:
    """Route SIGTERM to KeyboardInterrupt; return the handler to restore (None: unchanged).

    Only the main thread may set signal handlers (a CLI invoked from a worker thread, e.g. by
    a test runner, keeps the default)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except (ValueError, OSError):
        return None
    return previous if previous is not None else signal.SIG_DFL


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


class FiniteFloatRange(click.FloatRange):
    """``click.FloatRange`` that also refuses ``nan`` (which compares false with both bounds and
    so passes a plain range, then crashes deep inside, e.g. as a socket timeout)."""

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        number = super().convert(value, param, ctx)
        if number != number:
            self.fail(f"{value!r} is not a number", param, ctx)
        return number
