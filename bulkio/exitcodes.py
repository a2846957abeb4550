"""Process exit codes: part of bulkio's interface for cron jobs and schedulers.

They are documented in the README; never renumber one, only add.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Everything asked for was done (or there was nothing to do)."""
    PARTIAL = 1
    """The run completed but some rows were rejected, failed in the store, or were refused."""
    USAGE = 2
    """Bad option, mapping, configuration or input file: nothing was written."""
    SAFETY_LIMIT = 3
    """A safety limit stopped the run before any write."""
    STORE_UNREACHABLE = 4
    """The store could not be reached, or the credentials were refused."""
    LOCKED = 5
    """Another run for the same store and mapping holds the lock."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C / SIGINT; safe to run again."""
