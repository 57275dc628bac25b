"""The documentation against the code: flags, checksums, commands."""

import os
import re
import subprocess
import sys

import pytest

import compare_with_article
import export_page_model
import input_data
import predict_digit
import tasks
import train_rnn_mnist as trm
import train_rnn_mnist_keras
from conftest import ROOT
from rnn_mnist import exports, log_lines

README = (ROOT / "README.md").read_text(encoding="utf-8")


SCRIPTS = [trm, compare_with_article, predict_digit, export_page_model, train_rnn_mnist_keras,
           exports]


def known_flags(capsys):
    """Every --flag the scripts accept, read from their --help, conftest.py's, and pytest's
    --durations and pytest-xdist's --dist, which docs/testing.md names."""
    flags = {"--runslow", "--browser", "--export", "--page-screenshots", "--durations",
             "--dist"}  # and pytest's
    for script in SCRIPTS:
        with pytest.raises(SystemExit):
            script.parse_args(["--help"])
        flags |= set(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out))
    return flags


# The pages a reader is sent to: the READMEs and every page under docs/.
DOCUMENTS = ["README.md", "README.ja.md", *sorted(
    str(path.relative_to(ROOT)) for path in (ROOT / "docs").glob("*.md"))]
# And the pages beside the code they describe, whose links must hold too.
LINKED_PAGES = [*DOCUMENTS, "bench/README.md", "data/README.md", "tests/MUTATION.md"]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_flag_the_docs_mention_exists(document, capsys):
    text = (ROOT / document).read_text(encoding="utf-8")
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))
    assert mentioned - known_flags(capsys) == set()


@pytest.mark.parametrize("document", LINKED_PAGES)
def test_the_docs_link_what_exists(document):
    page = ROOT / document
    for target in re.findall(r"\]\(([^)#]+)\)", page.read_text(encoding="utf-8")):
        if not re.match(r"https?://", target):
            assert (page.parent / target).exists(), f"{document} links to missing {target}"


def test_the_readme_gives_the_two_commands_and_the_makefile_has_them():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.search(r"^TARGETS := (.*)$", makefile, re.MULTILINE).group(1).split()
    assert re.search(r"^\$\(TARGETS\):\n\t@\$\(PYTHON\) tasks\.py \$@$", makefile, re.MULTILINE)
    for target in ("run", "test", "test-slow", "study"):
        assert f"make {target}" in README
        assert target in targets and target in tasks.COMMANDS
    assert set(targets) == set(tasks.COMMANDS)


def test_data_readme_checksums_are_the_ones_the_script_checks():
    data_readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (\w+) \| \([\d, ]+\) \| uint8 \| ([0-9a-f]{64}) \|$",
                             data_readme, re.MULTILINE))
    assert listed == input_data.MNIST_SHA256


def test_the_article_log_is_the_published_one():
    lines = (ROOT / "data" / "article_log.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 79
    assert lines[0] == "step: 10 / loss: 1.751291 / acc: 0.42969"
    assert lines[-1] == "Test Accuracy: 0.984375"
    assert all(log_lines.LOG_LINE_PATTERN.fullmatch(line) for line in lines[:-1])


def test_the_ci_runs_the_readmes_test_command_and_the_slow_test():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test\n" in ci and "make test-slow" in ci


def test_the_layout_page_names_what_exists_and_everything_at_the_top():
    layout = (ROOT / "docs" / "layout.md").read_text(encoding="utf-8")
    named = re.findall(r"^\| `([^`]+)` \|", layout, re.MULTILINE)
    assert named, "docs/layout.md has no layout table"
    for name in named:
        assert (ROOT / name).exists(), f"docs/layout.md names {name}, which does not exist"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    top = {name.split("/")[0] + ("/" if "/" in name else "") for name in tracked.stdout.split()
           if not name.startswith(".")}
    top -= {"README.md", "README.ja.md", "LICENSE"}  # the pages that link to this one
    assert top == {name for name in named if name.count("/") <= 1 and not
                   (name.endswith(".py") and "/" in name)}
    modules = {f"rnn_mnist/{path.name}" for path in (ROOT / "rnn_mnist").glob("*.py")}
    assert modules - {"rnn_mnist/__init__.py"} == {name for name in named
                                                   if name.startswith("rnn_mnist/") and
                                                   name.endswith(".py")}


def test_the_testing_pages_figures_are_the_codes():
    import conftest

    page = " ".join((ROOT / "docs" / "testing.md").read_text(encoding="utf-8").split())
    assert f"through a {conftest.SMALL_PIPE // 1024} KiB pipe" in page
    assert f"at most {conftest.LINES_AHEAD} lines ahead" in page
    assert f"as the free memory holds at {tasks.MEMORY_PER_TEST_WORKER >> 30} GB each" in page


def test_the_durations_tables_add_up_each_tests_phases_by_file(tmp_path):
    import durations

    output = tmp_path / "durations.txt"
    output.write_text(
        "============================= slowest durations =============================\n"
        "12.50s setup    tests/test_a.py::test_one\n"
        "2.25s call     tests/test_a.py::test_one\n"
        "3.00s call     tests/test_b.py::test_two[SIGINT after 1 line]\n"
        "0.25s call     tests/test_a.py::test_three\n"
        "0.01s teardown tests/test_a.py::test_three\n", encoding="utf-8")
    by_file, by_test = durations.durations(output.read_text(encoding="utf-8").splitlines())
    assert by_file == {"tests/test_a.py": 15.01, "tests/test_b.py": 3.0}
    assert durations.tables(by_file, by_test, slowest=2).splitlines() == [
        "| seconds | file |", "|---:|---|",
        "| 15.0 | `tests/test_a.py` |", "| 3.0 | `tests/test_b.py` |", "",
        "| seconds | the 2 slowest tests |", "|---:|---|",
        "| 14.8 | `test_a.py::test_one` |", "| 3.0 | `test_b.py::test_two[SIGINT after 1 line]` |"]
    empty = subprocess.run([sys.executable, str(ROOT / "tests" / "durations.py"), os.devnull],
                           capture_output=True, text=True)
    assert empty.returncode == 2 and empty.stderr.splitlines()[-1] == (
        "durations.py: error: no --durations lines in it (was pytest run with --durations=0?)")
