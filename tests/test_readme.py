"""The README, run as written: a fresh clone follows its commands in order, as a reader would.

Every ```sh block of README.md is read from the README itself and run line by line, in the
README's order, in a fresh clone of the repository with no venv, each command as the reader
types it into bash. Each command's effect is then checked the way a reader would check it;
a command this file has no particular check for must at least succeed. Not run: `make test`
(this test is part of it) and the blocks whose first line says "# not run by the README test".
README.ja.md must give the same commands, so this is its test too.

The run takes a fresh venv and several full trainings, so it is slow: CI's slow step runs it.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

import photo_digits
from conftest import ROOT, run_script
from rnn_mnist import log_lines
from test_lock import for_this_system, frozen

NOT_RUN = "# not run by the README test"
NEVER_RUN = {"make test"}


@dataclass
class Command:
    text: str  # as the reader types it, without its comment
    comment: str


def sh_blocks(markdown):
    """The ```sh blocks of a Markdown text, as lists of lines."""
    return [block.splitlines() for block in re.findall(r"^```sh\n(.*?)^```$", markdown,
                                                        flags=re.DOTALL | re.MULTILINE)]


def block_commands(block):
    """The commands of one ```sh block, without comment lines and trailing comments."""
    found = []
    for line in block:
        text, _, comment = line.partition(" #")
        if text.strip() and not line.lstrip().startswith("#"):
            found.append(Command(text.strip(), comment.strip()))
    return found


def commands(markdown):
    """The commands a reader runs, in order: ```sh blocks, but those marked not to be run."""
    return [command for block in sh_blocks(markdown)
            if not (block and block[0].startswith(NOT_RUN))
            for command in block_commands(block)]


def all_commands(markdown):
    return [command.text for block in sh_blocks(markdown) for command in block_commands(block)]


def shown_log(markdown):
    """The log the README shows, its first ```text block: its head and tail lines."""
    block = re.search(r"^```text\n(.*?)^```$", markdown,
                      flags=re.DOTALL | re.MULTILINE).group(1).splitlines()
    cut = block.index("...")
    return block[:cut], block[cut + 1:]


def test_the_readme_marks_what_it_does_not_run_and_the_test_runs_the_rest():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    run = [command.text for command in commands(readme)]
    assert "make run" in run and "make run > run.log" in run
    assert any(text.startswith("make compare ") for text in run)
    assert 'make predict ARGS="--test-index 0"' in run  # right after make run, no training
    assert any(re.fullmatch(r"make study SEEDS=\d+", text) for text in run)
    assert "make bench BENCH_QUICK=1" in run
    not_run = [text for text in all_commands(readme) if text not in run]
    assert {"make notebook", "make tensorboard LOGDIR=runs/tb"} <= set(not_run)


@pytest.mark.parametrize("name", ["README.md", "README.ja.md"])
def test_every_command_is_a_make_target_so_that_windows_types_the_same_words(name):
    """On Windows each `make X ...` is `py tasks.py X ...`: no venv path, no Unix tool."""
    import tasks

    for text in all_commands((ROOT / name).read_text(encoding="utf-8")):
        words = text.split()
        assert words[0] == "make" and words[1] in tasks.COMMANDS, f"{name}: `{text}`"


def test_the_readme_shows_the_golden_log_and_the_verdict_compare_prints_for_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    golden = (ROOT / "tests" / "golden" / "seed-0.log").read_text(encoding="utf-8").splitlines()
    head, tail = shown_log(readme)
    assert golden[:len(head)] == head and golden[-len(tail):] == tail
    shown_verdict = re.search(r"^Verdict: .*$", readme, flags=re.MULTILINE).group(0)
    result = run_script("compare_with_article.py", ROOT / "tests" / "golden" / "seed-0.log")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == shown_verdict


def test_the_japanese_readme_gives_the_same_commands_in_the_same_order():
    english, japanese = [(ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "README.ja.md")]
    missing = [text for text in all_commands(english) if text not in all_commands(japanese)]
    assert not missing, f"README.ja.md lacks these commands of README.md: {missing}"
    # The same commands run, so that the test of README.md is the test of README.ja.md too.
    assert [command.text for command in commands(japanese)] == \
        [command.text for command in commands(english)]
    assert [command.text for command in commands(japanese) if "Ctrl-C" in command.comment] == \
        [command.text for command in commands(english) if "Ctrl-C" in command.comment]
    assert shown_log(japanese) == shown_log(english)


def test_the_readmes_link_to_each_other():
    assert "(README.ja.md)" in (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "(README.md)" in (ROOT / "README.ja.md").read_text(encoding="utf-8").split("\n## ", 1)[0]


# ---------------------------------------------------------------------------------------------
# Running the README


def reader_environment():
    """The environment of a reader's shell: nothing of this test's venv, make or pytest."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MAKELEVEL", "MFLAGS",
                          "PYTEST_CURRENT_TEST", "PYTHONHOME"}}
    env["PATH"] = os.pathsep.join(part for part in env.get("PATH", "").split(os.pathsep)
                                  if ".venv" not in part)
    return env


def run_in_bash(text, clone, timeout=1800):
    return subprocess.run(["bash", "-c", f"set -o pipefail\n{text}"], cwd=clone,
                          env=reader_environment(), capture_output=True, text=True,
                          timeout=timeout)


def my_digit_photo(path):
    """What a reader has: a phone photo of their digit. Here it is test image 0 (a 7) in blue
    ballpoint on grey paper, photographed by tests/photo_digits.py: tilted, off-centre, lit
    unevenly, blurred, noisy, JPEG."""
    with np.load(ROOT / "data" / "mnist.npz") as mnist:
        digit = mnist["x_test"][0]
    photo_digits.photograph(photo_digits.digit_coverage(digit, 240), (30, 50, 160),
                            (190, 192, 195), np.random.default_rng(0)).save(path)


def is_png(path):
    return path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="the README's sh blocks are for bash")
def test_a_fresh_clone_follows_the_readme_command_by_command(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    assert not (clone / ".venv").exists()
    my_digit_photo(clone / "my_digit.jpg")
    head, tail = shown_log(readme)
    article_steps = log_lines.parse_log_text(
        (ROOT / "data" / "article_log.txt").read_text(encoding="utf-8"), "article").steps
    logs = {}  # what each run printed, by the log file or command that holds it

    for command in commands(readme):
        text = command.text
        if text in NEVER_RUN:
            continue
        what = f"README command `{text}`"
        result = run_in_bash(text, clone)
        assert result.returncode == 0, f"{what}: exit {result.returncode}\n{result.stderr[-3000:]}"

        if text == "make run":
            # stdout is the log alone, on the first run too, when the venv is made.
            assert "make: installing" in result.stderr
            log = log_lines.parse_log_text(result.stdout, what)
            assert log.steps == article_steps and log.full_test_count == 10000
            logs["make run"] = result.stdout
            # The venv holds the locked set, exactly.
            assert frozen(clone / ".venv" / "bin" / "python") == \
                for_this_system("requirements.txt")
            # The model is kept, and the last line says where.
            assert (clone / "runs" / "article" / "LATEST").is_file()
            assert "runs/article" in result.stderr.splitlines()[-1]
        elif match := re.fullmatch(r"make run > (\S+)", text):
            saved = (clone / match.group(1)).read_text(encoding="utf-8")
            assert saved == logs["make run"], f"{what}: another log than `make run` printed"
            lines = saved.splitlines()
            assert lines[:len(head)] == head and lines[-len(tail):] == tail, \
                f"{what}: the log differs from the one the README shows"
            logs[match.group(1)] = saved
        elif match := re.fullmatch(r'make compare ARGS="(\S+) --plot (\S+)"', text):
            assert match.group(1) in logs
            assert result.stdout.startswith("Verdict: ") and is_png(clone / match.group(2))
        elif match := re.fullmatch(r"make study SEEDS=(\d+)", text):
            seeds = int(match.group(1))
            runs = clone / "runs"
            assert sorted(path.name for path in runs.glob("seed-*.log")) == \
                [f"seed-{seed}.log" for seed in range(seeds)]
            assert (runs / "seed-0.log").read_text(encoding="utf-8") == logs["run.log"]
            assert len((runs / "times.txt").read_text(encoding="utf-8").splitlines()) == seeds
            assert "Verdict" in result.stdout and is_png(runs / "study.png")
            assert f"seed 0 done (1 of {seeds} done" in result.stderr or \
                f"seed 1 done (1 of {seeds} done" in result.stderr
        elif match := re.search(r'my_digit\.jpg --show-preprocessing (\S+)"$', text):
            assert "Predicted digit: 7" in result.stdout and is_png(clone / match.group(1))
        elif text == 'make predict ARGS="--test-index 0"':
            assert "Predicted digit: 7" in result.stdout
        elif match := re.search(r'--test-index 0 --rows-gif (\S+)"$', text):
            assert "Predicted digit: 7" in result.stdout
            with Image.open(clone / match.group(1)) as gif:
                assert gif.format == "GIF" and gif.n_frames == 28
        elif match := re.search(r'make export-page ARGS="--output (\S+) --overwrite"', text):
            # The model make run kept, written where the page reads it.
            assert "float32Base64" in (clone / match.group(1)).read_text(encoding="utf-8")
        elif match := re.fullmatch(r'make run ARGS="--logdir (\S+)"', text):
            assert result.stdout == logs["run.log"]  # the same log, with event files beside it
            assert list((clone / match.group(1)).glob("events.out.tfevents.*"))
        elif text == "make bench BENCH_QUICK=1":
            assert (clone / "runs" / "bench-quick.md").exists()
