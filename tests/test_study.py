"""make study: its SEEDS and JOBS are checked first; seeds run JOBS at a time with the same logs."""

import subprocess

import pytest

import train_rnn_mnist as trm
from conftest import MAKE_PROG, ROOT, make, run_main
from rnn_mnist import safe_files

TINY_STUDY_ARGS = "--training-iters 2560"  # 20 steps


def make_study(runs, *settings, timeout=600):
    return subprocess.run(make("study", f"RUNS={runs}", *settings),
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("setting", ["SEEDS=0", "SEEDS=abc", "SEEDS=-3", "SEEDS=2.5", "SEEDS=",
                                     "JOBS=0", "JOBS=two", "JOBS="])
def test_a_bad_seeds_or_jobs_count_is_refused_and_the_previous_study_is_kept(setting, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "seed-0.log").write_text("the previous study\n", encoding="utf-8")
    result = make_study(runs, setting, timeout=120)
    assert result.returncode != 0
    name, value = setting.split("=")
    assert f"{MAKE_PROG} study: {name} must be a positive whole number, not '{value}'" in \
        result.stderr
    assert (runs / "seed-0.log").read_text(encoding="utf-8") == "the previous study\n"


def test_more_seeds_than_a_study_can_run_are_refused_before_any_memory_is_taken(tmp_path):
    """Issue 33: SEEDS=100000000000 was a MemoryError traceback."""
    result = make_study(tmp_path / "runs", "SEEDS=100000000000", timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"{MAKE_PROG} study: SEEDS must be at most 10,000, not 100,000,000,000" in \
        result.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("runs", ["", " "], ids=["empty", "blank"])
def test_an_empty_runs_is_refused_rather_than_the_project_folder_studied_into(runs):
    """Issue 33: `make study RUNS=` studied into the repository's folder, and removed the
    user's seed-5.log there."""
    before = sorted(path.name for path in ROOT.iterdir())
    result = subprocess.run(make("study", f"RUNS={runs}"), cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert f"{MAKE_PROG} study: RUNS is empty: name the folder the study writes into " \
           "(RUNS=runs when it is not given)" in result.stderr
    assert sorted(path.name for path in ROOT.iterdir()) == before


@pytest.mark.parametrize("name", ["seed-5.log", "seed-0.log", "times.txt"])
def test_files_of_a_studys_names_that_no_study_made_are_neither_replaced_nor_removed(name,
                                                                                     tmp_path):
    """Issue 33: a study removed any seed-N.log above its SEEDS, and replaced the others."""
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / name).write_text("the user's own\n", encoding="utf-8")
    result = make_study(runs, "SEEDS=2", timeout=120)
    assert result.returncode != 0
    assert (f"{MAKE_PROG} study: {runs / name} in RUNS were not made by a study there, and a "
            "study replaces and compares every seed-*.log in its folder: move them, or choose "
            "another RUNS") in result.stderr
    assert (runs / name).read_text(encoding="utf-8") == "the user's own\n"
    assert sorted(path.name for path in runs.iterdir()) == [".lock", name]


def test_a_second_study_on_a_folder_in_use_is_refused(tmp_path):
    """Issue 33: two studies on one RUNS mixed their seeds, and the second ended in a
    FileNotFoundError traceback. The first holds RUNS/.lock, as the checkpoints' runs do."""
    runs = tmp_path / "runs"
    runs.mkdir()
    with open(runs / ".lock", "a+", encoding="utf-8") as held:
        safe_files.lock_exclusively(held)
        held.write("4242\n")
        held.flush()
        result = make_study(runs, "SEEDS=2", timeout=120)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert (f"{MAKE_PROG} study: RUNS={runs} is in use by another study (process 4242): one "
            "study per folder") in result.stderr
    assert sorted(path.name for path in runs.iterdir()) == [".lock"]


def test_seeds_run_in_parallel_give_the_logs_of_seeds_run_one_at_a_time(tiny_npz, tmp_path):
    runs = tmp_path / "jobs-2"
    result = make_study(runs, "SEEDS=2", "JOBS=2", f"ARGS=--data {tiny_npz} {TINY_STUDY_ARGS}")
    assert result.returncode == 0, result.stderr
    logs = sorted(path.name for path in runs.glob("*.log*"))
    assert logs == ["seed-0.log", "seed-1.log"]
    # Every seed's wall time, in seed order, as the study printed them.
    times = (runs / "times.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split(":")[0] for line in times] == ["seed 0", "seed 1"]
    assert all(line.endswith(" s wall time") for line in times)
    assert sorted(times) == sorted(line for line in result.stdout.splitlines()
                                   if line.startswith("seed "))
    assert "Verdict" in result.stdout and (runs / "study.png").exists()
    # The same seeds run one at a time, here in this process (the studies of JOBS=1 below run
    # theirs one at a time through make): each log byte for byte.
    alone = [run_main(trm.main, "--data", tiny_npz, *TINY_STUDY_ARGS.split(), "--seed", seed)
             for seed in ("0", "1")]
    assert [run.returncode for run in alone] == [0, 0]
    assert alone[0].stdout != alone[1].stdout
    assert [(runs / name).read_text(encoding="utf-8") for name in logs] == [
        run.stdout for run in alone]


def test_a_failing_seed_stops_the_study_shows_its_stderr_and_leaves_no_log(tiny_npz, tmp_path):
    # Diverges after a few logged steps, so that its stdout is a log cut short.
    runs = tmp_path / "runs"
    result = make_study(runs, "SEEDS=3", "JOBS=1",
                        f"ARGS=--data {tiny_npz} --training-iters 1312 --batch-size 32 "
                        "--display-step 1 --learning-rate 1e38 --test-len 8")
    assert result.returncode != 0
    assert "train_rnn_mnist.py: error: the loss is" in result.stderr
    assert f"{MAKE_PROG} study: seed 0 failed; its stderr is above and in" in result.stderr
    assert (runs / "seed-0.err").exists()
    assert list(runs.glob("*.log*")) == []
    assert not (runs / "seed-1.err").exists()  # no seed was started after the failure
    assert "Verdict" not in result.stdout


def test_an_earlier_study_is_replaced_only_once_this_one_succeeds(tiny_npz, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    earlier = ("seed-0.log", "seed-5.log", "seed-5.err", "seed-5.time")
    for name in earlier:
        (runs / name).write_text("the previous study\n", encoding="utf-8")
    (runs / ".study").write_text("".join(f"{name}\n" for name in earlier), encoding="utf-8")
    (runs / "seed-notes.txt").write_text("the user's notes\n", encoding="utf-8")
    failing = make_study(runs, "SEEDS=2", "JOBS=1",
                         f"ARGS=--data {tiny_npz} {TINY_STUDY_ARGS} --learning-rate 1e38")
    assert failing.returncode != 0
    assert sorted(path.name for path in runs.iterdir()) == [
        ".lock", ".study", "seed-0.err", "seed-0.log", "seed-5.err", "seed-5.log", "seed-5.time",
        "seed-notes.txt"]
    assert (runs / "seed-0.log").read_text(encoding="utf-8") == "the previous study\n"

    result = make_study(runs, "SEEDS=2", "JOBS=2", f"ARGS=--data {tiny_npz} {TINY_STUDY_ARGS}")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in runs.iterdir()) == [
        ".lock", ".study", "seed-0.err", "seed-0.log", "seed-0.time", "seed-1.err", "seed-1.log",
        "seed-1.time", "seed-notes.txt", "study.png", "times.txt"]
    # The list names what the next study may replace: this one's files, not the user's notes.
    assert "seed-notes.txt" not in (runs / ".study").read_text(encoding="utf-8").split()
    assert {"seed-0.log", "seed-1.log", "study.png", "times.txt"} <= set(
        (runs / ".study").read_text(encoding="utf-8").split())
    # The comparison got the logs as one word, which it expanded: 2 runs.
    assert "article vs 2 runs" in result.stdout
