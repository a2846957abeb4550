"""CLI commands (placeholder until this module's issue lands)."""

import click

COMMANDS: list[click.Command] = []
