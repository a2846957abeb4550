"""``--json`` and ``--quiet`` for the commands that print a result: one versioned document.

Every document starts with ``"schema": "bulkio.<command>/<version>"`` (docs/cli.md lists
them); a consumer checks it before reading anything else. An error under ``--json`` is a
document too (``"ok": false`` with the message and hint) on stdout, with the usual exit code,
so a script never has to parse stderr. JSON escapes control characters itself; text output
goes through :func:`bulkio.terminal.printable`.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click

from bulkio.errors import BulkioError
from bulkio.terminal import use_colour

P = ParamSpec("P")
R = TypeVar("R")

SCHEMAS = {
    "init": 1,
    "doctor": 1,
    "mapping.validate": 1,
    "mapping.list": 1,
    "export": 1,
    "demo": 1,
    "import": 1,
    "apply": 1,
    "catalog.import": 1,
    "catalog.apply": 1,
    "sandbox": 1,
}
"""Current version of each command's JSON document; bumped when a key changes meaning or goes."""


def schema(command: str) -> str:
    return f"bulkio.{command}/{SCHEMAS[command]}"


def document(command: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"schema": schema(command), **body}


def emit(command: str, body: dict[str, Any]) -> None:
    """Print one JSON document for ``command`` on stdout."""
    click.echo(json.dumps(document(command, body), indent=2, ensure_ascii=False, default=str))


def json_errors(command: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """With ``as_json=True`` among the keyword arguments, a BulkioError becomes a JSON
    document (``ok: false``) on stdout before the exit; otherwise it goes on as usual to
    :func:`bulkio.cli.common.handle_errors` (put this decorator below it)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except BulkioError as error:
                if not kwargs.get("as_json"):
                    raise
                emit(
                    command,
                    {
                        "ok": False,
                        "error": {
                            "message": str(error),
                            "hint": getattr(error, "hint", None),
                            "exit_code": int(error.exit_code),
                        },
                    },
                )
                sys.exit(int(error.exit_code))

        return wrapper

    return decorate


def json_option(func: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print one JSON document (schema in docs/cli.md) instead of text.",
    )(func)


def quiet_option(func: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="Print nothing on success (for cron); problems still go to stderr.",
    )(func)


__all__ = ["emit", "json_errors", "json_option", "quiet_option", "schema", "use_colour"]
