"""tasks.py, what `make` runs on every system: its settings are arguments, never shell text."""

import subprocess
import sys

import pytest

import tasks
from conftest import ROOT, make


def test_args_are_passed_as_arguments_not_run_as_shell_text():
    result = subprocess.run(make("run", "ARGS=--training-iters 256 --bogus; echo pwned"),
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert "pwned" not in result.stdout
    assert "unrecognized arguments: --bogus; echo pwned" in result.stderr


@pytest.mark.parametrize("words, complaint", [
    (["run", 'ARGS="--seed 3'], "ARGS cannot be read as arguments (No closing quotation): \"--seed 3"),
    (["test-platforms", "WHOLE=2"], "WHOLE must be 1 or empty, not '2'"),
])
def test_a_bad_setting_is_one_line(words, complaint):
    result = subprocess.run([sys.executable, str(ROOT / "tasks.py"), *words], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith(complaint)
    assert "Traceback" not in result.stderr


def test_an_unknown_command_shows_the_commands():
    result = subprocess.run([sys.executable, str(ROOT / "tasks.py"), "bogus"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert all(name in result.stderr for name in tasks.COMMANDS)

