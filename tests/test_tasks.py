"""tasks.py, what `make` runs on every system: its settings are arguments, never shell text."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tasks
from conftest import COLLECTED, ROOT, SLOW_TIMEOUT, make


def test_args_are_passed_as_arguments_not_run_as_shell_text():
    result = subprocess.run(make("run", "ARGS=--training-iters 256 --bogus; echo pwned"),
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert "pwned" not in result.stdout
    assert "unrecognized arguments: --bogus; echo pwned" in result.stderr


def test_a_dollar_in_args_reaches_the_script_as_typed():
    """Issue 33: make expanded `$` in ARGS (--save-dir w/price$save saved into w/priceave)."""
    result = subprocess.run(make("run", "ARGS=--training-iters 256 --bogus w/price$save $(HOME)"),
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert "unrecognized arguments: --bogus w/price$save $(HOME)" in result.stderr


@pytest.mark.parametrize("line, words", [
    (r"--save-dir w\runs\win1", ["--save-dir", r"w\runs\win1"]),
    (r'--data "C:\my data\mnist.npz" --seed 3', ["--data", r"C:\my data\mnist.npz", "--seed", "3"]),
    (r'--save-dir "C:\runs\\" --seed 3', ["--save-dir", "C:\\runs\\", "--seed", "3"]),
    (r'a\\\"b \"c\" "d""e"', ['a\\"b', '"c"', 'd"e']),
    ('  --seed\t3  "" ', ["--seed", "3", ""]),
    ('"unclosed C:\\x', ["unclosed C:\\x"]),
    (r"--data aX C:\data\\", ["--data", "aX", r"C:\data\\"]),
], ids=["backslashes", "quoted spaces", "trailing backslashes before a quote", "escaped quotes",
        "whitespace and an empty word", "unclosed quote", "backslashes at the end"])
def test_args_on_windows_are_split_by_windows_rules(line, words):
    """Issue 33: `py tasks.py run ARGS="--save-dir w\\runs\\win1"` saved into wrunswin1: ARGS was
    split by a POSIX shell's rules, where `\\` escapes."""
    assert tasks.windows_words(line) == words


def test_args_are_split_by_this_systems_rules():
    assert tasks.split_arguments is (tasks.windows_words if tasks.os.name == "nt" else
                                     tasks.shlex.split)


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



class CtrlCWhileWaiting:
    """A program that the user's Ctrl-C reaches while tasks.py waits for it: it ends, as the
    venv module, pip or uv does, with a status of its own."""

    def __init__(self, status):
        self.status, self.waited = status, 0

    def __call__(self, command, **options):
        return self

    def wait(self):
        self.waited += 1
        if self.waited == 1:
            raise KeyboardInterrupt
        return self.status


@pytest.mark.parametrize("status", [0, 1, -2], ids=["ended well", "failed", "killed"])
def test_ctrl_c_while_the_venv_is_made_stops_the_set_up_and_removes_the_half_venv(
        status, monkeypatch, tmp_path, capsys):
    """Issue 33: Ctrl-C during `python -m venv` left a venv without pip, and the set-up went on,
    installed everything and trained to the end."""
    folder = tmp_path / ".venv"
    (folder / "bin").mkdir(parents=True)  # what venv had made when Ctrl-C came
    monkeypatch.setattr(tasks.subprocess, "Popen", CtrlCWhileWaiting(status))
    with pytest.raises(tasks.Interrupted) as stopped:
        tasks.make_venv(folder)
    assert str(stopped.value) == (f"{tasks.PROG}: interrupted while making the venv {folder}, "
                                  "which was removed: the next command makes it whole")
    assert not folder.exists()


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="a process group to send Ctrl-C to")
def default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_while_venv_runs_ends_it_with_no_traceback_of_its_own(tmp_path):
    """Issue 33: Ctrl-C while the venv was made printed venv's own KeyboardInterrupt traceback
    above make_venv's line. Ctrl-C as the terminal sends it: to the process group, while venv
    runs (after it has begun writing the venv, before it ends: else tried again)."""
    for attempt in range(5):
        folder = tmp_path / f"venv-{attempt}"
        # SIGINT as a terminal's command has it, not ignored: a suite started in the background
        # by a script (or by mutmut's workers) passes its ignored SIGINT on to its children.
        process = subprocess.Popen([sys.executable, "-c", tasks.MAKE_VENV, str(folder)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True, preexec_fn=default_sigint)
        while not (folder / "pyvenv.cfg").exists() and process.poll() is None:
            time.sleep(0.01)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            break
        process.communicate()
    else:
        pytest.fail("venv ended before Ctrl-C, five times")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, (out, err)
    assert b"Traceback" not in out + err and b"KeyboardInterrupt" not in out + err, (out, err)


def test_ctrl_c_during_the_install_says_so_not_that_pip_failed(monkeypatch, capsys):
    """Issue 33: it said "pip could not install ... its reason is above", with nothing above."""
    monkeypatch.setattr(tasks, "uv", lambda: None)
    monkeypatch.setattr(tasks.subprocess, "Popen", CtrlCWhileWaiting(1))
    monkeypatch.setattr(tasks, "installed", lambda *args: tasks.install_lock(
        Path(sys.executable), "requirements.txt"))
    assert tasks.main(["run"]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{tasks.PROG}: interrupted while installing requirements.txt: the next command "
        "installs it again")


def test_ctrl_c_during_a_study_says_what_was_kept(monkeypatch, tmp_path, capsys):
    """Issue 33: only make's "Error 130" was printed."""
    monkeypatch.setattr(tasks, "run_python", lambda: Path(sys.executable))
    monkeypatch.setattr(tasks, "run_seeds", lambda *args: 130)
    assert tasks.main(["study", f"RUNS={tmp_path / 'runs'}", "SEEDS=2"]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{tasks.PROG} study: stopped (Ctrl-C): the seeds that had finished replaced their logs "
        f"in {tmp_path / 'runs'}; nothing else there was removed")


def stand_in_venv(monkeypatch, tmp_path, lock=None):
    """tasks.VENV as a folder holding a Python (an empty file) and an empty site-packages; with
    `lock`, also the stamp that says it is installed."""
    venv = tmp_path / ".venv"
    (venv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    (venv / "bin").mkdir()
    (venv / "bin" / "python").write_text("")
    if lock is not None:
        (venv / f"installed-{lock.name}").write_text(
            tasks.hashlib.sha256(lock.read_bytes()).hexdigest(), encoding="utf-8")
    monkeypatch.setattr(tasks, "VENV", venv)
    return venv


def test_a_venv_whose_stamp_matches_but_whose_packages_are_gone_is_installed_again(
        monkeypatch, tmp_path, capsys):
    """Issue 33: the stamp alone was trusted, and the run ended in a ModuleNotFoundError."""
    lock = tmp_path / "requirements.txt"
    lock.write_text("numpy==2.2.6 \\\n    --hash=sha256:00\nTf_Keras==2.21.0 \\\n"
                    "    --hash=sha256:00\nappnope==1.0.0 ; sys_platform == 'darwin' \\\n"
                    "    --hash=sha256:00\n    # via\n    #   ipykernel\n", encoding="utf-8")
    venv = stand_in_venv(monkeypatch, tmp_path, lock)
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "numpy-2.2.6.dist-info").mkdir()
    (site / "tf_keras-2.21.0.dist-info").mkdir()
    monkeypatch.setattr(tasks, "install_lock", lambda python, requirements: pytest.fail("again"))
    assert tasks.installed(lock) == venv / "bin" / "python"  # whole: no install

    (site / "tf_keras-2.21.0.dist-info").rename(site / "tf_keras-2.20.0.dist-info")
    (site / "numpy-2.2.6.dist-info").rmdir()
    assert tasks.not_installed(lock) == ["numpy==2.2.6", "Tf_Keras==2.21.0"]
    installs = []
    monkeypatch.setattr(tasks, "install_lock", lambda python, requirements: installs.append(
        requirements))
    assert tasks.installed(lock) == venv / "bin" / "python" and installs == [lock]
    assert capsys.readouterr().err == (f"{tasks.PROG}: installing {lock} into .venv again: it "
                                       "lacks numpy==2.2.6, Tf_Keras==2.21.0\n")


def test_the_first_install_makes_the_venv_and_installs_into_its_python(monkeypatch, tmp_path,
                                                                       capsys):
    """No venv yet: it is made where VENV says, and the lock installed by the Python it holds."""
    lock = tmp_path / "requirements.txt"
    lock.write_text("numpy==2.2.6 \\\n    --hash=sha256:00\n", encoding="utf-8")
    venv = tmp_path / ".venv"
    calls = []

    def make_venv(folder):
        calls.append(("make_venv", folder))
        (folder / "bin").mkdir(parents=True)
        (folder / "bin" / "python").write_text("")
    monkeypatch.setattr(tasks, "VENV", venv)
    monkeypatch.setattr(tasks, "make_venv", make_venv)
    monkeypatch.setattr(tasks, "install_lock", lambda python, requirements: calls.append(
        ("install_lock", python, requirements)))
    assert tasks.installed(lock) == venv / "bin" / "python"
    assert calls == [("make_venv", venv), ("install_lock", venv / "bin" / "python", lock)]
    assert capsys.readouterr().err == f"{tasks.PROG}: installing {lock} into .venv\n"


def test_a_venv_lacking_more_than_three_packages_names_three_and_more(monkeypatch, tmp_path,
                                                                      capsys):
    lock = tmp_path / "requirements.txt"
    lock.write_text("".join(f"{name}==1.0 \\\n    --hash=sha256:00\n"
                            for name in ["aa", "bb", "cc", "dd"]), encoding="utf-8")
    stand_in_venv(monkeypatch, tmp_path, lock)
    monkeypatch.setattr(tasks, "install_lock", lambda python, requirements: None)
    tasks.installed(lock)
    assert capsys.readouterr().err == (f"{tasks.PROG}: installing {lock} into .venv again: it "
                                       "lacks aa==1.0, bb==1.0, cc==1.0 and more\n")


def test_a_windows_venvs_packages_are_found_under_their_wheel_names(monkeypatch, tmp_path):
    """Windows' venv keeps them in Lib\\site-packages, with no lib\\python3.x; a lock's
    tf-keras is installed as tf_keras-2.21.0.dist-info (wheels write - as _)."""
    lock = tmp_path / "requirements.txt"
    lock.write_text("tf-keras==2.21.0 \\\n    --hash=sha256:00\nml.dtypes==0.5.1 \\\n"
                    "    --hash=sha256:00\n", encoding="utf-8")
    site = tmp_path / ".venv" / "Lib" / "site-packages"
    (site / "tf_keras-2.21.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(tasks, "VENV", tmp_path / ".venv")
    assert tasks.not_installed(lock) == ["ml.dtypes==0.5.1"]
    (site / "ml_dtypes-0.5.1.dist-info").mkdir()
    assert tasks.not_installed(lock) == []


def test_a_lock_that_changes_is_installed_again_and_stamped(monkeypatch, tmp_path, capsys):
    """Issue 34: the set-up's promise that a changed lock is installed again was never tested:
    a stamp not compared with the lock passed."""
    lock = tmp_path / "requirements.txt"
    lock.write_text("numpy==2.2.6 \\\n    --hash=sha256:00\n", encoding="utf-8")
    venv = stand_in_venv(monkeypatch, tmp_path)
    (venv / "lib" / "python3.11" / "site-packages" / "numpy-2.2.6.dist-info").mkdir()
    installs = []
    monkeypatch.setattr(tasks, "install_lock", lambda python, requirements: installs.append(
        lock.read_text(encoding="utf-8")))
    stamp = venv / f"installed-{lock.name}"
    for text, installed in [(None, 1), (None, 1), ("numpy==2.2.5 \\\n", 2), (None, 2),
                            ("numpy==2.2.5 \\\n    --hash=sha256:01\n", 3)]:
        if text is not None:
            lock.write_text(text, encoding="utf-8")
        (venv / "lib" / "python3.11" / "site-packages" / "numpy-2.2.5.dist-info").mkdir(
            exist_ok=True)
        assert tasks.installed(lock) == venv / "bin" / "python"
        assert len(installs) == installed and installs[-1] == lock.read_text(encoding="utf-8")
        assert stamp.read_text(encoding="utf-8") == tasks.hashlib.sha256(
            lock.read_bytes()).hexdigest()
    assert capsys.readouterr().err.count(f"installing {lock} into .venv") == 3


def test_platforms_runs_both_simulations_and_fails_if_either_does(monkeypatch, capsys):
    """Issue 34: make test-platforms could report success when one of the two simulations
    failed, so CI went green on a macOS-only regression."""
    monkeypatch.setattr(tasks, "test_python", lambda: Path(sys.executable))
    for statuses in [(0, 0), (1, 0), (0, 1), (2, 1)]:
        calls = []

        def call(python, *args, env, statuses=statuses, calls=calls):
            calls.append(env["SIMULATED_PLATFORM"])
            return statuses[len(calls) - 1]

        monkeypatch.setattr(tasks, "show_and_call", call)
        assert tasks.main(["test-platforms"]) == next((s for s in statuses if s), 0)
        assert calls == ["macos", "windows"]
        said = capsys.readouterr().err.splitlines()
        failed = [f"{platform} (pytest's exit {status})"
                  for platform, status in zip(calls, statuses) if status]
        assert (said[-1] == f"{tasks.PROG} test-platforms: failed as {', '.join(failed)}"
                if failed else "failed" not in "".join(said))


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
    monkeypatch.setattr(tasks, "show_and_call",
                        lambda *args, **kwargs: calls.append((args, kwargs["env"])) or 1)
    assert tasks.main(["mutate", *names]) == 1  # mutmut's status, passed on
    [(args, env)] = calls
    assert args == ("python", "-m", "mutmut", "run", *names)
    # The tests' make runs the mutated tasks.py, which imports mutmut: with the venv's Python.
    assert env["PYTHON"] == "python"
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT / "tests" / "mutation")
    assert {path.name for path in mutated.iterdir()} == left | {".venv"}
    # The tests that run make there use the project's venv, rather than install one.
    assert (mutated / ".venv").resolve() == tasks.VENV.resolve()


def test_pyproject_mutates_the_modules_of_the_mutation_run_and_copies_every_script():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later

    section = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    scripts = {path.name for path in ROOT.glob("*.py")}
    assert set(section["source_paths"]) == scripts | {"rnn_mnist/"}
    assert set(section["only_mutate"]) == {
        "compare_with_article.py", "rnn_mnist/log_lines.py", "rnn_mnist/cli.py",
        "rnn_mnist/timing.py", "rnn_mnist/digit_photo.py", "input_data.py",
        "rnn_mnist/checkpoints.py", "rnn_mnist/stop_signals.py", "rnn_mnist/safe_files.py",
        "rnn_mnist/reference_runs.py", "export_page_model.py", "tasks.py"}
    assert all((ROOT / path).exists() for path in section["pytest_add_cli_args_test_selection"])
    # What the tests read or run in mutants/ besides the code: the locks and the Makefile too.
    assert all((ROOT / path).exists() for path in section["also_copy"])


def test_every_test_has_a_time_limit_and_the_slow_ones_a_longer_one(request):
    """Issue 34: a hung test held CI until its 90-minute hard stop and said nothing of where."""
    assert request.config.getini("timeout_method") == "thread"  # no signal while TF computes
    default = float(request.config.getini("timeout"))
    collected = request.config.stash[COLLECTED]
    # All those collected, not only those -k and -m chose; as many as the run collected (the whole
    # suite under make test, a few files under make mutate, this test alone when named).
    assert {item.nodeid for item in request.session.items} <= {item.nodeid for item in collected}
    for item in collected:
        marker = item.get_closest_marker("timeout")
        limit = float(marker.args[0]) if marker else default
        if "slow" in item.keywords:
            assert limit == SLOW_TIMEOUT, item.nodeid
        else:  # a shorter limit where a hang would otherwise cost minutes (test_study.py's)
            assert 0 < limit <= default, item.nodeid  # 0 would be none
    assert 0 < default < SLOW_TIMEOUT <= 1200


def test_a_hanging_test_fails_by_its_name_within_its_limit_and_the_rest_run(tmp_path):
    """The project's settings (pyproject.toml) under xdist, as make test runs them, with a limit
    of 3 s for a test that sleeps for ten minutes."""
    (tmp_path / "test_hangs.py").write_text(
        "import time\n\n\ndef test_hangs_for_ever():\n    time.sleep(600)\n\n\n"
        "def test_after_it():\n    pass\n", encoding="utf-8")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"),
                             "--rootdir", str(tmp_path), "-p", "no:cacheprovider", "-n", "1",
                             "-o", "timeout=3", str(tmp_path / "test_hangs.py")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert time.monotonic() - started < 60
    assert result.returncode == 1, result.stdout + result.stderr
    # xdist keeps the worker's stack dump to itself; the test's name is what it reports.
    assert "crashed while running 'test_hangs.py::test_hangs_for_ever'" in result.stdout
    assert "1 passed" in result.stdout


# ---------------------------------------------------------------------------------------------
# Each command: what it installs, the programs it runs, in order, and what it says


@pytest.fixture
def ran(monkeypatch):
    """tasks.py's programs recorded, not run: ("installed", lock) for a lock the command needs
    (its Python is py:NAME), and (python, *words) for each program, which succeeds."""
    calls = []

    def installed(requirements, how_long=""):
        calls.append(("installed", requirements, how_long))
        return Path(f"py:{requirements}")

    monkeypatch.setattr(tasks, "installed", installed)
    monkeypatch.setattr(tasks, "show_and_call", lambda python, *args, **options: calls.append(
        (str(python), *map(str, args))) or 0)
    return calls


RUN_LOCK = ("installed", "requirements.txt", " (a minute or two, once)")
TEST_LOCK = ("installed", "requirements/test.txt", "")


@pytest.mark.parametrize("words, calls", [
    (["test"], [TEST_LOCK, ("py:requirements/test.txt", "-m", "ruff", "check", "--quiet", "."),
                ("py:requirements/test.txt", "-m", "pytest", "-n", "0", "-x")]),
    (["test-slow"], [TEST_LOCK, ("py:requirements/test.txt", "-m", "pytest", "--runslow", "-m",
                                 "slow", "-n", "0", "-x")]),
    (["test-page"], [("installed", "requirements/page.txt", ""),
                     ("py:requirements/page.txt", "-m", "pytest", "--browser", "-m", "browser",
                      "tests/test_page.py", "-n", "0", "-x")]),
    (["predict", "ARGS=--test-index 3"], [RUN_LOCK, ("py:requirements.txt", "predict_digit.py",
                                                     "--test-index", "3", "-n", "0", "-x")]),
    (["compare"], [RUN_LOCK, ("py:requirements.txt", "compare_with_article.py", "-n", "0", "-x")]),
    (["export-page"], [RUN_LOCK, ("py:requirements.txt", "export_page_model.py", "-n", "0", "-x")]),
    (["keras"], [RUN_LOCK, ("py:requirements.txt", "train_rnn_mnist_keras.py", "-n", "0", "-x")]),
    (["export", "ARGS=--formats onnx"], [
        ("installed", "requirements/export.txt", " (torch and ONNX: a few minutes, once)"),
        ("py:requirements/export.txt", "-m", "rnn_mnist.exports", "--formats", "onnx", "-n", "0",
         "-x")]),
    (["test-export"], [("installed", "requirements/test-export.txt", ""),
                       ("py:requirements/test-export.txt", "-m", "pytest", "--export",
                        "--runslow", "tests/test_export.py", "-n", "0", "-x")]),
], ids=["test", "test-slow", "test-page", "predict", "compare", "export-page", "keras", "export",
        "test-export"])
def test_each_command_installs_its_lock_and_runs_its_program(words, calls, ran):
    assert tasks.main([*words, "-n", "0", "-x"]) == 0
    assert ran == calls


def test_the_suite_and_the_slow_tests_run_on_the_workers(ran, monkeypatch):
    monkeypatch.setattr(tasks, "test_workers", lambda extra: ["-n", "7"])
    assert tasks.main(["test", "-x"]) == 0 and tasks.main(["test-slow"]) == 0
    assert [call for call in ran if "pytest" in call] == [
        ("py:requirements/test.txt", "-m", "pytest", "-n", "7", "-x"),
        ("py:requirements/test.txt", "-m", "pytest", "--runslow", "-m", "slow", "-n", "7")]


def test_test_stops_where_ruff_finds_a_problem(ran, monkeypatch, capsys):
    monkeypatch.setattr(tasks, "show_and_call", lambda python, *args, **options: ran.append(
        args) or 3)
    assert tasks.main(["test"]) == 2
    assert ran == [TEST_LOCK, ("-m", "ruff", "check", "--quiet", ".")]  # no pytest after it
    assert capsys.readouterr().err == (f"{tasks.PROG} test: ruff found the problems above (exit "
                                       "3)\n")


@pytest.mark.parametrize("cores, free_gb, extra, workers", [
    (2, 24, [], ["-n", "2", "--dist", "loadfile"]),
    (8, 24, [], ["-n", "8", "--dist", "loadfile"]),
    (8, 7, [], ["-n", "2", "--dist", "loadfile"]),  # 3 GB a worker
    (8, 6, [], ["-n", "2", "--dist", "loadfile"]),
    (8, 5.9, [], []),  # one worker: no xdist at all
    (8, 1, [], []),
    (1, 24, [], []),
    (None, 24, [], []),  # cpu_count() unknown: one
    (8, None, [], ["-n", "8", "--dist", "loadfile"]),  # the free memory unknown: every core
    (8, 24, ["-n", "0"], []),
    (8, 24, ["-n3"], []),
    (8, 24, ["--numprocesses=3"], []),
    (8, 24, ["--dist", "load"], []),
    (8, 24, ["-p", "no:xdist"], []),
    (8, 24, ["-x", "tests/test_tasks.py"], ["-n", "8", "--dist", "loadfile"]),
])
def test_the_suite_gets_a_worker_per_core_as_the_memory_holds_unless_the_words_choose(
        cores, free_gb, extra, workers, monkeypatch):
    monkeypatch.setattr(tasks.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(tasks, "available_memory",
                        lambda: None if free_gb is None else int(free_gb * (1 << 30)))
    assert tasks.test_workers(extra) == workers


@pytest.mark.parametrize("root, allow_root", [(True, ["--allow-root"]), (False, [])])
def test_notebook_installs_jupyter_and_opens_the_articles_notebook(root, allow_root, ran,
                                                                    monkeypatch):
    monkeypatch.setattr(tasks.os, "getuid", lambda: 0 if root else 1000, raising=False)
    assert tasks.main(["notebook"]) == 0
    assert ran == [("installed", "requirements/notebook.txt", ""),
                   ("py:requirements/notebook.txt", "-m", "jupyter", "notebook", *allow_root,
                    "train_rnn_mnist.ipynb")]


def test_tensorboard_serves_logdir_or_says_which_run_makes_it(ran, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(tasks, "ROOT", tmp_path)
    assert tasks.main(["tensorboard", "LOGDIR=runs/mine"]) == 2
    assert ran == [RUN_LOCK]  # nothing installed for a folder that is not there
    assert capsys.readouterr().err == (f"{tasks.PROG} tensorboard: no folder runs/mine: run "
                                       "py:requirements.txt train_rnn_mnist.py --logdir "
                                       "runs/mine first\n")
    (tmp_path / "runs" / "mine").mkdir(parents=True)
    ran.clear()
    assert tasks.main(["tensorboard", "LOGDIR=runs/mine"]) == 0
    assert ran == [RUN_LOCK, ("installed", "requirements/tensorboard.txt", ""),
                   ("py:requirements/tensorboard.txt", "-m", "tensorboard.main", "--logdir",
                    "runs/mine")]
    ran.clear()
    monkeypatch.delenv("LOGDIR", raising=False)
    (tmp_path / "runs" / "tb").mkdir()
    assert tasks.main(["tensorboard"]) == 0
    assert ran[-1][-2:] == ("--logdir", "runs/tb")  # the README's --logdir runs/tb


@pytest.mark.parametrize("settings, torch, output", [
    ([], "installed", "bench/results.md"),
    (["BENCH_QUICK=1"], None, "runs/bench-quick.md"),
    (["BENCH_QUICK="], "installed", "bench/results.md"),
    (["BENCH_OUTPUT=elsewhere/b.md"], "cannot", "elsewhere/b.md"),
    (["BENCH_QUICK=1", "BENCH_OUTPUT=elsewhere/b.md"], None, "elsewhere/b.md"),
    (["BENCH_QUICK=1", "BENCH_OUTPUT=deep/er/b.md"], None, "deep/er/b.md"),
])
def test_bench_installs_torch_for_the_full_run_only_and_writes_its_report(
        settings, torch, output, ran, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(tasks, "ROOT", tmp_path)
    for name in ("BENCH_QUICK", "BENCH_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    installs = []

    def install_lock(python, requirements):
        installs.append((str(python), requirements))
        if torch == "cannot":
            raise tasks.TaskError("pip could not install")

    monkeypatch.setattr(tasks, "install_lock", install_lock)
    assert tasks.main(["bench", *settings]) == 0
    quick = ["--quick"] if torch is None else []
    assert ran == [RUN_LOCK, ("py:requirements.txt", "-m", "bench.run_bench", *quick, "--output",
                              str(Path(output)))]
    assert installs == ([] if torch is None else
                        [("py:requirements.txt", "requirements/bench.txt")])
    assert (tmp_path / output).parent.is_dir()
    assert capsys.readouterr().err == ("bench: torch could not be installed; the PyTorch peer "
                                       "will be skipped\n" if torch == "cannot" else "")
    assert tasks.main(["bench", *settings]) == 0  # the folder there already


@pytest.mark.parametrize("study_status, build_status", [(0, 0), (0, 4), (5, 0)])
def test_reference_studies_100_seeds_then_builds_the_csv_then_the_report(
        study_status, build_status, ran, monkeypatch):
    studies = []
    monkeypatch.setattr(tasks, "study", lambda settings, extra: studies.append(
        (settings, extra)) or study_status)
    moments = iter([(2026, 12, 7, 9, 5, 3, 0, 341, 0), (2026, 12, 7, 11, 0, 59, 0, 341, 0)])
    monkeypatch.setattr(tasks.time, "gmtime", lambda: tasks.time.struct_time(next(moments)))
    monkeypatch.setattr(tasks, "show_and_call", lambda python, *args, **options: ran.append(
        (str(python), *map(str, args))) or (build_status if "build" in args else 0))
    status = tasks.main(["reference", "JOBS=3", "ARGS=--seed 9", "SEEDS=7", "RUNS=mine", "-x"])
    assert status == (study_status or build_status)
    [(settings, extra)] = studies
    assert (settings["SEEDS"], settings["RUNS"], settings["ARGS"], settings["JOBS"]) == (
        "100", str(Path("runs") / "reference"), "", "3")  # the article's run, 100 seeds
    assert extra == ["-x"]
    build = ("py:requirements.txt", "-m", "rnn_mnist.reference_runs", "build",
             str(Path("runs") / "reference"), "--made-by", f"{tasks.PROG} reference (JOBS=3)",
             "--started", "2026-12-07 09:05:03 UTC", "--ended", "2026-12-07 11:00:59 UTC")
    report = ("py:requirements.txt", "-m", "rnn_mnist.reference_runs", "report")
    expected = [] if study_status else [RUN_LOCK, build] + ([] if build_status else [report])
    assert ran == expected


def test_demo_opens_the_page_from_disk_or_says_where_it_is(monkeypatch, capsys):
    import webbrowser

    opened = []
    for works, status, said in [
            (True, 0, f"{tasks.PROG} demo: {Path('web') / 'index.html'} opened in the browser"),
            (False, 1, f"{tasks.PROG} demo: no browser could be started here; open "
                       f"{ROOT / 'web' / 'index.html'} in one")]:
        monkeypatch.setattr(webbrowser, "open", lambda uri, works=works: opened.append(uri)
                            or works)
        assert tasks.main(["demo"]) == status
        assert capsys.readouterr().err == said + "\n"
    assert opened == [(ROOT / "web" / "index.html").as_uri()] * 2


def test_clean_on_a_clean_tree_removes_nothing_and_says_nothing(monkeypatch, tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    monkeypatch.setattr(tasks, "ROOT", tmp_path)
    monkeypatch.setattr(tasks, "VENV", tmp_path / ".venv")
    monkeypatch.setattr(tasks, "MUTATED", tmp_path / "mutants")
    assert tasks.main(["clean"]) == 0
    assert [path.name for path in tmp_path.iterdir()] == ["runs"]
    assert capsys.readouterr().err == ""


def test_clean_removes_the_venv_the_caches_and_the_mutants_and_nothing_else(monkeypatch,
                                                                             tmp_path):
    for made in [".venv/bin", ".pytest_cache/v", "mutants/tests", "__pycache__", "a/__pycache__",
                 "runs/article", "a/b"]:
        (tmp_path / made).mkdir(parents=True)
    monkeypatch.setattr(tasks, "ROOT", tmp_path)
    monkeypatch.setattr(tasks, "VENV", tmp_path / ".venv")
    monkeypatch.setattr(tasks, "MUTATED", tmp_path / "mutants")
    assert tasks.main(["clean"]) == 0
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*")) == [
        "a", str(Path("a/b")), "runs", str(Path("runs/article"))]  # the user's runs are kept


def test_lock_compiles_every_lock_from_its_in_files_with_uv(monkeypatch, capsys):
    commands = []
    monkeypatch.setattr(tasks, "uv", lambda: Path("uv"))
    monkeypatch.setattr(tasks, "call", lambda command, **options: commands.append(command) or 0)
    assert tasks.main(["lock", "--upgrade"]) == 0
    assert [command[command.index("--output-file") + 1] for command in commands] == list(
        tasks.LOCKS)
    for command, (target, sources) in zip(commands, tasks.LOCKS.items()):
        constraint = [] if target in ("requirements.txt", "requirements/uv.txt") else [
            "--constraint", "requirements.txt"]  # each extra at the run's versions
        assert command == ["uv", "pip", "compile", "--quiet", "--universal", "--python-version",
                           "3.10", "--generate-hashes", "--custom-compile-command", "make lock",
                           *sources, *constraint, "--output-file", target, "--upgrade"]
    assert capsys.readouterr().err.splitlines() == [
        f"{tasks.PROG} lock: {target} from {' + '.join(sources)}"
        for target, sources in tasks.LOCKS.items()]


def test_lock_says_which_lock_could_not_be_resolved_or_that_uv_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(tasks, "uv", lambda: Path("uv"))
    commands = []
    monkeypatch.setattr(tasks, "call", lambda command, **options: commands.append(command) or 1)
    assert tasks.main(["lock"]) == 2
    assert len(commands) == 1  # the first failure ends it
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{tasks.PROG} lock: requirements.txt could not be resolved; uv's reason is above")
    monkeypatch.setattr(tasks, "uv", lambda: None)
    assert tasks.main(["lock"]) == 2
    assert capsys.readouterr().err == f"{tasks.PROG} lock: needs uv, which could not be installed\n"


@pytest.fixture
def uv_venv(monkeypatch, tmp_path):
    """tasks.uv()'s own venv in tmp_path; making it and pip are recorded."""
    folder = tmp_path / "uv"
    monkeypatch.setattr(tasks, "UV_VENV", folder)
    made, calls = [], []

    def make_venv(where):
        made.append(where)
        (where / "bin").mkdir(parents=True)
        (where / "bin" / "python").write_text("")

    monkeypatch.setattr(tasks, "make_venv", make_venv)
    monkeypatch.setattr(tasks, "call", lambda command, **options: calls.append(
        (command, options)) or (folder / "bin" / "uv").write_text("") or 0)
    return folder, made, calls


def test_uv_is_installed_into_its_own_venv_once(uv_venv):
    folder, made, calls = uv_venv
    assert tasks.uv() == folder / "bin" / "uv"
    assert made == [folder]
    assert calls == [([str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
                       "--disable-pip-version-check", "--require-hashes", "-r",
                       str(ROOT / "requirements/uv.txt")],
                      {"to_stderr": True, "interruptible": True})]
    assert tasks.uv() == folder / "bin" / "uv" and len(made) == len(calls) == 1  # found


def test_uv_is_found_in_a_windows_venv_too(uv_venv, monkeypatch):
    folder, made, calls = uv_venv
    (folder / "Scripts").mkdir(parents=True)
    (folder / "Scripts" / "uv.exe").write_text("")
    assert tasks.uv() == folder / "Scripts" / "uv.exe" and made == calls == []

    def make_windows_venv(where):
        made.append(where)
        (where / "Scripts").mkdir(parents=True, exist_ok=True)
        (where / "Scripts" / "python.exe").write_text("")

    (folder / "Scripts" / "uv.exe").unlink()
    monkeypatch.setattr(tasks, "make_venv", make_windows_venv)
    monkeypatch.setattr(tasks, "call", lambda command, **options: calls.append(command) or (
        folder / "Scripts" / "uv.exe").write_text("") or 0)
    assert tasks.uv() == folder / "Scripts" / "uv.exe"
    assert calls[0][0] == str(folder / "Scripts" / "python.exe")


def test_uv_that_cannot_be_installed_leaves_pip_to_install(uv_venv, monkeypatch, capsys):
    folder, made, calls = uv_venv
    monkeypatch.setattr(tasks, "call", lambda command, **options: 1)
    assert tasks.uv() is None
    assert capsys.readouterr().err == (f"{tasks.PROG}: uv could not be installed; pip installs "
                                       "the locked set instead\n")


def test_ctrl_c_while_uv_installs_removes_its_venv(uv_venv, monkeypatch):
    folder, made, calls = uv_venv

    def ctrl_c(command, interruptible=False, **options):
        assert interruptible  # call() raises KeyboardInterrupt after the program has ended
        raise KeyboardInterrupt

    monkeypatch.setattr(tasks, "call", ctrl_c)
    with pytest.raises(tasks.Interrupted) as stopped:
        tasks.uv()
    assert str(stopped.value) == (f"{tasks.PROG}: interrupted while installing uv into "
                                  f"{folder}, which was removed: the next command installs it "
                                  "again")
    assert not folder.exists()


@pytest.mark.parametrize("uv", [Path("uv"), None], ids=["uv", "pip"])
def test_a_lock_is_installed_with_its_hashes_by_uv_or_pip(uv, monkeypatch):
    monkeypatch.setattr(tasks, "uv", lambda: uv)
    commands = []
    monkeypatch.setattr(tasks, "call", lambda command, **options: commands.append(
        (command, options)) or 0)
    tasks.install_lock(Path("python"), "requirements/test.txt")
    tool = (["uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", "python"]
            if uv else ["python", "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check"])
    assert commands == [([*tool, "--require-hashes", "-r", str(ROOT / "requirements/test.txt")],
                         {"to_stderr": True, "interruptible": True})]
    monkeypatch.setattr(tasks, "call", lambda command, **options: 7)
    with pytest.raises(tasks.TaskError) as failed:
        tasks.install_lock(Path("python"), "requirements/test.txt")
    assert str(failed.value) == ("pip could not install requirements/test.txt (exit 7); its "
                                 "reason is above")


@pytest.mark.parametrize("version, refused", [
    ((3, 9, 18), True), ((3, 10, 0), False), ((3, 11, 7), False), ((3, 13, 9), False),
    ((3, 14, 0), True), ((4, 0, 0), True)])
def test_a_python_tensorflow_has_no_wheel_for_is_refused_with_what_to_type(version, refused,
                                                                            monkeypatch):
    monkeypatch.setattr(tasks.sys, "version_info", version)
    monkeypatch.setattr(tasks.sys, "version", ".".join(map(str, version)) + " (main, Jan 1)")
    if not refused:
        tasks.check_python_version()
        return
    with pytest.raises(tasks.TaskError) as failed:
        tasks.check_python_version()
    assert str(failed.value) == (
        f"Python 3.10 to 3.13 is needed (TensorFlow 2.21 wheels); this is "
        f"{'.'.join(map(str, version))}. Try: make PYTHON=python3.11 (Windows: py -3.11 "
        "tasks.py ...)")


def test_a_venv_is_made_by_this_python_and_a_failed_one_removed(monkeypatch, tmp_path):
    folder = tmp_path / ".venv"
    calls = []

    def call(command, **options):
        calls.append((command, options))
        (folder / "bin").mkdir(parents=True)  # half made
        return 3

    monkeypatch.setattr(tasks, "call", call)
    monkeypatch.setattr(tasks.sys, "version", "3.11.7 (main, Jan 1)")
    with pytest.raises(tasks.TaskError) as failed:
        tasks.make_venv(folder)
    assert calls == [([sys.executable, "-c", tasks.MAKE_VENV, str(folder)],
                      {"to_stderr": True, "interruptible": True})]
    assert str(failed.value) == (f"{tasks.PROG}: {sys.executable} (Python 3.11.7) could not make "
                                 f"the venv {folder} (exit 3; its reason is above)")
    assert not folder.exists()  # half a venv would be taken for a whole one
    monkeypatch.setattr(tasks, "call", lambda command, **options: 4)  # failed before writing
    with pytest.raises(tasks.TaskError) as failed:
        tasks.make_venv(folder)
    assert "(exit 4; its reason is above)" in str(failed.value)

    def ctrl_c(command, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(tasks, "call", ctrl_c)  # before venv wrote anything
    with pytest.raises(tasks.Interrupted):
        tasks.make_venv(folder)


@pytest.mark.parametrize("missing", ["venv", "ensurepip"])
def test_a_python_without_venv_is_told_what_to_install(missing, monkeypatch):
    found = tasks.importlib.util.find_spec
    monkeypatch.setattr(tasks.importlib.util, "find_spec",
                        lambda name: None if name == missing else found(name))
    monkeypatch.setattr(tasks, "call", lambda *args, **options: pytest.fail("ran venv"))
    monkeypatch.setattr(tasks.sys, "version", "3.12.1 (main, Jan 1)")
    monkeypatch.setattr(tasks.sys, "version_info", (3, 12, 1))
    with pytest.raises(tasks.TaskError) as failed:
        tasks.make_venv(Path("v"))
    assert str(failed.value) == (
        f"{tasks.PROG}: {sys.executable} (Python 3.12.1) cannot make a venv (it has no venv or "
        "ensurepip module): on Debian or Ubuntu, sudo apt install python3-venv (or "
        "python3.12-venv), then try again")


@pytest.mark.parametrize("whole, runs", [
    ("", [("macos", ["tests/test_platforms.py", "tests/test_signals.py"]),
          ("windows", ["tests/test_platforms.py", "tests/test_signals.py",
                       "tests/test_faults.py"])]),
    ("1", [("macos", []), ("macos", ["--runslow", "tests/test_signals.py", "-k", "thirty_stops"]),
           ("windows", [f"tests/test_{name}.py" for name in (
               "platforms", "signals", "checkpoints", "faults", "compare", "predict", "study",
               "docs")])]),
])
def test_platforms_runs_each_simulation_on_the_suites_workers_with_its_shim(whole, runs, ran,
                                                                            monkeypatch, capsys):
    monkeypatch.setattr(tasks, "test_workers", lambda extra: ["-n", "2"] if extra == ["-x"]
                        else pytest.fail(extra))
    monkeypatch.setenv("PYTHONPATH", "mine")
    envs = []
    monkeypatch.setattr(tasks, "show_and_call", lambda python, *args, env: envs.append(env) or
                        ran.append((str(python), *args)) or 0)
    assert tasks.main(["test-platforms", f"WHOLE={whole}", "-x"]) == 0
    assert ran == [TEST_LOCK] + [("py:requirements/test.txt", "-m", "pytest", *args, "-n", "2",
                                  "-x") for platform, args in runs]
    assert [env["SIMULATED_PLATFORM"] for env in envs] == [platform for platform, args in runs]
    assert {env["PYTHONPATH"] for env in envs} == {
        os.pathsep.join([str(ROOT / "tests" / "platforms"), "mine"])}
    assert capsys.readouterr().err.splitlines() == [
        f"{tasks.PROG} test-platforms: as {platform}:" for platform, args in runs]


def test_platforms_refuses_a_whole_that_is_not_1(ran, capsys):
    assert tasks.main(["test-platforms", "WHOLE=yes"]) == 2
    assert ran == []
    assert capsys.readouterr().err == f"{tasks.PROG} test-platforms: WHOLE must be 1 or empty, " \
                                      "not 'yes'\n"


def test_a_folder_goes_first_on_pythonpath_before_what_it_had(monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert tasks.with_on_python_path(Path("a"))["PYTHONPATH"] == "a"
    monkeypatch.setenv("PYTHONPATH", "b")
    assert tasks.with_on_python_path(Path("a"))["PYTHONPATH"] == os.pathsep.join(["a", "b"])


def test_mutate_runs_mutmut_then_says_each_modules_score(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(tasks, "MUTATED", tmp_path / "mutants")  # none yet: a first run
    installs, runs = [], []
    monkeypatch.setattr(tasks, "installed", lambda lock: installs.append(lock) or Path("py"))
    monkeypatch.setattr(tasks, "show_and_call", lambda *args, **options: 0)

    def results(command, **options):
        runs.append((command, options["cwd"], options["env"]["PYTHON"], options["text"],
                     options["capture_output"]))
        return subprocess.CompletedProcess(command, 0, MUTMUT_RESULTS, "")

    monkeypatch.setattr(tasks.subprocess, "run", results)
    assert tasks.main(["mutate"]) == 0
    assert installs == ["requirements/mutate.txt"]
    assert runs == [(["py", "-m", "mutmut", "results", "--all", "true"], tasks.ROOT, "py", True,
                     True)]
    assert (tmp_path / "mutants" / ".venv").is_dir()
    assert capsys.readouterr().err.splitlines() == [
        *tasks.format_scores(tasks.mutation_scores(MUTMUT_RESULTS)).splitlines(),
        f"{tasks.PROG} mutate: the survivors: .venv/bin/python -m mutmut results; one of them: "
        ".venv/bin/python -m mutmut show NAME"]
    assert tasks.main(["mutate", "cli.*"]) == 0  # mutants/ kept, its tests taken anew
    capsys.readouterr()

    monkeypatch.setattr(tasks.subprocess, "run", lambda command, **options:
                        subprocess.CompletedProcess(command, 1, "", "no mutants\n"))
    assert tasks.main(["mutate"]) == 2
    assert capsys.readouterr().err == (f"{tasks.PROG} mutate: mutmut results failed: no "
                                       "mutants\n")
    monkeypatch.setattr(tasks, "show_and_call", lambda *args, **options: 5)
    monkeypatch.setattr(tasks.subprocess, "run", lambda *args, **options: pytest.fail("results"))
    assert tasks.main(["mutate"]) == 5  # mutmut's own failure, passed on, no table


def test_the_scores_add_up_each_verdict_and_show_no_score_for_no_mutants():
    scores = tasks.mutation_scores(MUTMUT_RESULTS + "    cli.x_f__mutmut_3: killed\n")
    assert scores["cli"]["killed"] == 2
    assert tasks.format_scores({}).splitlines()[-1].split() == ["all", "0", "0", "0", "0", "0",
                                                               "-"]


KEPT = str(Path("runs") / "article")


@pytest.mark.parametrize("args, trainer_words, kept", [
    ("", ["--save-dir", KEPT, "--overwrite"], True),
    ("--seed 3", ["--save-dir", KEPT, "--overwrite", "--seed", "3"], True),
    ("--resume", ["--save-dir", KEPT, "--resume"], True),  # continues the kept run
    ("--res", ["--save-dir", KEPT, "--res"], True),  # abbreviated, as argparse takes it
    ("--save-dir mine", ["--save-dir", "mine"], False),
    ("--save-dir=mine", ["--save-dir=mine"], False),
    ("--save-d mine", ["--save-d", "mine"], False),
    ("--overwrite --seed 1", ["--overwrite", "--seed", "1"], False),
    ("--o", ["--o"], False),  # --overwrite, as argparse reads its shortest form
    ("--seed 1 --", ["--save-dir", KEPT, "--overwrite", "--seed", "1", "--"], True),  # no name
])
def test_run_keeps_the_model_unless_the_words_name_a_save_dir(args, trainer_words, kept, ran,
                                                             monkeypatch, capsys):
    assert tasks.main(["run", f"ARGS={args}"]) == 0
    assert ran == [RUN_LOCK, ("py:requirements.txt", "train_rnn_mnist.py", *trainer_words)]
    said = capsys.readouterr().err
    assert said == (f"{tasks.PROG} run: the trained model is kept in {KEPT} (the next run "
                    f"replaces it); read a digit with it: {tasks.RUN_AGAIN} predict "
                    "ARGS=\"--test-index 0\"\n" if kept else "")
    monkeypatch.setattr(tasks, "show_and_call", lambda python, *args, **options: 130)
    assert tasks.main(["run", f"ARGS={args}"]) == 130  # stopped: nothing said of a model
    assert capsys.readouterr().err == ""


def test_show_and_call_shows_the_command_and_passes_its_options_on(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(tasks, "call", lambda command, **options: calls.append(
        (command, options)) or 3)
    assert tasks.show_and_call(Path("py"), "-m", Path("a b"), env={"X": "1"}) == 3
    assert calls == [(["py", "-m", "a b"], {"env": {"X": "1"}})]
    assert capsys.readouterr().err == "py -m 'a b'\n"  # as a shell would take it


def test_call_runs_in_the_project_folder_with_its_options_and_to_stderr_when_asked(
        tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    code = "import os, sys; print(os.getcwd(), os.environ['WHERE'], sep=':'); sys.exit(4)"
    command = [sys.executable, "-c", code]
    environment = {**os.environ, "WHERE": "given"}
    assert tasks.call(command, env=environment) == 4
    assert capfd.readouterr() == (f"{tasks.ROOT}:given\n", "")
    assert tasks.call(command, to_stderr=True, env=environment) == 4
    assert capfd.readouterr() == ("", f"{tasks.ROOT}:given\n")  # stdout kept for the log alone
    try:
        assert tasks.call(command, interruptible=True, env=environment) == 4  # no Ctrl-C came
    except KeyboardInterrupt:  # would end pytest's whole session, not fail this test
        pytest.fail("Ctrl-C was raised where none came")


def test_ctrl_c_while_a_program_runs_is_waited_out_and_raised_only_if_interruptible(
        monkeypatch):
    monkeypatch.setattr(tasks.subprocess, "Popen", CtrlCWhileWaiting(3))
    try:
        status = tasks.call(["program"])
    except KeyboardInterrupt:  # would end pytest's whole session, not fail this test
        pytest.fail("Ctrl-C was raised from a call that is not interruptible")
    assert status == 3  # the program's own status, once it has ended
    monkeypatch.setattr(tasks.subprocess, "Popen", CtrlCWhileWaiting(3))
    with pytest.raises(KeyboardInterrupt):
        tasks.call(["program"], interruptible=True)


def test_no_command_prints_the_usage_and_the_examples(capsys):
    """`python3 tasks.py` alone: the commands in one line, then the docstring's examples."""
    assert tasks.main([]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == ("usage: tasks.py {run,predict,compare,export-page,keras,export,test,"
                        "test-slow,test-platforms,test-page,test-export,demo,study,reference,"
                        "notebook,tensorboard,bench,lock,mutate,clean} [NAME=VALUE ...] "
                        "[more words]")
    assert lines[1] == "    python3 tasks.py run                     # Linux, macOS (make run " \
                       "calls this)"
    assert lines[-1].startswith("    py tasks.py study SEEDS=100 JOBS=2")


def test_ctrl_c_between_two_programs_is_one_line_and_exit_130(monkeypatch, capsys):
    def stopped(settings, extra):
        raise KeyboardInterrupt
    monkeypatch.setitem(tasks.COMMANDS, "run", stopped)
    assert tasks.main(["run"]) == 130
    assert capsys.readouterr().err == f"{tasks.PROG}: interrupted\n"
