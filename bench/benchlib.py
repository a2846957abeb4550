"""Shared helpers of the benchmarks: machine facts, RESULTS.md sections, fresh-process workers,
and a sandbox served from its own process.

Why a separate process for the sandbox: the emulated store's own Python work (HTTP parsing,
SQLite, JSON) must not share the client's GIL, or the client's concurrency would be measured
against a store that slows down exactly when it is busy. Why fresh processes for memory: a
process's peak RSS (``ru_maxrss``) only ever grows, so each memory figure needs its own process.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import platform
import re
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
TITLE = "# Benchmark results"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """The facts a reader needs to compare figures with their own machine."""
    import httpx
    import lxml.etree
    import polars

    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu_model(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "polars": polars.__version__,
        "lxml": ".".join(str(part) for part in lxml.etree.LXML_VERSION[:3]),
        "httpx": httpx.__version__,
        "os": f"{platform.system()} {platform.release()}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": " ".join(f"{value:.1f}" for value in os.getloadavg()),
    }


def machine_line(facts: dict[str, str]) -> str:
    return (
        f"{facts['cores']} cores ({facts['cpu']}), {facts['python']}, polars {facts['polars']}, "
        f"lxml {facts['lxml']}, measured {facts['date']} (load average {facts['load']})"
    )


def update_section(heading: str, body: str, *, first: bool = False) -> None:
    """Replace the ``## heading`` section of RESULTS.md (or add it), keeping all others.

    ``first`` puts a new section right under the title (the summary); other sections go last.
    """
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else TITLE + "\n"
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    elif first:
        head, sep, rest = text.partition("\n## ")
        intro = head.rstrip("\n") + "\n\n" + section
        text = intro + ("\n## " + rest if sep else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def section_text(heading: str) -> str:
    """The current body of a RESULTS.md section ('' if absent), e.g. another engineer's."""
    if not RESULTS.exists():
        return ""
    text = RESULTS.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return match.group(1) if match else ""


def run_worker(script: Path, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run ``python script --worker args`` in a fresh process; its last stdout line is JSON."""
    completed = subprocess.run(
        [sys.executable, str(script), "--worker", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"worker {script.name} {' '.join(args)} failed ({completed.returncode}):\n"
            f"{completed.stderr[-3000:]}"
        )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB: ``VmHWM`` from ``/proc/self/status``.

    Not ``getrusage(...).ru_maxrss``: on Linux a child started by fork + exec keeps the
    high-water mark of the forked copy of its parent, so a small worker forked from a big
    driver would report the driver's size. ``VmHWM`` belongs to the process image, which exec
    replaces. Falls back to ``ru_maxrss`` where there is no /proc.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _serve(conn: Connection, options: dict[str, Any], faults: dict[str, Any]) -> None:
    """Child process: one sandbox with the given options and load model until told to stop."""
    from bulkio.sandbox import FaultPlan, Sandbox

    sandbox = Sandbox(**options, faults=FaultPlan(**faults))
    sandbox.start()
    conn.send({"url": sandbox.url, "keys": dict(sandbox.keys), "ca": sandbox.ca_cert_path})
    while True:
        message = conn.recv()
        if message == "stop":
            break
        if message == "stats":
            log = sandbox.request_log
            conn.send(
                {
                    "requests": len(log),
                    "writes": sandbox.writes(),
                    "reads": sandbox.reads(),
                    "peak_concurrency": sandbox.peak_concurrency,
                    "products": sandbox.count("product"),
                }
            )
    sandbox.stop()


class SandboxProcess:
    """A sandbox served from a spawned process: ``with SandboxProcess(...) as store: store.url``."""

    def __init__(self, faults: dict[str, Any] | None = None, **options: Any) -> None:
        self.options = options
        self.faults = faults or {}
        self.url = ""
        self.keys: dict[str, tuple[str, str]] = {}
        self.ca_cert_path: str | None = None

    def __enter__(self) -> SandboxProcess:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, self.options, self.faults), daemon=True
        )
        self._process.start()
        if not self._conn.poll(300):
            self._process.kill()
            raise RuntimeError("the sandbox process did not start within 300 s")
        info = self._conn.recv()
        self.url = info["url"]
        self.keys = {name: (pair[0], pair[1]) for name, pair in info["keys"].items()}
        self.ca_cert_path = info["ca"]
        return self

    def stats(self) -> dict[str, Any]:
        self._conn.send("stats")
        return dict(self._conn.recv())

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self._conn.send("stop")
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def fmt_ratio(value: float) -> str:
    return f"{value:.1f}×" if value < 100 else f"{value:.0f}×"
