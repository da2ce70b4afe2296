"""Every setting is declared once (settings.py), read from the environment only there, listed by
`polegraph settings` and in the README, and a bad value is refused with its variable's name."""

from __future__ import annotations

import os
import subprocess

from polegraph.settings import Settings
from tests.support import PROJECT, polegraph_command


def settings_command(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLEGRAPH_")}
    return subprocess.run(polegraph_command() + ["--project", str(PROJECT), "settings"], capture_output=True,
                          text=True, timeout=60, env={**clean, **env})


def test_the_command_lists_every_setting_with_its_value_and_hides_secrets():
    result = settings_command({"POLEGRAPH_QUERY_TIMEOUT": "7", "POLEGRAPH_STORE_TOKEN": "s3cret"})
    assert result.returncode == 0, result.stderr
    for name, _default, help_text in Settings.described():
        assert name in result.stdout and help_text in result.stdout, name
    assert "POLEGRAPH_QUERY_TIMEOUT=7.0" in result.stdout
    assert "s3cret" not in result.stdout and "POLEGRAPH_STORE_TOKEN=***" in result.stdout


def test_a_bad_value_is_refused_with_the_name_of_its_variable():
    result = settings_command({"POLEGRAPH_PORT": "eighty"})
    assert result.returncode == 2
    assert "POLEGRAPH_PORT='eighty' is not a valid int" in result.stderr


def test_the_readme_lists_every_setting():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _, _ in Settings.described() if f"`{name}`" not in readme]
    assert not missing, f"settings missing from the README's table: {missing}"


def test_the_environment_is_read_in_settings_py_only():
    source = PROJECT / "src" / "polegraph"
    readers = [str(path.relative_to(source)) for path in source.rglob("*.py")
               if path.name != "settings.py" and ("os.environ" in (text := path.read_text()) or "getenv" in text)]
    assert not readers, f"modules reading the environment themselves: {readers}"


def test_defaults_need_no_environment():
    assert Settings().query_timeout_s == 30.0
    assert Settings.from_environment({"POLEGRAPH_RESULT_CACHE": "no"}).result_cache is False
    assert Settings.from_environment({"POLEGRAPH_PORT": ""}).port == 5000  # empty means unset
