"""Command groups that import a sub-command's module only when that sub-command runs.

Every ``bulkio`` process starts the whole command tree: a cron job's ``bulkio export orders``
used to import the import engine, polars, the catalog planner and the sandbox before its first
request — about 0.3 s, a fifth of a 1,000-order export (bench/RESULTS.md, issue 15). A
:class:`LazyGroup` knows each sub-command by name, the ``module:attribute`` it lives at and the
first paragraph of its help, so ``--help`` and shell completion list the commands without
importing them, and running one imports its module alone. ``tests/cli/test_lazy.py`` holds
the summaries to the commands' own help and every command module to the tree.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from gettext import gettext as _
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


@dataclass(frozen=True)
class Lazy:
    """A sub-command not imported yet: where it lives and what ``--help`` says about it."""

    target: str
    """``module:attribute`` of the :class:`click.Command`."""
    summary: str
    """The first paragraph of the command's help (the group's command list shortens it)."""


class LazyGroup(click.Group):
    """A :class:`click.Group` whose sub-commands in ``lazy`` are imported on first use.

    Commands added with :meth:`add_command` (or already loaded) behave as in any group."""

    def __init__(self, *args: Any, lazy: Mapping[str, Lazy] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, Lazy] = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in self.lazy:
            command = self.load(cmd_name)
        return command

    def load(self, name: str) -> click.Command:
        """Import the module of sub-command ``name`` and register the command it holds."""
        module_name, _sep, attribute = self.lazy[name].target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy[name].target} is not a click command")
        self.add_command(command, name)
        return command

    def listed(self, ctx: click.Context) -> list[tuple[str, click.Command]]:
        """The visible sub-commands as ``--help`` and completion list them, none imported:
        a loaded command as it is, another as a stand-in carrying its summary (its short help
        comes out the same: click shortens the first paragraph of either)."""
        shown = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name].summary)
            if not command.hidden:
                shown.append((name, command))
        return shown

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's command list, from :meth:`listed` (same layout, nothing imported)."""
        rows = self.listed(ctx)
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _cmd in rows)
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Sub-command names (from :meth:`listed`, nothing imported), then the options."""
        from click.shell_completion import CompletionItem

        results = [
            CompletionItem(name, help=cmd.get_short_help_str())
            for name, cmd in self.listed(ctx)
            if name.startswith(incomplete)
        ]
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results
