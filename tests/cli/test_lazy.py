"""Commands are imported when they run (bulkio.cli.lazy), and nothing is lost by it.

The command tables in :mod:`bulkio.cli` name each command's module and repeat the first
paragraph of its help, so ``bulkio --help`` and completion need not import the commands. These
tests hold the tables to the command modules (every command they define is reachable, every
summary is the command's own) and check, in fresh processes, what starting a command imports:
the import engine, polars, lxml, xlsxwriter, tqdm and the sandbox stay out of ``bulkio
--version``, ``bulkio export orders --help`` and a CSV export of orders.
"""

from __future__ import annotations

import csv
import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import bulkio.cli
from bulkio.cli import COMMANDS, EXPORT_COMMANDS, export_group, main
from bulkio.cli.lazy import Lazy, LazyGroup
from bulkio.sandbox import Sandbox
from tests.cli.helpers import ROOT, leaf_commands, run

UNUSED_BY_ORDER_EXPORT = (
    "polars",
    "lxml",
    "xlsxwriter",
    "openpyxl",
    "tqdm",
    "bulkio.sandbox",
    "bulkio.engine",
    "bulkio.catalog",
    "bulkio.plan",
    "bulkio.apply",
    "bulkio.sources",
    "bulkio.draft",
    "bulkio.writers.xml",
    "bulkio.writers.xlsx",
    "bulkio.writers.columnar",
)
"""Packages a CSV order export has no use for (a top-level name covers its sub-modules)."""


def command_modules() -> list[str]:
    """Every module of bulkio.cli (the command modules and their helpers)."""
    return sorted(f"bulkio.cli.{info.name}" for info in pkgutil.iter_modules(bulkio.cli.__path__))


def tree() -> dict[str, click.Command]:
    """Every command and group reachable from ``bulkio``, by path, all of them loaded."""
    found: dict[str, click.Command] = {}

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, f"bulkio {' '.join((*path, name))} is listed, not found"
            found[" ".join((*path, name))] = command
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(main, ())
    return found


def imported_modules(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh ``python -m bulkio ARGS`` imports (``-X importtime`` lists each)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bulkio", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "bulkio.cli" in modules, done.stderr[-2000:]  # the listing is really there
    return modules


def unwanted(modules: set[str]) -> list[str]:
    return sorted(
        m
        for m in modules
        for heavy in UNUSED_BY_ORDER_EXPORT
        if m == heavy or m.startswith(heavy + ".")
    )


def test_every_command_a_module_declares_is_in_the_tree() -> None:
    """Each command module lists its commands in COMMANDS; all of them, and any other
    command object a module defines, must be reachable from ``bulkio`` (a command added to a
    module without an entry in bulkio.cli's tables would be silently missing)."""
    reachable = {id(command) for command in tree().values()}
    declared: list[tuple[str, click.Command]] = []
    for name in command_modules():
        module = importlib.import_module(name)
        commands = getattr(module, "COMMANDS", None)
        if isinstance(commands, list):
            declared += [(name, command) for command in commands]
        declared += [
            (name, value)
            for value in vars(module).values()
            if isinstance(value, click.Command) and value.callback is not None
        ]
    assert declared, "no command module found"
    missing = [f"{module}: {cmd.name}" for module, cmd in declared if id(cmd) not in reachable]
    assert not missing, f"commands no table of bulkio.cli names: {missing}"


def test_every_table_entry_points_at_its_command() -> None:
    for group, table in ((main, COMMANDS), (export_group, EXPORT_COMMANDS)):
        assert isinstance(group, LazyGroup) and group.lazy == table
        for name, entry in table.items():
            module, _, attribute = entry.target.partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command) and command.name == name, entry.target


@pytest.mark.parametrize(
    ("group", "name"),
    [(main, name) for name in COMMANDS] + [(export_group, name) for name in EXPORT_COMMANDS],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_summary_is_the_commands_own_first_paragraph(group: LazyGroup, name: str) -> None:
    """The group's list shows the same short help whether the command is loaded or not."""
    entry: Lazy = group.lazy[name]
    command = group.load(name)
    first = " ".join((command.help or "").split("\n\n")[0].split())
    assert entry.summary == first, f"bulkio.cli's summary of {name!r} differs from its help"
    stand_in = click.Command(name, help=entry.summary)
    for limit in (20, 45, 60, 80, 120):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)


def _help_of(args: list[str], *, load_all: bool) -> str:
    """``bulkio ARGS --help`` in a fresh process, with every command loaded first or none."""
    script = (
        "import sys\n"
        "from bulkio.cli import main\n"
        + ("from tests.cli.test_lazy import tree\ntree()\n" if load_all else "")
        + f"main({[*args, '--help']!r}, prog_name='bulkio')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("args", [[], ["export"]], ids=["bulkio", "bulkio export"])
def test_help_lists_every_command_as_when_all_are_loaded(args: list[str]) -> None:
    lazy = _help_of(args, load_all=False)
    assert lazy == _help_of(args, load_all=True)
    listed = lazy.split("Commands:", 1)[1]
    table = COMMANDS if not args else EXPORT_COMMANDS
    names = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert names == sorted([*table, *(["export"] if not args else [])])


@pytest.mark.parametrize("name", [name for name, _ in leaf_commands()])
def test_each_commands_help(name: str) -> None:
    result = CliRunner().invoke(main, [*name.split(), "--help"], prog_name="bulkio")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: bulkio {name} "), result.output[:200]


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["export", "orders", "--help"], ["export", "--help"]]
)
def test_starting_a_command_imports_no_unused_package(args: list[str]) -> None:
    modules = imported_modules(*args)
    assert not unwanted(modules), f"bulkio {' '.join(args)} imports {unwanted(modules)}"
    if args == ["--help"] or args == ["export", "--help"]:  # listing commands loads none
        assert not {m for m in modules if m.startswith("bulkio.cli.")} - {"bulkio.cli.lazy"}, (
            sorted(m for m in modules if m.startswith("bulkio.cli."))
        )


def test_a_csv_order_export_imports_no_unused_package(tmp_path: Path) -> None:
    with Sandbox(seed_orders=30, seed_products=3, seed=7) as store:
        key, secret = store.keys["read_write"]
        target = tmp_path / "orders.csv"
        modules = imported_modules(
            "export", "orders", "-m", str(ROOT / "mappings" / "export-accounting.toml"),
            "-o", str(target), "--json",
            env={"BULKIO_URL": store.url, "BULKIO_KEY": key, "BULKIO_SECRET": secret},
        )  # fmt: skip
    with target.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle, delimiter=";"))) == 30
    assert "bulkio.writers.csv" in modules and "httpx" in modules
    assert not unwanted(modules), f"a CSV order export imports {unwanted(modules)}"


def test_other_formats_still_load_their_writer(sandbox: Sandbox, tmp_path: Path) -> None:
    """The writers imported on use really write: an XLSX and a Parquet export of orders."""
    key, secret = sandbox.keys["read_write"]
    mapping = str(ROOT / "mappings" / "export-accounting.toml")
    for name in ("orders.xlsx", "orders.parquet"):
        result = run("export", "orders", "-m", mapping, "-o", str(tmp_path / name), "-q",
                     "--url", sandbox.url, "--key", key, "--secret", secret)  # fmt: skip
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 0


def test_completion_reaches_lazy_commands_and_their_options() -> None:
    bulkio = Path(sys.executable).with_name("bulkio")

    def complete(words: str) -> set[str]:
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        env = {
            **os.environ,
            "_BULKIO_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
        }
        done = subprocess.run(
            [str(bulkio)], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        return {line.split(",", 1)[-1] for line in done.stdout.splitlines()}

    assert {"orders", "products", "customers", "coupons"} <= complete("bulkio export ")
    assert "--overwrite" in complete("bulkio export orders --ov")
    assert {"import", "init"} <= complete("bulkio i")
