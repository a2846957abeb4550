"""The run lock, with real processes: one holds it, another fails fast; a killed holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bulkio.errors import LockedError
from bulkio.exitcodes import ExitCode
from bulkio.runlock import LockHolder, RunLock

HOLDER = textwrap.dedent(
    """
    import sys, time
    from bulkio.runlock import RunLock
    lock = RunLock(sys.argv[1], run_id="holder-run")
    lock.acquire()
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    lock.release()
    """
)

CONTENDER = textwrap.dedent(
    """
    import sys
    from bulkio.errors import LockedError
    from bulkio.runlock import RunLock
    try:
        with RunLock(sys.argv[1], wait=float(sys.argv[2])):
            print("acquired", flush=True)
    except LockedError as error:
        print(error, file=sys.stderr)
        sys.exit(int(error.exit_code))
    """
)


def _start_holder(lock_file: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_file), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _contend(lock_file: Path, wait: float = 0.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CONTENDER, str(lock_file), str(wait)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_second_process_fails_fast_naming_the_holder(tmp_path: Path) -> None:
    lock_file = tmp_path / "runs" / "lock"
    holder = _start_holder(lock_file, 30)
    try:
        started = time.monotonic()
        result = _contend(lock_file)
        elapsed = time.monotonic() - started
        assert result.returncode == ExitCode.LOCKED == 5
        assert result.stdout == ""
        assert f"bulkio process {holder.pid}" in result.stderr
        assert "started 20" in result.stderr  # the holder's start time
        assert str(lock_file) in result.stderr
        assert "never delete the lock file" in result.stderr
        assert elapsed < 10  # it did not wait for the holder (which sleeps 30 s)
    finally:
        holder.kill()
        holder.wait()


def test_sigkilled_holder_frees_the_lock(tmp_path: Path) -> None:
    lock_file = tmp_path / "lock"
    holder = _start_holder(lock_file, 60)
    assert _contend(lock_file).returncode == 5
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    result = _contend(lock_file)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "acquired"


def test_waiting_contender_gets_the_lock_when_the_holder_finishes(tmp_path: Path) -> None:
    lock_file = tmp_path / "lock"
    holder = _start_holder(lock_file, 0.5)
    try:
        result = _contend(lock_file, wait=20)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "acquired"
    finally:
        holder.wait(timeout=30)


def test_in_process_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    lock_file = tmp_path / "lock"
    first = RunLock(lock_file, run_id="r1")
    with first:
        holder = first.read_holder()
        assert holder.pid == os.getpid()
        assert holder.run_id == "r1"
        # flock locks belong to the open file description: a second open in the same
        # process conflicts too, exactly as a second process would.
        with pytest.raises(LockedError) as info:
            RunLock(lock_file).acquire()
        assert info.value.exit_code == ExitCode.LOCKED
    assert not first.held
    assert lock_file.exists()  # never deleted
    assert lock_file.read_text() == ""  # a finished run is not shown as the holder
    with RunLock(lock_file):
        pass


def test_lock_file_never_holds_the_command_line_arguments(tmp_path: Path) -> None:
    lock_file = tmp_path / "lock"
    saved = sys.argv
    sys.argv = ["bulkio", "import", "--secret", "cs_" + "a" * 40]
    try:
        with RunLock(lock_file):
            text = lock_file.read_text()
    finally:
        sys.argv = saved
    assert "cs_" not in text
    assert '"command": "bulkio"' in text


def test_holder_text_tolerates_garbage() -> None:
    holder = LockHolder.from_text("not json")
    assert holder.pid is None
    assert "still starting" in holder.describe()
    assert LockHolder.from_text('{"pid": 42, "host": "h", "started_at": "t"}').describe() == (
        "bulkio process 42 on h, started t"
    )
