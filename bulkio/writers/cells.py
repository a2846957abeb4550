"""Cell safety shared by the spreadsheet-facing writers (CSV and XLSX).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets when the file is opened ("CSV injection": a
customer who types ``=HYPERLINK(...)`` as their company name). Such text cells get a leading
apostrophe in CSV — spreadsheets show the text, and the apostrophe tells a reader why. Numbers
are written as numbers, so a negative amount stays numeric; only *text* is neutralised.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralise(text: str) -> str:
    """``=1+1`` → ``'=1+1``; harmless text is returned unchanged."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
