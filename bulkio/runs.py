"""Where runs keep their files: one directory per store and mapping, one sub-directory per run.

An unattended import leaves a trail a person can read the next morning::

    <runs dir>/<store-host>/<feed id>/
        feed.json              which mapping file this feed is (see claim_feed)
        lock                   the run lock (see bulkio.runlock); never deleted
        state.json             the last successful run (feed rows, time), for the min-rows limit
        20261125T020000Z/      one run
            log.jsonl          the JSON-lines run log (bulkio.runlog)
            report.csv         rejected / failed rows
            plan.json          the plan that was applied

The runs dir is, first to last: ``--runs-dir``, ``$BULKIO_HOME/runs``, ``./.bulkio/runs``.
Old run directories are pruned (the newest ``keep`` are kept) so a nightly job does not fill
the disk.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bulkio.atomicfile import write_atomically
from bulkio.errors import UsageError

DEFAULT_KEEP_RUNS = 30
"""How many run directories are kept per store and mapping before the oldest are pruned."""

STATE_VERSION = 1
_RUN_DIR_PATTERN = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def runs_home(runs_dir: str | os.PathLike[str] | None = None) -> Path:
    """The root of all run directories: ``--runs-dir``, else ``$BULKIO_HOME/runs``, else
    ``./.bulkio/runs`` (relative to the working directory, like ``.git``)."""
    if runs_dir is not None and str(runs_dir) != "":
        return Path(runs_dir).expanduser()
    home = os.environ.get("BULKIO_HOME", "").strip()
    if home:
        return Path(home).expanduser() / "runs"
    return Path.cwd() / ".bulkio" / "runs"


def store_slug(url: str) -> str:
    """A directory name for a store URL: host, port and path, without scheme or credentials.

    ``https://shop.example.com/`` → ``shop.example.com``;
    ``http://127.0.0.1:8080/wp`` → ``127.0.0.1_8080_wp``. Never contains query strings (which
    might carry keys) or user info.
    """
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "store").lower()
    slug = host
    if parts.port is not None:
        slug += f"_{parts.port}"
    path = parts.path.strip("/")
    if path:
        slug += "_" + path
    return _safe_name(slug)


def mapping_slug(mapping_path: str | os.PathLike[str]) -> str:
    """A directory name for a mapping file's feed: :func:`feed_id`."""
    return _safe_name(feed_id(mapping_path)) or "mapping"


def feed_id(mapping_path: str | os.PathLike[str]) -> str:
    """A feed's identity: ``[target] feed`` in its mapping, else the mapping file's stem.

    The run lock, the state of the last run (``min_rows_share``) and the meta marker of the
    products a feed manages are all keyed by it, so two feeds must never share one:
    :func:`claim_feed` refuses a second mapping file with the same id. Read from the file
    itself so that every command (import, apply, catalog) agrees without passing it around.
    """
    from bulkio.mapping.files import peek_mapping_toml  # the one mapping TOML loader (BOM…)

    path = Path(mapping_path)
    raw = peek_mapping_toml(path) or {}
    target = raw.get("target") if isinstance(raw, dict) else None
    explicit = target.get("feed") if isinstance(target, dict) else None
    if isinstance(explicit, str) and explicit.strip():
        return explicit.strip()
    return path.stem or "mapping"


def claim_feed(
    series: Path, mapping_path: str | os.PathLike[str], *, marker: str | None = None
) -> None:
    """Record that ``series`` (a store + feed id directory) belongs to ``mapping_path``, or raise
    :class:`UsageError` when another mapping file that still exists holds it.

    ``a/supplier.toml`` and ``b/supplier.toml`` would otherwise be one feed: one lock, one
    "last run" to compare row counts with, one marker — and feed B's missing-product policy
    would unpublish feed A's products. A mapping file that moved (the old path is gone) takes
    its feed along.

    ``marker`` (e.g. ``_bulkio_feed=supplier``, the meta entry the feed's missing-product
    policy goes by) may not be another live feed's: a mapping that names another feed's marker
    would adopt — and could unpublish or delete — the products that feed manages.
    """
    claim = series / "feed.json"
    mine = str(Path(mapping_path).resolve())
    if marker is not None:
        for other in sorted(series.parent.glob("*/feed.json")):
            record = _read_claim(other)
            theirs = record.get("mapping")
            if (
                other.parent != series
                and isinstance(theirs, str)
                and theirs != mine
                and record.get("marker") == marker
                and Path(theirs).exists()
            ):
                raise UsageError(
                    f"{mine} marks its products with {marker}, which is the marker of feed "
                    f"{other.parent.name!r} ({theirs}): this feed would adopt that feed's "
                    "products and its missing-product policy could unpublish or delete them",
                    hint="remove the explicit value from [target] manages (each feed then uses "
                    "its own id), or give the two feeds different values",
                )
    recorded = _read_claim(claim)
    held = recorded.get("mapping")
    if isinstance(held, str) and held != mine and Path(held).exists():
        name = series.name
        raise UsageError(
            f"feed {name!r} of this store already belongs to {held}; {mine} would share its "
            "run lock, its last-run state and the marker of the products it manages",
            hint=f'give one of the two mappings its own id: feed = "{name}-2" under [target] '
            "(products the other feed created keep its marker and stay its own)",
        )
    wanted = {"mapping": mine, "marker": marker}
    if recorded != wanted:
        series.mkdir(parents=True, exist_ok=True)
        claim.write_text(json.dumps(wanted) + "\n", encoding="utf-8")


def _read_claim(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "_"


@dataclass(frozen=True)
class RunPaths:
    """The files of one run and of the store+mapping directory it belongs to."""

    series_dir: Path
    """``<runs dir>/<store>/<mapping>``: shared by every run of this store and mapping."""
    run_dir: Path
    """This run's own directory (created by :func:`start_run`)."""
    run_id: str

    @property
    def lock_file(self) -> Path:
        return self.series_dir / "lock"

    @property
    def state_file(self) -> Path:
        return self.series_dir / "state.json"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "log.jsonl"

    @property
    def report_file(self) -> Path:
        return self.run_dir / "report.csv"

    @property
    def html_report_file(self) -> Path:
        return self.run_dir / "report.html"

    @property
    def plan_file(self) -> Path:
        return self.run_dir / "plan.json"


def series_dir(
    store_url: str,
    mapping_path: str | os.PathLike[str],
    runs_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """``<runs dir>/<store>/<mapping>`` (not created)."""
    return runs_home(runs_dir) / store_slug(store_url) / mapping_slug(mapping_path)


def start_run(
    store_url: str,
    mapping_path: str | os.PathLike[str],
    runs_dir: str | os.PathLike[str] | None = None,
    *,
    now: datetime | None = None,
    marker: str | None = None,
) -> RunPaths:
    """Create a fresh run directory named by the UTC start time and return its paths.

    Two runs started within the same second get ``-1``, ``-2``… suffixes rather than sharing a
    directory.
    """
    series = series_dir(store_url, mapping_path, runs_dir)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    candidate = series / stamp
    suffix = 0
    try:
        series.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                candidate.mkdir()
                break
            except FileExistsError:
                suffix += 1
                candidate = series / f"{stamp}-{suffix}"
    except OSError as error:
        # cron often starts jobs in / or another directory the job's user cannot write
        raise UsageError(
            f"cannot create the run directory {candidate}: {error.strerror or error}",
            hint="run from a writable directory, or set BULKIO_HOME or --runs-dir to one "
            "(runs keep their lock, log, report and state there)",
        ) from None
    try:
        claim_feed(series, mapping_path, marker=marker)
    except UsageError:
        shutil.rmtree(candidate, ignore_errors=True)
        raise
    return RunPaths(series_dir=series, run_dir=candidate, run_id=candidate.name)


def list_runs(series: Path) -> list[Path]:
    """The run directories of a series, oldest first."""
    if not series.is_dir():
        return []
    runs = [p for p in series.iterdir() if p.is_dir() and _RUN_DIR_PATTERN.match(p.name)]
    return sorted(runs, key=_run_sort_key)


def _run_sort_key(path: Path) -> tuple[str, int]:
    stamp, _, suffix = path.name.partition("-")
    return stamp, int(suffix or 0)


def prune_runs(series: Path, keep: int = DEFAULT_KEEP_RUNS, *, protect: Path | None = None) -> int:
    """Delete all but the newest ``keep`` run directories; return how many were deleted.

    ``protect`` (the current run) is never deleted. Call it while holding the run lock.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    runs = [p for p in list_runs(series) if protect is None or p != protect]
    excess = len(runs) - (keep - (1 if protect is not None else 0))
    deleted = 0
    for path in runs[: max(0, excess)]:
        shutil.rmtree(path, ignore_errors=True)
        deleted += 1
    return deleted


@dataclass(frozen=True)
class RunState:
    """What the last successful run left behind for the next one to compare with."""

    feed_rows: int
    finished_at: str
    run_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "last_success": {
                "feed_rows": self.feed_rows,
                "finished_at": self.finished_at,
                "run_id": self.run_id,
            },
        }


def load_state(state_file: Path) -> RunState | None:
    """The last successful run's state, or None when there is none (first run, or the file
    is unreadable: a damaged state file must not block a run, it only disables min-rows)."""
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
        last = data["last_success"]
        rows = int(last["feed_rows"])
        if rows < 0:
            return None
        return RunState(
            feed_rows=rows,
            finished_at=str(last.get("finished_at", "")),
            run_id=str(last.get("run_id", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_state(state_file: Path, state: RunState) -> None:
    """Write the state atomically (bulkio.atomicfile): a crash never leaves half a file.
    Private (mode 0600), like the run directory's other bookkeeping."""
    state_file.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(state_file, json.dumps(state.to_json(), indent=2) + "\n", private=True)


def now_iso() -> str:
    """UTC time as ISO 8601 with milliseconds and a ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
