"""A mail trap for the real stores: every mail WordPress tries to send, recorded, none sent.

The stores have no mail transport, and whether WooCommerce *tried* to mail a customer is what
the migration tests must check (docs/migrations.md: new accounts, order e-mails). The trap is a
must-use plugin written into ``$WP_DIR/wp-content/mu-plugins/`` for the duration of a test: it
hooks ``pre_wp_mail`` (WordPress 5.7+), appends one JSON line per mail to a log file the test
reads, and returns ``true`` so ``wp_mail`` reports success without sending anything.

Several traps may be installed at once (the migration tests of customers, coupons and orders
run side by side on the same store): each has its own plugin file and log, and each records
*every* mail of the store while it is installed — so a test looks only at the mails addressed
to its own unique addresses (:meth:`MailTrap.to`), never at the total.

    with mail_trap(store) as trap:
        ...                                   # import customers with e-mails under a run id
        assert trap.to(f"{run_id}@") == []    # nobody was mailed

or the ``mailtrap`` fixture (``tests/realstore/conftest.py`` imports it from here).

PHP-FPM runs as ``www-data``: the plugin file is made world-readable and the log's directory
writable for that user (the tests run as root, which may chown; otherwise the directory is made
world-writable). Removed on exit, also when the test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PLUGIN_TEMPLATE = """<?php
/*
 * Plugin Name: bulkio mail trap {trap_id}
 * Description: Test store only, installed by bulkio's tests/realstore/mailtrap.py and removed
 * after the test: records every mail WordPress would send (one JSON line each) and sends none.
 */
add_filter( 'pre_wp_mail', function ( $return, $atts ) {{
	$to = isset( $atts['to'] ) ? $atts['to'] : array();
	if ( ! is_array( $to ) ) {{
		$to = explode( ',', (string) $to );
	}}
	$text = wp_strip_all_tags( (string) ( $atts['message'] ?? '' ) );
	$text = trim( preg_replace( '/\\s+/', ' ', $text ) );
	$request = 'cli';
	if ( isset( $_SERVER['REQUEST_METHOD'] ) ) {{
		$request = $_SERVER['REQUEST_METHOD'] . ' ' . ( $_SERVER['REQUEST_URI'] ?? '' );
	}}
	$line = array(
		'trap'    => '{trap_id}',
		'time'    => gmdate( 'Y-m-d\\TH:i:s\\Z' ),
		'to'      => array_values( array_filter( array_map( 'trim', $to ) ) ),
		'subject' => isset( $atts['subject'] ) ? (string) $atts['subject'] : '',
		'message' => substr( $text, 0, 400 ),
		'request' => $request,
	);
	@file_put_contents( {log_php}, wp_json_encode( $line ) . "\\n", FILE_APPEND | LOCK_EX );
	return true;
}}, 10, 2 );
"""


@dataclass
class MailTrap:
    """An installed trap: its plugin file and the log it appends to."""

    trap_id: str
    plugin: Path
    log: Path

    def mails(self) -> list[dict[str, Any]]:
        """Every mail recorded since the trap was installed (or :meth:`clear`)."""
        if not self.log.is_file():
            return []
        out: list[dict[str, Any]] = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
        return out

    def to(self, needle: str) -> list[dict[str, Any]]:
        """The mails with a recipient containing ``needle`` (without case), e.g. a test's run
        id or its unique domain: other tests' mails are recorded too."""
        needle = needle.lower()
        return [m for m in self.mails() if any(needle in str(r).lower() for r in m["to"])]

    def subjects(self, needle: str) -> list[str]:
        return [str(m["subject"]) for m in self.to(needle)]

    def clear(self) -> None:
        if self.log.exists():
            self.log.write_text("", encoding="utf-8")

    def wait_quiet(self, seconds: float = 1.0) -> None:
        """Give mails sent at the end of a request (shutdown hooks) time to be written."""
        time.sleep(seconds)


def _php_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _hand_to_web_server(path: Path, *, directory: bool) -> None:
    """Let PHP-FPM (www-data) write ``path``: chown when we may, else open it up."""
    try:
        shutil.chown(path, user="www-data", group="www-data")
    except (PermissionError, LookupError, OSError):
        os.chmod(path, 0o777 if directory else 0o666)


@contextlib.contextmanager
def mail_trap(store: Any) -> Iterator[MailTrap]:
    """Install a trap in ``store`` (a :class:`tests.realstore.refstore.RealStore`, or anything
    with ``wp_dir``) for the ``with`` block; skip the test when the plugin cannot be written."""
    mu_dir = Path(store.wp_dir) / "wp-content" / "mu-plugins"
    trap_id = uuid.uuid4().hex[:12]
    log_dir = Path(tempfile.mkdtemp(prefix=f"bulkio-mailtrap-{trap_id}-"))
    log = log_dir / "mails.jsonl"
    log.touch()
    _hand_to_web_server(log_dir, directory=True)
    _hand_to_web_server(log, directory=False)
    plugin = mu_dir / f"bulkio-mailtrap-{trap_id}.php"
    try:
        mu_dir.mkdir(parents=True, exist_ok=True)
        plugin.write_text(
            PLUGIN_TEMPLATE.format(trap_id=trap_id, log_php=_php_string(str(log))),
            encoding="utf-8",
        )
        os.chmod(plugin, 0o644)
    except OSError as error:
        shutil.rmtree(log_dir, ignore_errors=True)
        pytest.skip(f"cannot install the mail trap in {mu_dir}: {error}")
    try:
        yield MailTrap(trap_id, plugin, log)
    finally:
        plugin.unlink(missing_ok=True)
        shutil.rmtree(log_dir, ignore_errors=True)


@pytest.fixture
def mailtrap(store: Any) -> Iterator[MailTrap]:
    """A :func:`mail_trap` in the test's store for the whole test."""
    with mail_trap(store) as trap:
        yield trap


__all__ = ["MailTrap", "mail_trap", "mailtrap"]
