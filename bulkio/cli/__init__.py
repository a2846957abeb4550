"""The ``bulkio`` command line: a thin click layer over the library.

Each sub-command lives in its own module and only parses options, calls library functions and
turns their results into output and an exit code (see :mod:`bulkio.exitcodes`).
"""

from __future__ import annotations

import sys
from importlib import metadata

import click

from bulkio import __version__
from bulkio.cli import catalog, demo, doctor, export, import_, init, mapping, sandbox
from bulkio.scrub import ScrubbedStream


def _installed_version() -> str:
    """The version of the installed package (its metadata), else the source tree's."""
    try:
        return metadata.version("bulkio")
    except metadata.PackageNotFoundError:
        return __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(_installed_version(), prog_name="bulkio", message="%(prog)s %(version)s")
def main() -> None:
    """Move data between files and WooCommerce stores through the REST API.

    Imports reconcile: bulkio reads the store, shows what would change, and writes only the
    difference through the batch endpoints. Exports write orders and products to CSV, XLSX,
    XML or Parquet for systems without an API.

    Start with `bulkio demo` (no configuration needed), `bulkio init FEED` to draft a mapping
    for your file, then `bulkio doctor` against your store. Completion, --json and --quiet:
    docs/cli.md.
    """
    _scrub_console(click.get_current_context())


def _scrub_console(ctx: click.Context) -> None:
    """Send everything the command prints through the one scrubber (:mod:`bulkio.scrub`):
    messages quoting a store's answer may echo the request's key and secret, and the console
    ends up in cron mail and the journal. The previous streams come back when it ends."""
    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, ScrubbedStream):
        sys.stdout = ScrubbedStream(sys.stdout)  # type: ignore[assignment,unused-ignore]
    if not isinstance(sys.stderr, ScrubbedStream):
        sys.stderr = ScrubbedStream(sys.stderr)  # type: ignore[assignment,unused-ignore]

    def restore() -> None:
        sys.stdout, sys.stderr = saved

    ctx.call_on_close(restore)


for _module in (demo, init, doctor, import_, mapping, export, sandbox, catalog):
    for _command in _module.COMMANDS:
        main.add_command(_command)
