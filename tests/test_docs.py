"""The documentation against the code: flags, checksums, commands."""

import re

import pytest

import compare_with_article
import export_page_model
import input_data
import log_lines
import predict_digit
import tasks
import train_rnn_mnist as trm
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


SCRIPTS = [trm, compare_with_article, predict_digit, export_page_model]


def known_flags(capsys):
    """Every --flag the scripts accept, read from their --help, and pytest's own (conftest.py)."""
    flags = {"--runslow", "--browser", "--page-screenshots"}
    for script in SCRIPTS:
        with pytest.raises(SystemExit):
            script.parse_args(["--help"])
        flags |= set(re.findall(r"--[a-z][a-z-]*", capsys.readouterr().out))
    return flags


@pytest.mark.parametrize("document", ["README.md", "REPRODUCTION.md"])
def test_every_flag_the_docs_mention_exists(document, capsys):
    text = (ROOT / document).read_text(encoding="utf-8")
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))
    assert mentioned - known_flags(capsys) == set()


def test_the_docs_link_what_exists():
    for document in ("README.md", "REPRODUCTION.md"):
        text = (ROOT / document).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            assert (ROOT / target).exists(), f"{document} links to missing {target}"


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


def test_the_readmes_layout_names_the_files_that_exist():
    layout = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"^\| `([^`]+)` \|", layout, re.MULTILINE)
    assert named, "README.md has no layout table"
    for name in named:
        assert (ROOT / name).exists(), f"README.md's layout names {name}, which does not exist"
    top_level = {path.name + ("/" if path.is_dir() else "") for path in ROOT.iterdir()
                 if path.suffix in (".py", ".ipynb") or (path.is_dir() and not path.name.startswith("."))}
    untracked = {".venv/", "runs/", "checkpoints/", "__pycache__/", "mutants/"}
    assert top_level - untracked == set(named)
