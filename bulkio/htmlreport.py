"""A run's JSON result document as ONE self-contained HTML page people look at.

:func:`render_html_report` takes the document ``bulkio import --json`` prints
(:func:`bulkio.report.result_to_dict`: ``dry_run``, ``plan``, ``result``, ``problems``,
``warnings``) and returns a page with no network access, no JavaScript and no external file:
inline CSS, an inline SVG chart. It shows the counts, a histogram of price changes (how many
prices rose or fell by how much), the biggest changes, the fields that changed most, the
rejected/failed/refused rows with their reasons, the safety limits hit and the timings.

Every string from the feed or the store is HTML-escaped (SKUs, values, messages, file names),
and control characters are shown as escapes (:func:`bulkio.terminal.printable`), so a feed
cannot inject markup or script into the page.

Numbers on the page carry ``data-*`` attributes (``data-count``, ``data-field``) so tests and
scripts can read them back; the page says the same as the JSON.

    from bulkio.htmlreport import write_html_report
    write_html_report(document, "run.html")
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bulkio.atomicfile import write_atomically
from bulkio.plan.render import KEY_LABELS
from bulkio.terminal import printable

PRICE_FIELDS = ("regular_price", "sale_price")
BUCKETS: tuple[tuple[float, str, str], ...] = (
    (5, "−5…0 %", "0…5 %"),
    (10, "−10…−5 %", "5…10 %"),
    (20, "−20…−10 %", "10…20 %"),
    (50, "−50…−20 %", "20…50 %"),
    (math.inf, "< −50 %", "> 50 %"),
)
"""Price change buckets by the size of the change in percent of the old price: (upper bound,
fall label, rise label); a bound belongs to the smaller change (exactly −5 % is "−5…0 %").
A change of 0 % is no change and never counted."""
BIGGEST = 15
PROBLEMS_SHOWN = 500


def esc(value: Any) -> str:
    """Text for HTML: control characters escaped visibly, then markup escaped."""
    if value is None:
        return ""
    return html.escape(printable(str(value)), quote=True)


# -- reading the document ----------------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().strip("'\"")
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def iter_changes(document: Mapping[str, Any]) -> Iterable[tuple[str, str, Any, Any, str]]:
    """(sku, field, old, new, action) for every planned change, product and catalog plans."""
    plan = document.get("plan") or {}
    for action in ("updates", "creates"):
        for item in plan.get(action) or []:
            for change in item.get("changes") or []:
                yield (
                    str(item.get("sku") or ""),
                    str(change.get("field")),
                    change.get("old"),
                    change.get("new"),
                    action[:-1],
                )
    items = plan.get("items")
    if isinstance(items, Mapping):  # catalog plans: "changes": [[field, old, new], …]
        for item in items.values():
            action = str(item.get("action") or "")
            for change in item.get("changes") or []:
                if isinstance(change, list | tuple) and len(change) == 3:
                    old = None if change[1] in ("(none)", "none recorded") else change[1]
                    yield (str(item.get("sku") or ""), str(change[0]), old, change[2], action)


def price_changes(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Updates of an existing price: sku, field, old, new and the change in percent."""
    out = []
    for sku, name, old, new, action in iter_changes(document):
        if name not in PRICE_FIELDS or action != "update":
            continue
        before, after = _number(old), _number(new)
        if before is None or after is None or before == 0 or before == after:
            continue
        percent = float((after - before) / before * 100)
        out.append({"sku": sku, "field": name, "old": old, "new": new, "percent": percent})
    return out


def bucket_counts(changes: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(label, how many) from the biggest fall to the biggest rise."""
    falls = [0] * len(BUCKETS)
    rises = [0] * len(BUCKETS)
    for change in changes:
        percent = change["percent"]
        if percent == 0:
            continue
        index = next(i for i, (bound, _f, _r) in enumerate(BUCKETS) if abs(percent) <= bound)
        (falls if percent < 0 else rises)[index] += 1
    out = [(BUCKETS[i][1], falls[i]) for i in reversed(range(len(BUCKETS)))]
    return out + [(BUCKETS[i][2], rises[i]) for i in range(len(BUCKETS))]


def field_counts(document: Mapping[str, Any]) -> list[tuple[str, int]]:
    """How many updates change each field, most first (creates set every field: not counted)."""
    counts = Counter(
        name for _s, name, _o, _n, action in iter_changes(document) if action == "update"
    )
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def counts_of(document: Mapping[str, Any]) -> dict[str, int]:
    """The run's counts: the result's when it wrote, else the plan's."""
    result = document.get("result") or {}
    if isinstance(result.get("counts"), Mapping):
        return {str(k): int(v) for k, v in result["counts"].items()}
    plan = document.get("plan") or {}
    counts = plan.get("counts") if isinstance(plan.get("counts"), Mapping) else plan
    return {str(k): int(v) for k, v in (counts or {}).items() if isinstance(v, int)}


_CATALOG_KEY = re.compile(r"^(terms|attributes|attribute_terms|product|variation)_[a-z]+$")


def catalog_counts(document: Mapping[str, Any]) -> dict[str, int]:
    """Product, variation, term and attribute counts of a catalog run (or plan)."""
    source = document.get("result") or document.get("plan") or {}
    return {
        str(key): int(value)
        for key, value in source.items()
        if _CATALOG_KEY.match(str(key)) and isinstance(value, int) and not isinstance(value, bool)
    }


def limits_hit(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Safety limits that stopped the run: ``stopped_by_limits`` (the message ``bulkio
    import --json`` prints, one "  - limit: why" line per limit), or ``stopped`` (one breach
    or a list of them), ``limit_breaches`` or ``breaches``: dicts with limit, allowed, actual,
    skus, reason/details."""
    found: list[dict[str, Any]] = []
    text = document.get("stopped_by_limits")
    if isinstance(text, str) and text:
        # "stopped by safety limits before any write:\n  - max_price_drop: message …"
        for line in text.splitlines():
            item = line.strip()
            if item.startswith("- "):
                name, _, reason = item[2:].partition(": ")
                found.append({"limit": name, "reason": reason})
        if not found:
            found.append({"limit": "", "reason": text})
    for key in ("stopped", "limit_breaches", "breaches"):
        value = document.get(key)
        if isinstance(value, Mapping):
            inner = value.get("breaches")
            found.extend(inner if isinstance(inner, list) else [dict(value)])
        elif isinstance(value, list):
            found.extend(dict(v) for v in value if isinstance(v, Mapping))
    return found


# -- rendering ---------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f6f7f9;color:#1d2327}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}
.sub{color:#646970;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #dcdcde;border-radius:6px;padding:10px 16px;min-width:110px}
.card .n{font-size:26px;font-weight:600}.card .k{color:#646970;font-size:13px}
.card.bad .n{color:#b32d2e}.card.good .n{color:#00a32a}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dcdcde}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #f0f0f1;vertical-align:top}
th{background:#f0f0f1;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.up{color:#00a32a}.down{color:#b32d2e}code{font-size:13px;overflow-wrap:anywhere}
#timings{width:auto;min-width:320px}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0}
.dry{background:#fcf9e8;border:1px solid #dba617}.stop{background:#fcf0f1;border:1px solid #d63638}
.none{color:#646970}
svg text{font:12px system-ui,sans-serif;fill:#1d2327}
"""


def render_html_report(document: Mapping[str, Any], *, title: str = "bulkio run report") -> str:
    """The whole page for one run's JSON document (see the module docstring)."""
    plan = document.get("plan") or {}
    source = plan.get("source")
    source_path = source.get("path") if isinstance(source, Mapping) else source
    mapping = plan.get("mapping")
    mapping_path = mapping.get("path") if isinstance(mapping, Mapping) else mapping
    dry_run = bool(document.get("dry_run"))
    changes = price_changes(document)
    label = KEY_LABELS.get(str(plan.get("resource") or "product"), "key")  # as the diff says
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No network: nothing may be fetched, even if markup got through.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{esc(title)}</h1>",
        '<p class="sub">'
        + " · ".join(
            x
            for x in (
                f"feed <code>{esc(source_path)}</code>" if source_path else "",
                f"mapping <code>{esc(mapping_path)}</code>" if mapping_path else "",
                f"store <code>{esc(plan.get('store_url'))}</code>" if plan.get("store_url") else "",
                f"planned {esc(plan.get('created_at'))}" if plan.get("created_at") else "",
            )
            if x
        )
        + "</p>",
    ]
    if dry_run:
        parts.append('<div class="banner dry">Dry run: nothing was written to the store.</div>')
    limits = limits_hit(document)
    if limits:
        parts.append(
            '<div class="banner stop">Stopped by a safety limit: nothing was written.</div>'
        )
    parts += _counts_section(counts_of(document))
    catalog = catalog_counts(document)
    if catalog:
        parts += _counts_section(catalog, title="Products, variations, terms", ident="catalog")
    parts += _histogram_section(changes)
    parts += _biggest_section(changes)
    parts += _fields_section(field_counts(document))
    problems, warnings = document.get("problems") or [], document.get("warnings") or []
    parts += _problems_section(problems, warnings, label)
    parts += _limits_section(limits, label)
    parts += _timings_section(document)
    parts.append(
        f'<p class="sub">Made by bulkio on {esc(datetime.now(UTC).strftime("%Y-%m-%d %H:%M"))}'
        " UTC from the run's JSON document.</p>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def write_html_report(document: Mapping[str, Any], path: str | Path, **options: Any) -> Path:
    """Render and write the page atomically (a reader never sees half a file)."""
    target = Path(path)
    write_atomically(target, render_html_report(document, **options))
    return target


_BAD = {"rejected", "failed", "refused"}
_GOOD = {"created", "updated", "create", "update"}


def _counts_section(
    counts: Mapping[str, int], *, title: str = "Counts", ident: str = "counts"
) -> list[str]:
    out = [f'<h2>{esc(title)}</h2><div class="cards" id="{ident}">']
    for key, value in counts.items():
        cls = "bad" if key in _BAD and value else "good" if key in _GOOD and value else ""
        out.append(
            f'<div class="card {cls}"><div class="n" data-count="{esc(key)}">{value}</div>'
            f'<div class="k">{esc(key.replace("_", " "))}</div></div>'
        )
    out.append("</div>")
    return out


def _histogram_section(changes: list[dict[str, Any]]) -> list[str]:
    out = ["<h2>Price changes</h2>"]
    if not changes:
        out.append('<p class="none" id="price-histogram">No existing price changes.</p>')
        return out
    rose = sum(1 for c in changes if c["percent"] > 0)
    out.append(
        f'<p>{len(changes)} price(s) change: <span class="up">{rose} rise</span>, '
        f'<span class="down">{len(changes) - rose} fall</span> (percent of the old price).</p>'
    )
    buckets = bucket_counts(changes)
    width, height, pad, axis = 880, 240, 30, 40
    top = max(count for _label, count in buckets) or 1
    slot = (width - 2 * pad) / len(buckets)
    svg = [
        f'<svg id="price-histogram" role="img" aria-label="Histogram of price changes" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + axis}" '
        f'viewBox="0 0 {width} {height + axis}">',
        f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#8c8f94"/>',
    ]
    for index, (label, count) in enumerate(buckets):
        bar = (height - 30) * count / top
        x = pad + index * slot + 6
        colour = "#d63638" if index < len(buckets) // 2 else "#00a32a"
        svg.append(
            f'<rect class="bar" data-bucket="{esc(label)}" data-count="{count}" x="{x:.1f}" '
            f'y="{height - bar:.1f}" width="{slot - 12:.1f}" height="{bar:.1f}" '
            f'fill="{colour}"><title>{esc(label)}: {count}</title></rect>'
        )
        centre = x + (slot - 12) / 2
        if count:
            svg.append(
                f'<text x="{centre:.1f}" y="{height - bar - 6:.1f}" '
                f'text-anchor="middle">{count}</text>'
            )
        svg.append(
            f'<text x="{centre:.1f}" y="{height + 18}" text-anchor="middle">{esc(label)}</text>'
        )
    svg.append("</svg>")
    out.append("".join(svg))
    return out


def _biggest_section(changes: list[dict[str, Any]]) -> list[str]:
    out = ["<h2>Biggest price changes</h2>"]
    if not changes:
        out.append('<p class="none">None.</p>')
        return out
    ranked = sorted(changes, key=lambda c: (-abs(c["percent"]), c["sku"]))[:BIGGEST]
    out.append(
        '<table id="biggest"><tr><th>SKU</th><th>field</th><th>old</th><th>new</th>'
        "<th>change</th></tr>"
    )
    for change in ranked:
        cls = "up" if change["percent"] > 0 else "down"
        out.append(
            f"<tr><td><code>{esc(change['sku'])}</code></td><td>{esc(change['field'])}</td>"
            f'<td class="num">{esc(change["old"])}</td><td class="num">{esc(change["new"])}</td>'
            f'<td class="num {cls}" data-percent="{change["percent"]:.2f}">'
            f"{change['percent']:+.1f} %</td></tr>"
        )
    out.append("</table>")
    return out


def _fields_section(fields: list[tuple[str, int]]) -> list[str]:
    out = ["<h2>Fields that change most</h2>"]
    if not fields:
        out.append('<p class="none">No updates.</p>')
        return out
    top = fields[0][1]
    out.append('<table id="fields"><tr><th>field</th><th>updates</th><th></th></tr>')
    for name, count in fields:
        bar = 300 * count / top
        out.append(
            f'<tr><td>{esc(name)}</td><td class="num" data-field="{esc(name)}">{count}</td>'
            f'<td><svg width="300" height="12" xmlns="http://www.w3.org/2000/svg">'
            f'<rect width="{bar:.1f}" height="12" fill="#2271b1"/></svg></td></tr>'
        )
    out.append("</table>")
    return out


def _where(row: Mapping[str, Any]) -> str:
    line = row.get("line")
    file = row.get("file") or ""
    if row.get("unit") == "record":
        place = f"record {line}"
        if row.get("source_line"):
            place += f" (line {row['source_line']})"
        return f"{file} {place}".strip()
    return f"{file}:{line}" if file else f"line {line}"


def _problems_section(problems: list[Any], warnings: list[Any], label: str = "SKU") -> list[str]:
    out = ["<h2>Rows not applied</h2>"]
    rows = [p for p in problems if isinstance(p, Mapping)]
    if not rows:
        out.append('<p class="none" id="problems">Every row was applied (or planned).</p>')
    else:
        kinds = Counter(str(p.get("kind")) for p in rows)
        out.append(
            "<p>"
            + ", ".join(f'{esc(k)} <b data-problems="{esc(k)}">{n}</b>' for k, n in kinds.items())
            + "</p>"
        )
        codes = Counter(str(p.get("code")) for p in rows)
        out.append(
            "<p>by reason: "
            + ", ".join(f"<code>{esc(code)}</code> {n}" for code, n in codes.most_common())
            + "</p>"
        )
        out.append(
            '<table id="problems"><tr><th>kind</th><th>where</th>'
            f"<th>{esc(label)}</th><th>column</th><th>value</th><th>reason</th></tr>"
        )
        for row in rows[:PROBLEMS_SHOWN]:
            out.append(
                f'<tr class="problem"><td>{esc(row.get("kind"))}</td>'
                f"<td><code>{esc(_where(row))}</code></td>"
                f"<td><code>{esc(row.get('sku'))}</code></td><td>{esc(row.get('column'))}</td>"
                f"<td><code>{esc(row.get('value'))}</code></td>"
                f"<td><code>{esc(row.get('code'))}</code> {esc(row.get('message'))}</td></tr>"
            )
        out.append("</table>")
        if len(rows) > PROBLEMS_SHOWN:
            out.append(
                f"<p>… and {len(rows) - PROBLEMS_SHOWN} more (all of them are in the run's "
                "JSON and the --report CSV).</p>"
            )
    notes = [w for w in warnings if w]
    if notes:
        out.append('<h2>Warnings</h2><ul id="warnings">')
        for note in notes[:PROBLEMS_SHOWN]:
            if isinstance(note, Mapping):
                text = f"{_where(note)} {label} {note.get('sku') or '?'}: {note.get('message')}"
            else:
                text = str(note)
            out.append(f"<li>{esc(text)}</li>")
        out.append("</ul>")
    return out


def _limits_section(limits: list[dict[str, Any]], label: str = "SKU") -> list[str]:
    out = ["<h2>Safety limits</h2>"]
    if not limits:
        out.append('<p class="none" id="limits">No limit was hit.</p>')
        return out
    out.append(
        '<table id="limits"><tr><th>limit</th><th>allowed</th><th>actual</th><th>why</th>'
        f"<th>{esc(label)}s</th></tr>"
    )
    for breach in limits:
        skus = breach.get("skus") or []
        details = breach.get("details") or []
        why = breach.get("reason") or breach.get("message") or "; ".join(map(str, details))
        out.append(
            f'<tr><td data-limit="{esc(breach.get("limit"))}"><code>{esc(breach.get("limit"))}'
            f"</code></td><td>{esc(breach.get('allowed'))}</td><td>{esc(breach.get('actual'))}"
            f"</td><td>{esc(why)}</td><td><code>{esc(', '.join(map(str, skus[:50])))}</code>"
            + (f" … and {len(skus) - 50} more" if len(skus) > 50 else "")
            + "</td></tr>"
        )
    out.append("</table>")
    return out


def _timings_section(document: Mapping[str, Any]) -> list[str]:
    result = document.get("result") or {}
    stats = document.get("stats") or {}
    rows: list[tuple[str, Any]] = []
    for key in ("seconds", "requests", "reads", "writes", "retries", "batch_limit"):
        value = result.get(key, stats.get(key))
        if value is not None:
            rows.append((key, value))
    timings = document.get("timings")
    if isinstance(timings, Mapping):
        rows += [(f"{k} (s)", v) for k, v in timings.items()]
    out = ["<h2>Timings and cost</h2>"]
    if not rows:
        out.append('<p class="none" id="timings">Nothing was sent to the store.</p>')
        return out
    out.append('<table id="timings">')
    for key, value in rows:
        out.append(
            f'<tr><th>{esc(key)}</th><td class="num" data-timing="{esc(key)}">'
            f"{esc(value)}</td></tr>"
        )
    out.append("</table>")
    return out
