"""Loading the workspace configuration: every mistake is one clear ConfigError, the token never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.workspace.config import LOGICAL_DATABASES, ConfigError, clamp_workers, load_config, parse_workers

TOKEN = "secret_abc123"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "paydesk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def sources_table(skip: str | None = None) -> str:
    lines = [f'{name} = "ds-{name}"' for name in LOGICAL_DATABASES if name != skip]
    return "[data_sources]\n" + "\n".join(lines) + "\n"


def test_a_complete_file_loads_with_defaults_and_the_token_from_the_environment(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, sources_table()), {"NOTION_TOKEN": TOKEN})
    assert config.notion.base_url == "https://api.notion.com"
    assert config.notion.rate == 3.0 and config.notion.burst == 3
    assert config.workers == 5
    assert config.data_sources["payables"] == "ds-payables"
    assert config.token == TOKEN
    assert TOKEN not in repr(config)


def test_property_renames_apply_per_database(tmp_path: Path) -> None:
    text = sources_table() + '[properties.payables]\n"Payment Status" = "Status"\n'
    config = load_config(write(tmp_path, text), {"NOTION_TOKEN": TOKEN})
    assert config.prop("payables", "Payment Status") == "Status"
    assert config.prop("payouts", "Status") == "Status"


def test_the_token_can_come_from_a_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    config = load_config(write(tmp_path, sources_table()), {"NOTION_TOKEN_FILE": str(token_file)})
    assert config.token == TOKEN


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        (sources_table(skip="rates"), {"NOTION_TOKEN": TOKEN}, "missing rates"),
        (sources_table() + 'bogus = "x"\n', {"NOTION_TOKEN": TOKEN}, "unknown name(s) bogus"),
        ("[notion]\nrate = 0\n" + sources_table(), {"NOTION_TOKEN": TOKEN}, "rate must be a number"),
        ('[notion]\nbase_url = "ftp://x"\n' + sources_table(), {"NOTION_TOKEN": TOKEN}, "base_url"),
        ('[engine]\nworkers = "abc"\n' + sources_table(), {"NOTION_TOKEN": TOKEN}, "workers"),
        (sources_table(), {}, "no Notion token"),
        (sources_table(), {"NOTION_TOKEN": TOKEN, "PAYDESK_WORKERS": "abc"}, "not 'abc'"),
        ("[data_sources\n", {"NOTION_TOKEN": TOKEN}, "not valid TOML"),
        ("[properties.nope]\na = 'b'\n" + sources_table(), {"NOTION_TOKEN": TOKEN}, "unknown database"),
    ],
)
def test_a_bad_configuration_is_one_clear_error(
    tmp_path: Path, text: str, env: dict[str, str], expected: str
) -> None:
    with pytest.raises(ConfigError, match=None) as caught:
        load_config(write(tmp_path, text), env)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_a_missing_file_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="paydesk demo"):
        load_config(tmp_path / "absent.toml", {"NOTION_TOKEN": TOKEN})


@pytest.mark.parametrize(("given", "used"), [(0, 1), (-5, 1), (25, 20), (1, 1), (20, 20), (7, 7)])
def test_workers_outside_one_to_twenty_are_clamped_with_a_warning(given: int, used: int) -> None:
    value, warning = clamp_workers(given)
    assert value == used
    assert (warning is None) == (given == used)


def test_workers_from_the_environment_are_clamped_and_warned(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, sources_table()), {"NOTION_TOKEN": TOKEN, "PAYDESK_WORKERS": "25"})
    assert config.workers == 20
    assert config.warnings == ("workers 25 is outside 1-20; using 20",)


def test_parse_workers_rejects_words() -> None:
    with pytest.raises(ConfigError, match="--workers"):
        parse_workers("five", "--workers")
