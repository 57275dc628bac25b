"""The repository a learner sees: a short top level, the READMEs short, no import circle, and
the learner's path without detours (make run keeps the model; a Python without the packages or
without venv is told what to do in one line)."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tasks
from conftest import ROOT
from rnn_mnist import checkpoints

MAX_TOP_LEVEL_FILES = 14
MAX_README_LINES = 160


def tracked_files():
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=ROOT, capture_output=True,
                         text=True)
    # mutmut's copy, mutants/, sits inside the project's checkout without being one of its own.
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT.resolve():
        pytest.skip("not a git checkout of the project")
    result = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.split()


def test_the_top_level_holds_at_most_fourteen_files_besides_dotfiles():
    top = {name for name in tracked_files() if "/" not in name and not name.startswith(".")}
    assert len(top) <= MAX_TOP_LEVEL_FILES, sorted(top)
    assert {"train_rnn_mnist.py", "train_rnn_mnist.ipynb", "input_data.py", "README.md",
            "requirements.txt", "LICENSE", "pyproject.toml"} <= top


@pytest.mark.parametrize("name", ["README.md", "README.ja.md"])
def test_each_readme_reads_in_two_minutes(name):
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES
    assert "https://qiita.com/taigamikami/items/" in lines[4] + lines[3] + lines[2]


def test_the_articles_script_is_at_most_300_lines():
    assert len((ROOT / "train_rnn_mnist.py").read_text(encoding="utf-8").splitlines()) <= 300


# ---------------------------------------------------------------------------------------------
# Imports


def project_modules():
    """{module name: its file} for every Python file of the project but the tests'."""
    found = {}
    for name in tracked_files():
        if name.endswith(".py") and not name.startswith("tests/"):
            module = name[:-3].replace("/", ".")
            found[module.removesuffix(".__init__")] = ROOT / name
    return found


def imports_of(path, modules):
    """The project's modules that a file imports, anywhere in it (a function's lazy import too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def cycle_in(graph):
    """One import circle of the graph, as a list of modules, or None."""
    state = {}

    def visit(module, path):
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return path[path.index(imported):] + [imported]
            if imported not in state and (found := visit(imported, path + [imported])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def test_cycle_in_finds_a_circle_and_no_false_one():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_module_imports_one_that_imports_it_back():
    modules = project_modules()
    # A package's module imports its package first: that edge is not a circle.
    graph = {module: imports_of(path, modules) - {module.rsplit(".", 1)[0]}
             for module, path in modules.items()}
    assert "rnn_mnist.log_lines" in graph["compare_with_article"]
    assert cycle_in(graph) is None, f"an import circle: {' -> '.join(cycle_in(graph))}"


def test_one_log_parser_the_comparison_and_the_reference_runs_use():
    sources = {name: (ROOT / name).read_text(encoding="utf-8")
               for name in ("compare_with_article.py", "rnn_mnist/reference_runs.py",
                            "bench/run_bench.py")}
    for name, text in sources.items():
        assert "def parse_log" not in text, f"{name} has a log parser of its own"
        assert "LOG_LINE_PATTERN" not in text, f"{name} reads log lines itself"


def test_no_script_edits_sys_path():
    for module, path in project_modules().items():
        assert "sys.path.insert" not in path.read_text(encoding="utf-8"), module


# ---------------------------------------------------------------------------------------------
# The Pythons, in one place


def test_pyproject_names_the_pythons_tasks_py_checks():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lowest, below = re.search(r'^requires-python = ">=3\.(\d+),<3\.(\d+)"$', text,
                              re.MULTILINE).groups()
    assert tasks.SUPPORTED_PYTHONS == ((3, int(lowest)), (3, int(below) - 1))



def test_make_mutate_copies_every_module_its_tests_import():
    """mutmut runs the tests in a copy (mutants/) of what pyproject.toml names: a module the
    tests import and the copy lacks fails its first pytest run, every mutant unrun (tasks.py,
    once conftest.py imported it)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    copied = settings["mutmut"]["source_paths"] + settings["mutmut"]["also_copy"]
    modules = project_modules()
    tests = ["tests/conftest.py", *(name for name in
                                    settings["mutmut"]["pytest_add_cli_args_test_selection"]
                                    if name.endswith(".py"))]
    for test in tests:
        for module in imports_of(ROOT / test, modules):
            path = modules[module].relative_to(ROOT).as_posix()
            assert any(path == name or (name.endswith("/") and path.startswith(name))
                       for name in copied), f"{test} imports {path}, which mutants/ lacks"

# ---------------------------------------------------------------------------------------------
# No detours


def test_make_run_keeps_the_model_where_predict_and_export_look(monkeypatch):
    assert ROOT / tasks.KEPT_MODEL == checkpoints.KEPT_MODEL
    calls = []
    monkeypatch.setattr(tasks, "run_python", lambda: "python")
    monkeypatch.setattr(tasks, "show_and_call", lambda *args, **kwargs: calls.append(args) or 0)
    kept = ["--save-dir", str(tasks.KEPT_MODEL)]
    cases = [
        ([], [*kept, "--overwrite"]),
        (["ARGS=--seed 3"], [*kept, "--overwrite", "--seed", "3"]),
        (["ARGS=--resume"], [*kept, "--resume"]),  # a stopped make run, continued
        # A folder of the user's is never replaced unasked, however its flag is spelt.
        (["ARGS=--save-dir mine"], ["--save-dir", "mine"]),
        (["ARGS=--save-d=mine"], ["--save-d=mine"]),
        (["ARGS=--save-dir mine --resume"], ["--save-dir", "mine", "--resume"]),
        (["ARGS=--overwrite"], ["--overwrite"]),
    ]
    for words, expected in cases:
        calls.clear()
        assert tasks.main(["run", *words]) == 0
        assert calls == [("python", "train_rnn_mnist.py", *expected)], words


def test_make_run_says_last_where_the_model_is_and_how_to_read_a_digit(monkeypatch, capsys):
    monkeypatch.setattr(tasks, "run_python", lambda: "python")
    monkeypatch.setattr(tasks, "show_and_call", lambda *args, **kwargs: 0)
    assert tasks.main(["run"]) == 0
    last = capsys.readouterr().err.splitlines()[-1]
    assert str(tasks.KEPT_MODEL) in last and 'predict ARGS="--test-index 0"' in last
    monkeypatch.setattr(tasks, "show_and_call", lambda *args, **kwargs: 130)
    assert tasks.main(["run"]) == 130
    assert "kept" not in capsys.readouterr().err  # a stopped run said what it saved itself


@pytest.mark.parametrize("command, script", [("predict", "predict_digit.py"),
                                             ("compare", "compare_with_article.py"),
                                             ("export-page", "export_page_model.py"),
                                             ("keras", "train_rnn_mnist_keras.py")])
def test_each_script_has_a_command_that_runs_it_in_the_venv(monkeypatch, command, script):
    calls = []
    monkeypatch.setattr(tasks, "run_python", lambda: "python")
    monkeypatch.setattr(tasks, "show_and_call", lambda *args, **kwargs: calls.append(args) or 0)
    assert tasks.main([command, 'ARGS=--test-index 0 "a b.png"', "more"]) == 0
    assert calls == [("python", script, "--test-index", "0", "a b.png", "more")]


def test_predict_without_a_kept_model_says_to_run_make_run_first(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "KEPT_MODEL", tmp_path / "runs" / "article")
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(tmp_path / "runs" / "article")
    assert str(refused.value) == (
        f"no model in {checkpoints.shortest_path(tmp_path / 'runs' / 'article')} yet: `make run` "
        "(Windows: py tasks.py run) trains the article's model and keeps it there; or give "
        "--checkpoint DIR, a folder of train_rnn_mnist.py --save-dir")


def test_study_jobs_are_capped_by_the_free_memory_and_say_so(monkeypatch, capsys):
    monkeypatch.setattr(tasks, "available_memory", lambda: int(2.5 * 2**30))
    assert tasks.capped_by_memory("make study", 8, 10) == 2
    assert capsys.readouterr().err == ("make study: JOBS=8 lowered to 2: each seed takes up to "
                                       "1 GB, and 2.5 GB is free\n")
    assert tasks.capped_by_memory("make study", 2, 10) == 2  # fits: nothing lowered, or said
    assert capsys.readouterr().err == ""
    assert tasks.capped_by_memory("make study", 8, 1) == 1  # no more jobs than seeds
    monkeypatch.setattr(tasks, "available_memory", lambda: 100 * 2**30)
    assert tasks.capped_by_memory("make study", 8, 10) == 8
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(tasks, "available_memory", lambda: 2**20)
    assert tasks.capped_by_memory("make study", 2, 10) == 1  # one seed at a time, at least


def test_the_free_memory_is_read_on_this_system():
    free = tasks.available_memory()
    assert free is None or 0 < free < 2**50


def test_a_study_prints_a_line_as_each_seed_starts_and_ends(tmp_path, capsys):
    """Seeds that are a Python printing a line: the study's own lines, not a training's."""
    logs = [tmp_path / f"seed-{seed}.log" for seed in range(2)]
    script = tmp_path / "train_rnn_mnist.py"
    script.write_text("print('step')\n", encoding="utf-8")
    original = tasks.ROOT
    try:
        tasks.ROOT = tmp_path
        assert tasks.run_seeds(sys.executable, [], logs, 1, "make study") is None
    finally:
        tasks.ROOT = original
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "make study: 2 seeds, 1 at a time"
    assert re.fullmatch(r"make study: seed 0 started \(0 of 2 done, \d+ s\)", err[1])
    assert re.fullmatch(r"make study: seed 0 done \(1 of 2 done, \d+ s\)", err[2])
    assert re.fullmatch(r"make study: seed 1 started \(1 of 2 done, \d+ s\)", err[3])
    assert re.fullmatch(r"make study: seed 1 done \(2 of 2 done, \d+ s\)", err[4])


@pytest.mark.parametrize("script", ["train_rnn_mnist.py", "predict_digit.py",
                                    "compare_with_article.py", "export_page_model.py"])
def test_a_script_started_outside_the_venv_says_what_to_do_in_one_line(script, tmp_path):
    # -S: no site-packages, as a system Python that lacks the locked set.
    result = subprocess.run([sys.executable, "-S", str(ROOT / script)], capture_output=True,
                            text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{script}: this Python ") and "has no numpy" in line
    assert "`make run`" in line or "`py tasks.py run`" in line


def test_a_python_without_venv_is_told_what_to_install(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "ensurepip" else real(name, *args))
    with pytest.raises(tasks.TaskError, match=r"cannot make a venv .*apt install python3-venv"):
        tasks.make_venv(tmp_path / "venv")
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("where", ["bin/python", "Scripts/python.exe", None],
                         ids=["linux-macos", "windows", "none"])
def test_the_venvs_python_is_found_where_each_system_puts_it(where, monkeypatch, tmp_path):
    """bin/python on Linux and macOS, Scripts\\python.exe on Windows (a venv there has no bin),
    None before the venv is made."""
    monkeypatch.setattr(tasks, "VENV", tmp_path / ".venv")
    if where is not None:
        (tmp_path / ".venv" / where).parent.mkdir(parents=True)
        (tmp_path / ".venv" / where).write_bytes(b"")
    assert tasks.venv_python() == (None if where is None else tmp_path / ".venv" / where)


@pytest.mark.parametrize("status", [1, 2])
def test_a_venv_that_fails_midway_is_removed_and_named(status, monkeypatch, tmp_path):
    folder = tmp_path / "venv"

    def half_made(command, **options):
        folder.mkdir()
        return status

    monkeypatch.setattr(tasks, "call", half_made)
    with pytest.raises(tasks.TaskError, match=rf"could not make the venv .*exit {status}"):
        tasks.make_venv(folder)
    assert not folder.exists()


def test_the_warnings_filter_hides_tensorflows_deprecations_only():
    code = ("import warnings\n"
            "from rnn_mnist import tensorflow_v1\n"
            "tensorflow_v1.load()\n"
            "with warnings.catch_warnings(record=True) as seen:\n"
            "    warnings.warn('`tf.nn.rnn_cell.BasicLSTMCell` is deprecated and will go')\n"
            "    warnings.warn('a warning of another library')\n"
            "print([str(warning.message) for warning in seen])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120, env={**os.environ, "PYTHONWARNINGS": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['a warning of another library']"


def test_tasks_py_needs_only_the_standard_library():
    tree = ast.parse(Path(tasks.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names)


def test_the_free_memory_is_linuxs_memavailable_else_half_the_machines(monkeypatch):
    import io

    real_open = open
    meminfo = "MemTotal:       24000000 kB\nMemFree:  1000 kB\nMemAvailable:    2048 kB\n"

    def reading(path, *args, **kwargs):
        return io.StringIO(meminfo) if path == "/proc/meminfo" else real_open(path, *args,
                                                                               **kwargs)

    monkeypatch.setattr(tasks, "open", reading, raising=False)
    assert tasks.available_memory() == 2048 * 1024
    meminfo = "MemTotal:       24000000 kB\n"  # an older kernel's, with no MemAvailable
    monkeypatch.setattr(tasks.os, "sysconf", {"SC_PHYS_PAGES": 1000, "SC_PAGE_SIZE": 4096}.get)
    assert tasks.available_memory() == 1000 * 4096 // 2


def test_windows_free_memory_is_global_memory_status_ex_available_else_none(monkeypatch):
    """Windows has no /proc/meminfo and no os.sysconf: kernel32's GlobalMemoryStatusEx, given
    its structure's size as the API asks, stands in here."""
    import ctypes

    def no_file(*args, **kwargs):
        raise FileNotFoundError("/proc/meminfo")

    asked = []

    class Kernel32:
        @staticmethod
        def GlobalMemoryStatusEx(reference):  # noqa: N802, Windows' own name
            # By position, as Windows reads and writes MEMORYSTATUSEX: dwLength first, then
            # dwMemoryLoad, ullTotalPhys, ullAvailPhys (the fields' names are tasks.py's own).
            status = reference._obj
            asked.append(ctypes.c_ulong.from_buffer(status).value == ctypes.sizeof(status))
            available = 2 * ctypes.sizeof(ctypes.c_ulong) + ctypes.sizeof(ctypes.c_ulonglong)
            ctypes.c_ulonglong.from_buffer(status, available).value = 5 * 2**30
            return 1

    monkeypatch.setattr(tasks, "open", no_file, raising=False)
    monkeypatch.delattr(tasks.os, "sysconf")
    monkeypatch.setattr(ctypes, "windll", type("WinDLL", (), {"kernel32": Kernel32}),
                        raising=False)
    assert tasks.available_memory() == 5 * 2**30 and asked == [True]
    Kernel32.GlobalMemoryStatusEx = staticmethod(lambda reference: 0)  # the call failed
    assert tasks.available_memory() is None
