"""The options of unattended runs (limits, missing products, lock, logs), shared by commands.

``@safety_options`` adds them to a click command and hands the command one ``safety``
argument (:class:`SafetyCli`) instead of eleven, so a command's signature stays readable.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bulkio.safeguard import RunOptions

LIMIT_OPTIONS: tuple[tuple[str, str], ...] = (
    (
        "max_changes",
        "Stop when more than N records would be created, updated, hidden or deleted "
        "(default: off).",
    ),
    (
        "max_change_share",
        "Stop when more than P% of the existing records looked at would change (default 50%).",
    ),
    (
        "max_price_drop",
        "Stop when any price would fall by more than P% (default 50%; a price set "
        "to 0.00 is -100%).",
    ),
    ("max_price_rise", "Stop when any price would rise by more than P% (default 100%)."),
    (
        "max_hide",
        "Stop when more than N records (or N%) missing from the feed would be hidden or "
        "deleted (default 10%).",
    ),
    (
        "min_rows_share",
        "Stop when the feed has fewer rows than P% of the last successful run's (default 50%).",
    ),
)


@dataclass(frozen=True)
class SafetyCli:
    """The raw option values; :meth:`resolve` combines them with the mapping's ``[limits]``."""

    limits: dict[str, str | None]
    no_limits: bool
    allow_delete: bool
    runs_dir: Path | None
    log_file: str | None
    wait_lock: float

    def resolve(self, mapping: Any) -> RunOptions:
        return RunOptions.resolve(
            mapping,
            limit_options=self.limits,
            no_limits=self.no_limits,
            allow_delete=self.allow_delete,
            runs_dir=self.runs_dir,
            log_file=self.log_file,
            wait_lock=self.wait_lock,
        )


_NAMES = (
    *(name for name, _ in LIMIT_OPTIONS),
    "no_limits",
    "allow_delete",
    "runs_dir",
    "log_file",
    "wait_lock",
)


def limit_value_options() -> list[Callable[[Any], Any]]:
    """The ``--max-…`` / ``--min-rows-share`` options (raw text; 'off' disables one), shared by
    ``bulkio import`` and ``bulkio apply``."""
    return [
        click.option(
            "--" + name.replace("_", "-"),
            name,
            metavar="N" if name in ("max_changes", "max_hide") else "P",
            default=None,
            help=text + " 'off' disables it.",
        )
        for name, text in LIMIT_OPTIONS
    ]


def safety_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the safety options to a command; it receives ``safety: SafetyCli``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = {name: kwargs.pop(name, None) for name in _NAMES}
        kwargs["safety"] = SafetyCli(
            limits={name: raw[name] for name, _ in LIMIT_OPTIONS},
            no_limits=bool(raw["no_limits"]),
            allow_delete=bool(raw["allow_delete"]),
            runs_dir=raw["runs_dir"],
            log_file=raw["log_file"],
            wait_lock=float(raw["wait_lock"] or 0.0),
        )
        return func(*args, **kwargs)

    options = limit_value_options()
    options += [
        click.option(
            "--no-limits",
            is_flag=True,
            help="Turn every safety limit off for this run (nothing else does).",
        ),
        click.option(
            "--allow-delete",
            is_flag=True,
            help='Needed, with missing = "delete" in the mapping, to move products missing '
            "from the feed to the trash.",
        ),
        click.option(
            "--runs-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Where runs keep logs, reports, plans, state and the lock "
            "[default: $BULKIO_HOME/runs or ./.bulkio/runs].",
        ),
        click.option(
            "--log-file",
            metavar="PATH",
            help="Write the JSON-lines run log here (appended; '-' = stderr) instead of the "
            "run directory.",
        ),
        click.option(
            "--wait-lock",
            type=click.FloatRange(min=0),
            default=0.0,
            metavar="SECONDS",
            help="Wait this long for another run of the same store and mapping to finish "
            "(default: fail at once with exit code 5).",
        ),
    ]
    result: Callable[..., Any] = wrapper
    for option in reversed(options):
        result = option(result)
    return result
