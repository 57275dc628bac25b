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



MUTMUT_RESULTS = """\
    cli.x_one_line__mutmut_1: killed
    cli.x_one_line__mutmut_2: survived
    cli.xǁAǁb__mutmut_1: timeout
    checkpoints.x_save__mutmut_7: segfault
    checkpoints.x_save__mutmut_8: no tests
    checkpoints.xǁRunCheckpointsǁsave__mutmut_1: suspicious
"""


def test_the_mutation_scores_count_each_modules_verdicts():
    scores = tasks.mutation_scores(MUTMUT_RESULTS + "Running mutation testing\n")
    assert scores == {"cli": {"killed": 1, "survived": 1, "timeout": 1},
                      "checkpoints": {"segfault": 1, "no tests": 1, "suspicious": 1}}
    assert tasks.format_scores(scores).splitlines() == [
        "module       mutants  caught  survived  no tests  other  score",
        "checkpoints        3       1         0         1      1  33.3%",
        "cli                3       2         1         0      0  66.7%",
        "all                6       3         1         1      1  50.0%"]


def test_mutate_is_refused_where_there_is_no_fork(monkeypatch, capsys):
    monkeypatch.delattr(tasks.os, "fork")
    monkeypatch.setattr(tasks, "installed", lambda *args: pytest.fail("installed"))
    assert tasks.main(["mutate"]) == 2
    assert capsys.readouterr().err.endswith(
        "mutate: mutmut needs fork(), which Windows has not: run it in WSL\n")


@pytest.mark.parametrize("names, left", [((), set()), (("cli.x_fail*",), {"cli.py"})])
def test_mutate_starts_afresh_or_keeps_the_mutants_but_takes_the_tests_anew(
        monkeypatch, tmp_path, names, left):
    mutated = tmp_path / "mutants"
    (mutated / "tests").mkdir(parents=True)
    (mutated / "tests" / "test_old.py").write_text("")
    (mutated / "cli.py").write_text("")
    monkeypatch.setattr(tasks, "MUTATED", mutated)
    monkeypatch.setattr(tasks, "installed", lambda *args: "python")
    calls = []
    monkeypatch.setattr(tasks, "show_and_call", lambda *args, **kwargs: calls.append(args) or 1)
    assert tasks.main(["mutate", *names]) == 1  # mutmut's status, passed on
    assert calls == [("python", "-m", "mutmut", "run", *names)]
    left_there = {path.name for path in mutated.iterdir()} if mutated.exists() else set()
    assert left_there == left


def test_pyproject_mutates_the_modules_of_the_mutation_run_and_copies_every_script():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later

    section = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    scripts = {path.name for path in ROOT.glob("*.py")} - {"tasks.py"}
    assert set(section["source_paths"]) == scripts | {"rnn_mnist/"}
    assert set(section["only_mutate"]) == {
        "compare_with_article.py", "rnn_mnist/log_lines.py", "rnn_mnist/cli.py",
        "rnn_mnist/timing.py", "rnn_mnist/digit_photo.py", "input_data.py",
        "rnn_mnist/checkpoints.py", "rnn_mnist/stop_signals.py"}
    assert all((ROOT / path).exists() for path in section["pytest_add_cli_args_test_selection"])
