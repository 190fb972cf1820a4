"""The README's Settings table against `methanemap.config.Settings`, and where settings
come from: the environment, a `.env` file, the environment winning."""

import os
import re
import sys
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from commands import run_ok
from methanemap import logs
from methanemap.config import Settings

README = Path(__file__).parents[1] / "README.md"
PREFIX = "METHANEMAP_"
#: Read by `methanemap.logs` itself, before any settings: documented beside them.
LOG_FORMAT = "METHANEMAP_LOG_FORMAT"


def documented() -> dict[str, str]:
    """Each variable of the README's Settings table and its default cell's text."""
    text = README.read_text()
    section = re.search(r"^## Settings\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert section, "README.md has no '## Settings' section"
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.group(1).splitlines()
        if line.startswith("| `")
    ]
    table: dict[str, str] = {}
    for names_cell, default_cell, *_ in rows:
        names = re.findall(r"`(\w+)`", names_cell)
        defaults = _defaults(default_cell, len(names))
        assert len(defaults) == len(names), (names_cell, default_cell)
        table.update(zip(names, defaults, strict=True))
    return table


def _defaults(cell: str, count: int) -> list[str]:
    """The default of each of `count` names: ``unset...`` or a backquoted literal each
    (one row may document two settings, ``| `A`, `B` | `1`, `2` |``)."""
    if cell.startswith("unset"):
        return [cell] * count
    return re.findall(r"`([^`]*)`", cell)[:count] if count > 1 else [_literal(cell)]


def _literal(cell: str) -> str:
    match = re.fullmatch(r"`([^`]*)`", cell)
    assert match, f"default {cell!r} is neither `a literal` nor 'unset...'"
    return match.group(1)


def test_every_setting_is_documented_with_its_real_default():
    table = documented()
    for name, field in Settings.model_fields.items():
        variable = PREFIX + name.upper()
        assert variable in table, f"{variable} is missing from README's Settings"
        default = field.get_default(call_default_factory=True)
        cell = table[variable]
        if default is None:
            assert cell.startswith("unset"), f"{variable}: {cell!r} should say unset"
            continue
        parsed = TypeAdapter(field.annotation).validate_python(cell)
        if isinstance(parsed, Path):
            parsed = parsed.expanduser()
        assert parsed == default, f"{variable}: README says {cell!r}, code {default!r}"


def test_log_format_is_documented_and_no_row_names_a_setting_that_is_gone():
    table = documented()
    assert table[LOG_FORMAT] == logs.DEFAULT_FORMAT
    known = {PREFIX + name.upper() for name in Settings.model_fields} | {LOG_FORMAT}
    assert set(table) <= known, f"README documents unknown {set(table) - known}"


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory of its own, no setting in the environment but the mirror."""
    for name in Settings.model_fields:
        if name != "data_mirror":
            monkeypatch.delenv(PREFIX + name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_dotenv_file_is_read_and_the_environment_wins(clean_environment, monkeypatch):
    (clean_environment / ".env").write_text(
        "METHANEMAP_MAX_ZOOM=9\nMETHANEMAP_PORT=9001\nMETHANEMAP_STORE=from-file\n"
    )
    monkeypatch.setenv("METHANEMAP_PORT", "9002")
    settings = Settings()
    assert settings.max_zoom == 9  # from the file alone
    assert settings.port == 9002  # the environment over the file
    assert settings.store == "from-file"
    assert Settings(store="given").store == "given"  # an argument over both
    assert Settings.model_fields["max_zoom"].default != 9  # the file changed something


def test_the_command_line_honours_a_dotenv_file(clean_environment, real_store):
    (clean_environment / ".env").write_text(f"METHANEMAP_STORE={real_store}\n")
    env = {**os.environ}
    env.pop("METHANEMAP_STORE", None)
    done = run_ok(
        [sys.executable, "-m", "methanemap", "versions", "--limit", "1"],
        cwd=clean_environment,
        env=env,
        inherit=False,
    )
    from methanemap.store import list_versions

    newest = list_versions(str(real_store))[0]
    assert done.stdout.split()[0] == newest.id
