"""The benchmark: its FLOP count on a hand-checked case, and its quick mode end to end (slow)."""

import importlib.util
import os
import subprocess
import sys

import pytest

import tasks
from bench import run_bench
from conftest import ROOT, make
from rnn_mnist.log_lines import parse_timing


def test_the_flop_count_of_a_small_lstm_step_by_hand():
    # Batch 2, 3 inputs, 4 hidden units, 5 timesteps. Each timestep multiplies [x, h], 2 x 7,
    # by the kernel, 7 x 16: 2 * 2 * 7 * 16 = 448 multiply-adds counted as 2 FLOPs each.
    # Backward, the gradients of [x, h] (2 x 16 by 16 x 7) and of the kernel (7 x 2 by 2 x 16)
    # are 448 each again. So 3 * 448 = 1344 per timestep, 6720 for 5 timesteps.
    assert run_bench.lstm_matmul_shapes(batch=2, inputs=3, hidden=4) == (
        (2, 7, 16), [(2, 16, 7), (7, 2, 16)])
    assert run_bench.lstm_step_flops(batch=2, inputs=3, hidden=4, timesteps=5) == 6720


def test_the_articles_step_is_1_72_gflop():
    assert run_bench.lstm_step_flops(128, 28, 128, 28) == 3 * 28 * 2 * 128 * 156 * 512


# Slow: a minute of runs (each contender, then the study's throughput at JOBS=1 and every core).
# The fast suite checks the FLOP count, the memory measure and each peer's log; CI's slow step
# runs this, and the README's test its `make bench BENCH_QUICK=1` as typed.
@pytest.mark.slow
def test_make_bench_quick_runs_every_contender_and_writes_a_report(tmp_path):
    output = tmp_path / "bench.md"
    result = subprocess.run(make("bench", "BENCH_QUICK=1", f"BENCH_OUTPUT={output}"),
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    report = output.read_text(encoding="utf-8")
    assert "20 training steps" in report
    assert "| a. train_rnn_mnist.py (default flags) |" in report
    assert "| b. Keras 3 LSTM layer |" in report
    assert "| d. floor: LSTM matrix products at NumPy BLAS speed |" in report
    torch_ran = "| c. PyTorch nn.LSTM |" in report
    assert torch_ran != ("PyTorch was skipped" in report)
    for phase in ("data", "tensorflow import", "graph", "training", "test"):
        assert f"| {phase} |" in report
    assert "## Targets" in report
    if hasattr(os, "wait4"):
        assert report.count("met: ") == 3
    else:  # Windows: two targets, and one line that memory was not measured
        assert report.count("met: ") == 2 and report.count(run_bench.NO_MEMORY) == 1
    # The study's throughput: JOBS=1 and every core, each a row with its seeds per minute.
    assert "## Throughput of the multi-seed study" in report
    assert "`make study SEEDS=2`" in report and "byte-identical in every study" in report
    assert "| 1 | " in report
    if run_bench.usable_cores() > 1:
        assert f"| {run_bench.usable_cores()} | " in report and "Speed-up on " in report


def test_where_the_system_has_no_wait4_memory_is_said_not_measured(monkeypatch):
    monkeypatch.delattr(os, "wait4")
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert run_bench.wait_measured(process) == (3, None)
    runs = [run_bench.Run(wall=1.0, peak_rss_mb=None, phases={})]
    assert run_bench.memory_spread(runs) == "-"


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="this system has no os.wait4")
def test_peak_memory_is_measured_in_megabytes_where_there_is_wait4():
    # 128 MiB of ones (1 GiB took 10 s of page faults here). The child's peak may also count
    # the pages it shared with this process before it started Python (under 1.5 GB, pytest
    # with TensorFlow): not a unit's 1024x.
    process = subprocess.Popen([sys.executable, "-c",
                                "import numpy; numpy.ones(2**27, dtype=numpy.uint8)"])
    status, peak = run_bench.wait_measured(process)
    assert status == 0 and 128 <= peak < 1700


def test_each_peer_does_the_articles_work(tmp_path):
    """The peers' logs have the article's lines; torch's only where torch is installed."""
    peers = ["keras_peer"] + (["torch_peer"] if importlib.util.find_spec("torch") else [])
    for peer in peers:
        # From another folder, as tasks.py starts them: the package found on PYTHONPATH.
        result = subprocess.run([sys.executable, "-m", f"bench.{peer}",
                                 "--training-iters", str(128 * 21)],
                                capture_output=True, text=True, cwd=tmp_path, timeout=300,
                                env=tasks.with_on_python_path(ROOT))
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].startswith("step: 10 / loss: ") and lines[1].startswith("step: 20 / ")
        assert lines[2].startswith("Test Accuracy: ")
        assert lines[3].startswith("Test Accuracy (10000 images): ")
        assert parse_timing(result.stderr.splitlines()[-1])[1] == 20
    if len(peers) == 1:
        pytest.skip("torch is not installed: the PyTorch peer was not run")
