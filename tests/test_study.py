"""make study: its SEEDS and JOBS are checked first; seeds run JOBS at a time with the same logs."""

import json
import os
import re
import shlex
import subprocess
import sys
import time

import pytest

import tasks
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


def test_the_most_seeds_a_study_runs_are_allowed():
    assert tasks.positive_whole_number("make study", "SEEDS", "10000", most=10_000) == 10_000


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


@pytest.mark.parametrize("names, first, more", [
    (["seed-10.log", "seed-9.log"], "seed-9.log", " and 1 more"),
    (["seed-12.log", "seed-10.log", "seed-100.log", "seed-11.log", "seed-9.log", "times.txt"],
     "times.txt", " and 5 more"),
], ids=["two", "six"])
def test_several_files_no_study_made_are_counted_the_shortest_name_first(names, first, more,
                                                                         tmp_path):
    """One line names the first of them in the order a person counts seeds (seed-9 before
    seed-10), and how many more there are."""
    for name in names:
        (tmp_path / name).write_text("the user's own\n", encoding="utf-8")
    with pytest.raises(tasks.TaskError) as refused:
        tasks.study_files("make study", tmp_path)
    assert str(refused.value).startswith(f"make study: {tmp_path / first}{more} in RUNS were not "
                                         "made by a study there")


@pytest.mark.parametrize("make_list, why", [
    (lambda path: path.mkdir(), "Is a directory"),
    (lambda path: path.write_bytes(b"seed-0.log\n\xff\n"),
     "'utf-8' codec can't decode byte 0xff in position 11: invalid start byte"),
], ids=["folder", "not-utf-8"])
def test_a_study_list_that_cannot_be_read_is_named_with_the_reason(make_list, why, tmp_path):
    make_list(tmp_path / ".study")
    with pytest.raises(tasks.TaskError) as refused:
        tasks.study_files("make study", tmp_path)
    assert str(refused.value) == f"make study: {tmp_path / '.study'} cannot be read ({why})"


def test_the_study_lock_names_its_holder_and_is_never_a_link(tmp_path):
    """RUNS/.lock holds the study's process id, which a second study's refusal names; a link
    in its place (to a file of the user's) is refused, not written through."""
    with tasks.lock_study_folder("make study", tmp_path) as held:
        assert (tmp_path / ".lock").read_text(encoding="utf-8") == f"{os.getpid()}\n"
        assert not held.closed
    (tmp_path / ".lock").unlink()
    (tmp_path / "notes.txt").write_text("the user's own\n", encoding="utf-8")
    (tmp_path / ".lock").symlink_to(tmp_path / "notes.txt")
    with pytest.raises(tasks.TaskError) as refused:
        tasks.lock_study_folder("make study", tmp_path)
    assert str(refused.value) == (f"make study: {tmp_path / '.lock'}: a symbolic link, which is "
                                  "not followed: refused, since a study writes only files it "
                                  "makes")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "the user's own\n"
    with pytest.raises(tasks.TaskError) as refused:
        tasks.lock_study_folder("make study", tmp_path / "gone")
    assert str(refused.value) == (f"make study: {tmp_path / 'gone' / '.lock'} cannot be written "
                                  "(No such file or directory)")


@pytest.mark.parametrize("content, holder", [("1" + "9" * 99, "1" + "9" * 63), ("", "unknown")],
                         ids=["long", "empty"])
def test_a_held_study_lock_names_at_most_64_characters_of_its_holder(content, holder, tmp_path):
    """What a lock file holds is shown, not trusted: its first 64 characters, or "unknown"."""
    with open(tmp_path / ".lock", "a+", encoding="utf-8") as held:
        safe_files.lock_exclusively(held)
        held.write(content)
        held.flush()
        with pytest.raises(tasks.TaskError) as refused:
            tasks.lock_study_folder("make study", tmp_path)
    assert str(refused.value) == (f"make study: RUNS={tmp_path} is in use by another study "
                                  f"(process {holder}): one study per folder")


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


# The study's order of work, with seeds that take a moment rather than a training's seconds: a
# stand-in for the venv's Python runs "train_rnn_mnist.py ARGS --seed S" and
# "compare_with_article.py ..." as the study calls them, and says what it was given.
STAND_IN = r'''
import json, os, sys, time
from pathlib import Path
script, *args = sys.argv[1:]
record = Path(os.environ["STAND_IN_RECORD"])
if script == "compare_with_article.py":
    (record / "compared.json").write_text(json.dumps([os.getcwd(), script, *args]))
    print("the comparison's output", flush=True)
    sys.exit(int(os.environ.get("STAND_IN_COMPARE_STATUS", "0")))
seed = args[args.index("--seed") + 1]


def wait_for_group(mark):
    """Mark this seed, then wait until each seed of its group of STAND_IN_JOBS has the mark."""
    group = int(os.environ.get("STAND_IN_JOBS", "1"))
    first = int(seed) // group * group
    (record / f"{seed}.{mark}").touch()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(
            (record / f"{other}.{mark}").exists() for other in range(first, first + group)):
        time.sleep(0.01)


# Between the two waits every seed of its group is running: the count is the group's.
(record / f"{seed}.running").touch()
wait_for_group("arrived")
running = len(list(record.glob("*.running")))
wait_for_group("counted")
(record / f"{seed}.seen").write_text(str(running))
sys.stdout.write(f"the log of seed {seed} in {os.getcwd()}: {' '.join(args)}\n")
status = int(os.environ.get(f"STAND_IN_STATUS_{seed}", "0"))
sys.stderr.write(f"the stderr of seed {seed}\n")
sys.stderr.flush()
if status:  # and a byte that is not UTF-8, as a crash can print
    sys.stderr.buffer.write(b"\xff\n")
sys.stdout.flush()
if seed == os.environ.get("STAND_IN_WAITS"):  # until STAND_IN_UNTIL exists, else it fails
    deadline = time.monotonic() + 30
    while not Path(os.environ["STAND_IN_UNTIL"]).exists():
        if time.monotonic() > deadline:
            sys.exit(3)
        time.sleep(0.01)
(record / f"{seed}.running").unlink()
sys.exit(status)
'''


# Seeds that take a moment: a study of them takes a second or two. A bug that makes the study wait
# for ever fails here in a minute, not at the suite's 300 s limit.
STAND_IN_LIMIT = pytest.mark.timeout(60)


@pytest.fixture
def stand_in_seeds(tmp_path, monkeypatch):
    """tasks.study's Python, standing in; returns the folder where it records what it did."""
    record = tmp_path / "record"
    record.mkdir()
    python = tmp_path / "python"
    python.write_text(f"#!{sys.executable}\n{STAND_IN}", encoding="utf-8")
    python.chmod(0o755)
    monkeypatch.setattr(tasks, "run_python", lambda: python)
    monkeypatch.setattr(tasks, "available_memory", lambda: 64 * 2**30)
    monkeypatch.setenv("STAND_IN_RECORD", str(record))
    return record


def study_files_in(runs):
    return sorted(path.name for path in runs.iterdir())


@STAND_IN_LIMIT
def test_a_study_makes_a_runs_folder_two_levels_deep_and_names_one_it_cannot_make(
        stand_in_seeds, tmp_path, monkeypatch, capsys):
    runs = tmp_path / "studies" / "first"
    monkeypatch.setattr(tasks, "available_memory", lambda: int(1.5 * 2**30))
    assert tasks.main(["study", f"RUNS={runs}", "SEEDS=2", "JOBS=2"]) == 0
    assert (runs / "seed-1.log").exists() and (runs / "times.txt").exists()
    assert f"{tasks.PROG} study: JOBS=2 lowered to 1: each seed takes up to 1 GB, and 1.5 GB " \
           "is free" in capsys.readouterr().err.splitlines()
    (tmp_path / "notes").write_text("a file, not a folder\n", encoding="utf-8")
    capsys.readouterr()
    assert tasks.main(["study", f"RUNS={tmp_path / 'notes' / 'runs'}", "SEEDS=1"]) != 0
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{tasks.PROG} study: RUNS={tmp_path / 'notes' / 'runs'} cannot be made (Not a "
        "directory)")


@STAND_IN_LIMIT
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_study_runs_each_seed_jobs_at_a_time_and_compares_their_logs(
        jobs, stand_in_seeds, tmp_path, monkeypatch, capsys):
    record, runs = stand_in_seeds, tmp_path / "runs"
    runs.mkdir()
    monkeypatch.chdir(tmp_path)  # the seeds run in the project's folder all the same
    earlier = ("seed-0.log", "seed-4.log", "seed-4.err", "seed-4.time", "seed-4.log.tmp")
    for name in earlier:
        (runs / name).write_text("the previous study\n", encoding="utf-8")
    (runs / ".study").write_text("".join(f"{name}\n" for name in earlier), encoding="utf-8")
    (runs / "seed-notes.txt").write_text("the user's notes\n", encoding="utf-8")
    monkeypatch.setenv("STAND_IN_JOBS", str(jobs))
    began = time.perf_counter()
    assert tasks.main(["study", f"RUNS={runs}", "SEEDS=4", f"JOBS={jobs}",
                       "ARGS=--training-iters 2560 'a b'"]) == 0
    took = time.perf_counter() - began
    out, err = capsys.readouterr()
    # JOBS seeds ran at once, never more.
    assert [(record / f"{seed}.seen").read_text() for seed in range(4)] == [str(jobs)] * 4
    made = [f"seed-{seed}.{kind}" for seed in range(4) for kind in ("err", "log", "time")]
    assert study_files_in(runs) == sorted([".lock", ".study", "seed-notes.txt", "times.txt",
                                           *made])
    for seed in range(4):
        assert (runs / f"seed-{seed}.log").read_text(encoding="utf-8") == \
            f"the log of seed {seed} in {tasks.ROOT}: --training-iters 2560 a b --seed {seed}\n"
        assert (runs / f"seed-{seed}.err").read_text(encoding="utf-8") == \
            f"the stderr of seed {seed}\n"
        assert re.fullmatch(rf"seed {seed}: \d+\.\d{{3}} s wall time\n",
                            (runs / f"seed-{seed}.time").read_text(encoding="utf-8"))
    # times.txt is the seeds' times in seed order; each was printed as its seed ended.
    assert (runs / "times.txt").read_text(encoding="utf-8") == "".join(
        (runs / f"seed-{seed}.time").read_text(encoding="utf-8") for seed in range(4))
    printed = [line for line in out.splitlines() if line.startswith("seed ")]
    assert sorted(printed) == (runs / "times.txt").read_text(encoding="utf-8").splitlines()
    # The list names this study's files and the ones it may make, and none of the user's.
    assert (runs / ".study").read_text(encoding="utf-8") == "".join(
        f"{name}\n" for name in sorted([*made, *(f"seed-{seed}.log.tmp" for seed in range(4)),
                                        "study.png", "times.txt"]))
    assert json.loads((record / "compared.json").read_text()) == [
        str(tasks.ROOT), "compare_with_article.py", str(runs / "seed-*.log"), "--plot",
        str(runs / "study.png")]
    lines = err.splitlines()
    prog = f"{tasks.PROG} study"
    assert lines[0] == f"{prog}: 4 seeds, {jobs} at a time"
    started = [line for line in lines if " started (" in line]
    assert [line.split(" started")[0] for line in started] == [
        f"{prog}: seed {seed}" for seed in range(4)]
    assert re.fullmatch(rf"{prog}: seed 0 started \(0 of 4 done, \d+ s\)", started[0])
    done = [line for line in lines if " done (" in line]
    assert [re.fullmatch(rf"{prog}: seed \d done \((\d) of 4 done, \d+ s\)", line)[1]
            for line in done] == ["1", "2", "3", "4"]
    # Each line's seconds are the time since the study began (or the seed's own wall time), at most
    # what this test measured.
    assert all(int(re.search(r"(\d+) s\)$", line)[1]) <= took + 1 for line in started + done)
    assert all(float(line.split()[2]) <= took for line in printed)
    assert lines[-1] == shlex.join([str(record.parent / "python"), "compare_with_article.py",
                                    str(runs / "seed-*.log"), "--plot", str(runs / "study.png")])


@STAND_IN_LIMIT
def test_each_seeds_time_is_out_before_the_comparison_prints_through_a_pipe(stand_in_seeds,
                                                                            tmp_path):
    """Into a pipe (make study > study.txt), Python holds what it prints until its buffer is
    full: the study's lines would come after the comparison's output, or at its exit."""
    code = ("import sys\nfrom pathlib import Path\nimport tasks\n"
            f"tasks.run_python = lambda: Path({str(stand_in_seeds.parent / 'python')!r})\n"
            "tasks.available_memory = lambda: 64 * 2**30\n"
            f"sys.exit(tasks.main(['study', 'RUNS={tmp_path / 'runs'}', 'SEEDS=2', 'JOBS=1']))\n")
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env=buffered)  # as a user's Python runs
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["seed 0", "seed 1",
                                                      "the comparison's output"]


@STAND_IN_LIMIT
def test_a_study_ends_with_the_comparisons_status(stand_in_seeds, tmp_path, monkeypatch):
    monkeypatch.setenv("STAND_IN_COMPARE_STATUS", "3")
    assert tasks.main(["study", f"RUNS={tmp_path / 'runs'}", "SEEDS=1"]) == 3


@STAND_IN_LIMIT
def test_a_failed_seed_starts_no_more_lets_the_running_finish_and_keeps_the_earlier_study(
        stand_in_seeds, tmp_path, monkeypatch, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "seed-5.log").write_text("the previous study\n", encoding="utf-8")
    (runs / ".study").write_text("seed-5.log\n", encoding="utf-8")
    monkeypatch.setenv("STAND_IN_STATUS_0", "1")
    monkeypatch.setenv("STAND_IN_WAITS", "1")  # still running when the study has seen seed 0 fail
    monkeypatch.setenv("STAND_IN_UNTIL", str(runs / "seed-0.err"))
    assert tasks.main(["study", f"RUNS={runs}", "SEEDS=4", "JOBS=2"]) == 1
    out, err = capsys.readouterr()
    assert sorted(path.name for path in stand_in_seeds.glob("*.seen")) == ["0.seen", "1.seen"]
    assert study_files_in(runs) == [".lock", ".study", "seed-0.err", "seed-1.err", "seed-1.log",
                                    "seed-1.time", "seed-5.log"]
    assert (runs / "seed-5.log").read_text(encoding="utf-8") == "the previous study\n"
    assert "the stderr of seed 0\n\ufffd\n" in err and "the stderr of seed 1" not in err
    assert f"{tasks.PROG} study: seed 0 failed; its stderr is above and in " \
           f"{runs / 'seed-0.err'}\n" in err
    assert not (stand_in_seeds / "compared.json").exists() and "Verdict" not in out


@STAND_IN_LIMIT
def test_a_seed_that_ends_makes_room_for_the_next_while_a_slower_one_runs(
        stand_in_seeds, tmp_path, monkeypatch):
    monkeypatch.setenv("STAND_IN_WAITS", "0")  # until seed 2 has started beside it
    monkeypatch.setenv("STAND_IN_UNTIL", str(stand_in_seeds / "2.arrived"))
    runs = tmp_path / "runs"
    assert tasks.main(["study", f"RUNS={runs}", "SEEDS=3", "JOBS=2"]) == 0
    assert sorted(path.name for path in runs.glob("*.log")) == [
        "seed-0.log", "seed-1.log", "seed-2.log"]


@STAND_IN_LIMIT
def test_ctrl_c_lets_the_running_seeds_end_starts_no_more_and_shows_no_stderr(
        stand_in_seeds, tmp_path, monkeypatch, capsys):
    runs = tmp_path / "runs"
    sleep = tasks.time.sleep
    interrupts = iter([KeyboardInterrupt])

    def ctrl_c_once(seconds):
        if (error := next(interrupts, None)) is not None:
            raise error
        sleep(seconds)

    monkeypatch.setattr(tasks.time, "sleep", ctrl_c_once)
    monkeypatch.setenv("STAND_IN_STATUS_0", "130")  # seed 0 stops; seed 1 had ended its run
    assert tasks.main(["study", f"RUNS={runs}", "SEEDS=4", "JOBS=2"]) == 130
    err = capsys.readouterr().err
    assert study_files_in(runs) == [".lock", ".study", "seed-0.err", "seed-1.err", "seed-1.log",
                                    "seed-1.time"]
    assert "the stderr of seed" not in err and "failed" not in err
    assert err.splitlines()[-1].endswith("the seeds that had finished replaced their logs in "
                                         f"{runs}; nothing else there was removed")


@STAND_IN_LIMIT
@pytest.mark.parametrize("made", ["seed-1.log.tmp", "seed-1.time", "times.txt"])
def test_a_file_of_the_study_that_cannot_be_written_ends_it_in_one_line(
        made, stand_in_seeds, tmp_path, capsys):
    runs = tmp_path / "runs"
    (runs / made).mkdir(parents=True)  # a folder where the study writes a file
    (runs / ".study").write_text(f"{made}\n", encoding="utf-8")
    status = tasks.main(["study", f"RUNS={runs}", "SEEDS=2", "JOBS=1"])
    err = capsys.readouterr().err
    prog = f"{tasks.PROG} study"
    if made == "times.txt":
        assert status == 2 and err.splitlines()[-1] == \
            f"{prog}: {runs / 'times.txt'} cannot be written (Is a directory)"
        return
    assert status == 1 and not (runs / "seed-1.log").exists()
    assert (runs / "seed-0.log").exists() and not (runs / "times.txt").exists()
    if made == "seed-1.log.tmp":
        assert err.splitlines()[-1] == \
            f"{prog}: {runs / 'seed-1.log'}.tmp cannot be written (Is a directory)"
    else:
        assert err.splitlines()[-1] == \
            f"{prog}: seed 1's files in {runs} cannot be written (Is a directory)"
        assert sorted(path.name for path in runs.glob("seed-1*")) == ["seed-1.err", "seed-1.time"]


def test_only_the_listed_files_of_other_seeds_are_removed_not_a_folder_or_a_link(tmp_path):
    """A name on the list that is now a folder, or a link to the user's file, is left alone."""
    runs = tmp_path / "runs"
    (runs / "seed-5.log").mkdir(parents=True)
    (tmp_path / "mine.txt").write_text("the user's", encoding="utf-8")
    (runs / "seed-6.log").symlink_to(tmp_path / "mine.txt")
    for name in ("seed-7.log", "seed-1.log"):
        (runs / name).write_text("a study's", encoding="utf-8")
    listed = {"seed-5.log", "seed-6.log", "seed-7.log", "seed-1.log", "times.txt"}
    assert tasks.remove_other_seeds(runs, 2, listed) == {"seed-1.log", "times.txt"}
    assert study_files_in(runs) == ["seed-1.log", "seed-5.log", "seed-6.log"]
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "the user's"
