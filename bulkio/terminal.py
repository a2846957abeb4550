"""Feed data on a terminal: control characters shown as escapes, never written raw.

A feed is somebody else's text. A name holding ``ESC [2J`` clears the operator's screen, an
``ESC ]0;…BEL`` retitles the window, a bidi override reverses what a line seems to say, and a
newline inside a SKU breaks the diff's one-line-per-item layout (also in cron mail and the
journal, where the output ends up). Every output path that prints values from a feed or a store
passes them through :func:`printable`; JSON output is escaped by the JSON encoder instead.
"""

from __future__ import annotations

import os
import re
import sys

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

_UNPRINTABLE = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"  # C0 controls, DEL, C1 controls (CSI \x9b drives some terminals)
    "\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u2028\u2029"  # line and paragraph separators
    "]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with control characters written as escapes (``\\x1b``, ``\\n``, ``\\u202e``).

    Everything else, accented letters, symbols and emoji included, is left as it is.
    ``keep_newlines`` leaves line breaks alone, for a message of several lines of bulkio's own
    (an error with its hint) that may quote feed values.
    """
    if keep_newlines:
        return "\n".join(_UNPRINTABLE.sub(_escape, line) for line in text.split("\n"))
    return _UNPRINTABLE.sub(_escape, text)


def use_colour(stream: object = None) -> bool:
    """Colour only on a terminal, and never with ``NO_COLOR`` set (https://no-color.org):
    never in a pipe, a file, cron mail or the journal. ``stream`` defaults to stdout."""
    target = stream if stream is not None else sys.stdout
    isatty = getattr(target, "isatty", None)
    return bool(isatty is not None and isatty()) and not os.environ.get("NO_COLOR")
