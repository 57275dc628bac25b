"""compare_with_article.py: parsing, statistics on hand-made logs, the plot, bad input."""

import time

import numpy as np
import pytest
from PIL import Image

import compare_with_article as compare
from conftest import ROOT, figure_drawn_by, font_points, run_script
from rnn_mnist import log_lines

ARTICLE = log_lines.parse_log(ROOT / "data" / "article_log.txt")


def squash(text):
    """Text with every run of spaces made one, so tests need not count column padding."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def write_log(path, losses, accuracies, test_accuracy=None, full_test_accuracy=None, every=10):
    """A log as train_rnn_mnist.py prints it, from the trainer's own line formats."""
    lines = [log_lines.format_log_line(every * (index + 1), loss, acc)
             for index, (loss, acc) in enumerate(zip(losses, accuracies))]
    if test_accuracy is not None:
        lines.append(log_lines.TEST_LINE_FORMAT.format(test_accuracy))
    if full_test_accuracy is not None:
        lines.append(log_lines.FULL_TEST_LINE_FORMAT.format(10000, full_test_accuracy))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def article_like_log(path, loss_offset=0.0, test_accuracy=0.96875, full_test_accuracy=0.9612):
    """The article's curve shifted by `loss_offset`, with our two test lines."""
    losses = [loss + loss_offset for loss in ARTICLE.losses]
    return write_log(path, losses, ARTICLE.accuracies, test_accuracy, full_test_accuracy)


def stopped_log(path, loss_offset=0.0):
    """An article-like log cut before its two test lines, as a run stopped during training."""
    whole = article_like_log(path, loss_offset)
    whole.write_text("".join(whole.read_text(encoding="utf-8").splitlines(keepends=True)[:-2]),
                     encoding="utf-8")
    return whole


def test_the_article_log_parses():
    assert ARTICLE.steps == list(range(10, 790, 10))
    assert ARTICLE.losses[0] == 1.751291 and ARTICLE.accuracies[0] == 0.42969
    assert ARTICLE.losses[-1] == 0.078913 and ARTICLE.accuracies[-1] == 0.96094
    assert ARTICLE.test_accuracy == 0.984375
    assert ARTICLE.full_test_accuracy is None


def test_a_synthetic_log_parses(tmp_path):
    path = write_log(tmp_path / "run.log", [2.5, 1.25, 0.5], [0.1, 0.5, 0.875],
                     test_accuracy=np.float32(0.9921875), full_test_accuracy=0.96124)
    log = log_lines.parse_log(path)
    assert log.steps == [10, 20, 30]
    assert log.losses == [2.5, 1.25, 0.5]
    assert log.accuracies == [0.1, 0.5, 0.875]
    assert log.test_accuracy == 0.9921875
    assert (log.full_test_count, log.full_test_accuracy) == (10000, 0.9612)


def test_the_table_for_one_run(tmp_path, capsys):
    compare.main([str(article_like_log(tmp_path / "run.log", loss_offset=0.01))])
    out = capsys.readouterr().out
    # After the verdict and a blank line: the table's title, its header and its rows.
    rows = {line.split()[0]: line.split() for line in out.splitlines()[3:12]}
    assert list(rows) == ["step", "100", "200", "300", "400", "500", "600", "700", "780"]
    # step, article loss, run loss, article acc, run acc
    assert rows["100"] == ["100", "0.553710", "0.563710", "0.86719", "0.86719"]
    assert rows["780"] == ["780", "0.078913", "0.088913", "0.96094", "0.96094"]
    assert "first 128 images  0.984375  0.96875" in out
    assert "whole test set           -   0.9612" in out
    assert "mean |loss - article's loss| over the last 200 steps: 0.0100" in out
    assert "at least the article's 0.984375: 0 of 1 (0%)" in out


def test_the_table_for_several_runs_gives_mean_and_std(tmp_path, capsys):
    logs = [article_like_log(tmp_path / "a.log", 0.01, 0.984375, 0.9600),
            article_like_log(tmp_path / "b.log", 0.03, 0.96875, 0.9700),
            article_like_log(tmp_path / "c.log", 0.05, 1.0, 0.9800)]
    compare.main([str(path) for path in logs])
    out = squash(capsys.readouterr().out)
    assert "article vs 3 runs (mean ± std)" in out
    # Offsets 0.01, 0.03, 0.05: mean 0.03 above the article, sample std 0.02.
    assert "\n100 0.553710 0.583710 ± 0.020000 0.86719 0.86719 ± 0.00000\n" in out
    # 128 images: 126, 124 and 128 of 128 -> mean 0.984375, std 0.015625.
    assert "\nfirst 128 images 0.984375 0.9844 ± 0.0156 0.96875 .. 1.0 3 of 3\n" in out
    assert "0.9700 ± 0.0100" in out and "0.9600 .. 0.9800" in out
    assert "mean |loss - article's loss| over the last 200 steps: 0.0300 ± 0.0200" in out
    # Our runs differ from each other by 0.02, 0.04 and 0.02: mean 0.0267.
    assert "the same between our runs, two by two: 0.0267" in out
    assert "at least the article's 0.984375: 2 of 3 (67%)" in out
    for path in logs:
        assert str(path) in out


def test_rows_are_every_100th_step_and_the_last():
    assert compare.table_steps(list(range(10, 790, 10))) == [100, 200, 300, 400, 500, 600, 700,
                                                             780]
    assert compare.table_steps([2, 4, 6]) == [6]


def test_logs_with_other_steps_compare_on_the_steps_they_share(tmp_path, capsys):
    short = write_log(tmp_path / "short.log", [1.0, 0.5], [0.5, 0.75], every=100)
    compare.main([str(short)])
    out = squash(capsys.readouterr().out)
    assert "\n200 0.232232 0.500000 0.92188 0.75000\n" in out
    # No test lines in the log: shown as missing, not as zero.
    assert "\nfirst 128 images 0.984375 -\n" in out


def test_moving_average_is_centred_and_drops_the_ends():
    steps, values = compare.moving_average(np.array([1, 2, 3, 4, 5]),
                                           np.array([0.0, 3.0, 6.0, 9.0, 12.0]), 3)
    assert steps.tolist() == [2, 3, 4]
    assert values.tolist() == [3.0, 6.0, 9.0]


@pytest.mark.parametrize("count", [1, 3])
def test_the_plot_is_a_real_png(tmp_path, count, capsys):
    logs = [str(article_like_log(tmp_path / f"{index}.log", 0.05 * (index + 1)))
            for index in range(count)]
    plot = tmp_path / "curves.png"
    compare.main([*logs, "--plot", str(plot)])
    assert capsys.readouterr().out.endswith(f"\n\nPlot written to {plot}\n")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(plot) as image:
        assert image.width >= 800 and image.height >= 300
        pixels = np.asarray(image.convert("RGB"))
    # Curves in red and blue on white, not a blank canvas.
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    reddish = (pixels[..., 0] > 150) & (pixels[..., 1] < 100) & (pixels[..., 2] < 100)
    bluish = (pixels[..., 2] > 150) & (pixels[..., 0] < 100)
    assert reddish.sum() > 500 and bluish.sum() > 500


def write_text(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def write_bytes(path, data):
    path.write_bytes(data)
    return path


BAD_LOGS = [
    ("missing", lambda tmp: tmp / "nowhere.log", "no such file"),
    ("folder", lambda tmp: tmp, "a folder, not a log file"),
    ("empty", lambda tmp: write_text(tmp / "empty.log", ""), "empty file"),
    ("blank", lambda tmp: write_text(tmp / "blank.log", "\n\n"), "empty file"),
    ("no step lines", lambda tmp: write_text(tmp / "test_only.log", "Test Accuracy: 0.96875\n"),
     "no step lines (expected lines like 'step: 10 / loss: 1.751291 / acc: 0.42969')"),
    ("garbled step", lambda tmp: write_text(
        tmp / "garbled.log", "step: 10 / loss: 1.751291 / acc: 0.42969\nstep: 20 / loss: 1.5x\n"),
     "line 2: not a line of train_rnn_mnist.py's log: 'step: 20 / loss: 1.5x'"),
    ("steps out of order", lambda tmp: write_text(
        tmp / "order.log",
        "step: 20 / loss: 1.000000 / acc: 0.50000\nstep: 10 / loss: 0.900000 / acc: 0.60000\n"),
     "line 2: step 10 comes after step 20"),
    ("a step repeated", lambda tmp: write_text(
        tmp / "twice.log",
        "step: 10 / loss: 1.000000 / acc: 0.50000\nstep: 10 / loss: 1.000000 / acc: 0.50000\n"),
     "line 2: step 10 comes after step 10"),
    ("not a log", lambda tmp: write_text(tmp / "run.err", "train_rnn_mnist.py: seed 0\n"),
     "line 1: not a line of train_rnn_mnist.py's log"),
    ("binary", lambda tmp: write_bytes(tmp / "data.bin", b"\xff\xfe\x00"), "cannot be read"),
    ("step cut mid-number", lambda tmp: write_text(
        tmp / "cut.log", "step: 10 / loss: 1.751291 / acc: 0.42969\nstep: 20 / loss: 1.554639 / "
        "acc: 0.9\n"), "line 2: not a line of train_rnn_mnist.py's log"),
    ("test line cut off", lambda tmp: write_text(
        tmp / "cut.log", "step: 10 / loss: 1.751291 / acc: 0.42969\nTest Accuracy: 0.98"),
     "line 2: cut off (no newline at the end of the file: was the run still writing?)"),
]


def test_a_blank_line_within_a_log_is_passed_over_not_the_end_of_it():
    """A log pasted from the article's page, or edited by hand, can have an empty line between
    its steps: the steps after it are read too."""
    log = log_lines.parse_log_text("step: 10 / loss: 1.751291 / acc: 0.42969\n\n"
                                   "step: 20 / loss: 1.554639 / acc: 0.46875\n"
                                   "Test Accuracy: 0.96875\n", "pasted.log")
    assert log.steps == [10, 20] and log.test_accuracy == 0.96875


@pytest.mark.parametrize("make_log, complaint", [case[1:] for case in BAD_LOGS],
                         ids=[case[0] for case in BAD_LOGS])
def test_a_bad_log_is_one_clear_line(make_log, complaint, tmp_path):
    path = make_log(tmp_path)
    result = run_script("compare_with_article.py", path, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"compare_with_article.py: error: {path}")
    assert complaint in result.stderr


@pytest.mark.parametrize("make_log, complaint", [case[1:] for case in BAD_LOGS],
                         ids=[case[0] for case in BAD_LOGS])
def test_a_bad_log_is_named_with_its_line_in_process(make_log, complaint, tmp_path):
    path = make_log(tmp_path)
    with pytest.raises(log_lines.LogError) as refused:
        log_lines.parse_log(path)
    assert str(refused.value).startswith(str(path)) and complaint in str(refused.value)


def test_a_long_bad_line_is_shown_cut_to_60_characters(tmp_path):
    line = "x" * 61
    with pytest.raises(log_lines.LogError) as refused:
        log_lines.parse_log(write_text(tmp_path / "long.log", line + "\n"))
    assert str(refused.value) == (f"{tmp_path / 'long.log'}, line 1: not a line of "
                                  f"train_rnn_mnist.py's log: '{'x' * 57}...'")
    with pytest.raises(log_lines.LogError) as refused:
        log_lines.parse_log(write_text(tmp_path / "sixty.log", "x" * 60 + "\n"))
    assert str(refused.value).endswith(f"'{'x' * 60}'")


@pytest.mark.parametrize("plot, complaint", [
    ("no/such/folder/plot.png", "argument --plot: folder 'no/such/folder' does not exist"),
    ("plot.jpg", "argument --plot: 'plot.jpg' does not end in .png"),
])
def test_a_bad_plot_path_is_a_usage_error(plot, complaint, tmp_path):
    log = article_like_log(tmp_path / "run.log")
    result = run_script("compare_with_article.py", log, "--plot", plot, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == f"compare_with_article.py: error: {complaint}"
    assert not (tmp_path / plot).exists()


def test_logs_with_no_step_in_common_are_one_clear_line(tmp_path, capsys):
    logs = [str(write_log(tmp_path / f"every-{every}.log", [0.5], [0.5], every=every))
            for every in (10, 20)]  # step 10 in one, step 20 in the other
    with pytest.raises(SystemExit) as ended:
        compare.main(logs)
    assert ended.value.code == 1
    assert capsys.readouterr() == ("", "compare_with_article.py: error: the logs have no step "
                                       "in common\n")


def test_an_unwritable_plot_is_one_clear_line(tmp_path):
    log = article_like_log(tmp_path / "run.log")
    folder = tmp_path / "plots.png"
    folder.mkdir()  # a folder where the file should go: saving it fails
    result = run_script("compare_with_article.py", log, "--plot", folder, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"compare_with_article.py: error: cannot write {folder}")


def test_one_log_gets_a_test_table_of_three_columns_and_two_placed_logs_no_unplaced_count(
        tmp_path):
    """One log: the test table has no min .. max or count columns, which say nothing of one run.
    Two logs, both placed among the reference runs: the verdict counts no log "not placed"."""
    first = article_like_log(tmp_path / "a.log")
    second = article_like_log(tmp_path / "b.log", loss_offset=0.001)
    alone = run_script("compare_with_article.py", first, cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    lines = alone.stdout.splitlines()
    at = lines.index("Test accuracy")
    assert lines[at + 1:at + 4] == ["                   article      run",
                                    "first 128 images  0.984375  0.96875",
                                    "whole test set           -   0.9612"]
    both = run_script("compare_with_article.py", first, second, cwd=tmp_path)
    assert both.returncode == 0, both.stderr
    assert both.stdout.splitlines()[0] == (
        "Verdict: 2 of 2 logs like our runs: within the 1-99% loss band of our 100 reference "
        "runs at 76, 76 of 78 logged steps (95% of those runs are at 75 or more, the article's "
        "log at 76)")


def test_several_logs_without_their_test_line_are_named_in_one_list(tmp_path):
    stopped = [stopped_log(tmp_path / "c.log"), stopped_log(tmp_path / "d.log", 0.001)]
    result = run_script("compare_with_article.py", *stopped, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (f"  not finished: 2 of 2 logs have no test line ({stopped[0]}, {stopped[1]}): their "
            "training stopped early") in result.stdout.splitlines()


def test_no_logs_is_a_usage_error():
    result = run_script("compare_with_article.py")
    assert result.returncode == 2
    assert "the following arguments are required: LOG" in result.stderr


def test_a_log_without_its_test_line_is_flagged_in_the_verdict(tmp_path):
    finished = article_like_log(tmp_path / "finished.log")
    stopped = stopped_log(tmp_path / "stopped.log")
    result = run_script("compare_with_article.py", finished, stopped, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (f"  not finished: 1 of 2 logs have no test line ({stopped}): their training stopped "
            "early") in result.stdout.splitlines()
    alone = run_script("compare_with_article.py", finished, cwd=tmp_path)
    assert "not finished" not in alone.stdout


# ---------------------------------------------------------------------------------------------
# What a log reveals of its settings, and logs given twice


# The verdict a log of other settings than the reference runs' gets, first.
NOT_PLACED = ("Verdict: not placed: the reference runs are for the default settings, and this "
              "log has others (below)")


def test_a_log_with_another_test_len_is_not_counted_as_128_images(tmp_path):
    log = article_like_log(tmp_path / "test-len-500.log", test_accuracy=0.962)
    result = run_script("compare_with_article.py", log, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [NOT_PLACED, "", (
        f"Not like for like: {log}: its Test Accuracy 0.962 is not a count of 128 images "
        "(another --test-len): it is left out of the 128-image figures")]
    assert "\nfirst 128 images 0.984375 -\n" in squash(result.stdout)
    assert "at least the article's" not in result.stdout


def test_the_same_log_twice_is_refused(tmp_path):
    first = article_like_log(tmp_path / "seed-0.log")
    copy = tmp_path / "copy-of-seed-0.log"
    copy.write_bytes(first.read_bytes())
    result = run_script("compare_with_article.py", first, copy, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"compare_with_article.py: error: {copy} holds the same lines as {first}: one run given "
        "twice would count twice"]
    assert run_script("compare_with_article.py", first, first, cwd=tmp_path).returncode == 1


def test_a_short_log_is_flagged_and_gets_no_loss_verdict(tmp_path):
    short = write_log(tmp_path / "short.log", ARTICLE.losses[:9], ARTICLE.accuracies[:9],
                      test_accuracy=0.5, full_test_accuracy=0.5)
    result = run_script("compare_with_article.py", short, cwd=tmp_path)
    assert result.stdout.splitlines()[:3] == [NOT_PLACED, "", (
        f"Not like for like: {short}: it ends at step 90, the article's at 780 (another "
        "--training-iters or --batch-size)")]
    # Its own "last 200 steps" would be its steps 10 to 90, against the article's first ones.
    assert "  no logged step in the article's last 200 steps (590 to 780) is in the logs" in \
        result.stdout.splitlines()
    assert "mean |loss" not in result.stdout


def test_a_log_with_another_display_step_is_flagged(tmp_path):
    log = write_log(tmp_path / "every-5.log", [1.0] * 156, [0.5] * 156, test_accuracy=0.96875,
                    every=5)
    result = run_script("compare_with_article.py", log, cwd=tmp_path)
    assert result.stdout.splitlines()[:3] == [NOT_PLACED, "", (
        f"Not like for like: {log}: its steps are 5 to 780 every 5, the article's every 10 "
        "(another --display-step)")]
    assert article_like_log(tmp_path / "like.log").exists()
    alike = run_script("compare_with_article.py", tmp_path / "like.log", cwd=tmp_path)
    assert "Not like for like" not in alike.stdout


@pytest.mark.trains
def test_the_comparison_is_linear_in_the_log_s_length(tmp_path):
    """400,000 step lines: 1.6 s here. Looked up by position, as before, they took minutes
    (200,000 lines 9.4 s, 1,000,000 lines 172 s)."""
    lines = [log_lines.format_log_line(10 * step, 1.0 / step, 0.5) for step in range(1, 400_001)]
    log = tmp_path / "long.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    result = run_script("compare_with_article.py", log, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - started < 20


def test_a_pattern_is_expanded_in_the_order_of_the_seeds(tmp_path):
    """As a POSIX shell would, for Windows' shells, which pass `runs/seed-*.log` on as it is,
    and for make study, whose 7,000 names would not fit on a Windows command line."""
    for seed in (10, 2, 1):
        article_like_log(tmp_path / f"seed-{seed}.log", loss_offset=seed / 100)
    assert log_lines.expanded([str(tmp_path / "seed-*.log")]) == [
        str(tmp_path / f"seed-{seed}.log") for seed in (1, 2, 10)]
    assert log_lines.expanded([str(tmp_path / "seed-1.log")]) == [str(tmp_path / "seed-1.log")]
    result = run_script("compare_with_article.py", tmp_path / "nothing-*.log", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"compare_with_article.py: error: {tmp_path / 'nothing-*.log'}: no such file, and no "
        "file matches it"]


# ---------------------------------------------------------------------------------------------
# The whole report, line by line and space by space: what a user compares with the article.
# (Checked by hand: the verdict's counts are the standing lines' at the end; offsets 0.01 and 0.03 give the verdict's 0.0100 and the means; b.log shares
# steps 300 and 600 only, and its 0.962 is no count of 128 images.)

REPORT_OF_ONE = [
    "Verdict: like the article's run and ours: this log is within the 1-99% loss band of our 100 reference runs at 76 of 78 logged steps (95% of those runs are at 75 or more, the article's log at 76)",
    '',
    'Training log: article vs run, every 100th step and the last',
    'step  article loss  run loss  article acc  run acc',
    '100       0.553710  0.563710      0.86719  0.86719',
    '200       0.232232  0.242232      0.92188  0.92188',
    '300       0.159169  0.169169      0.92969  0.92969',
    '400       0.139619  0.149619      0.96094  0.96094',
    '500       0.169831  0.179831      0.94531  0.94531',
    '600       0.193178  0.203178      0.95312  0.95312',
    '700       0.085296  0.095296      0.96875  0.96875',
    '780       0.078913  0.088913      0.96094  0.96094',
    '',
    'Test accuracy',
    '                   article       run',
    'first 128 images  0.984375  0.984375',
    'whole test set           -    0.9600',
    '(the whole test set: 10000 images; the article reports only its first 128)',
    '',
    'Verdict',
    "  mean |loss - article's loss| over the last 200 steps: 0.0100",
    "  runs whose 128-image accuracy is at least the article's 0.984375: 1 of 1 (100%)",
    '',
    'Among the 100 reference runs (seeds 0..99 of the default run, data/reference_runs.csv; percentile: the share of them below, ties counted half)',
    'step      loss  percentile      acc  percentile',
    '100   0.563710          84  0.86719          71',
    '200   0.242232          29  0.92188          66',
    '300   0.169169          31  0.92969          33',
    '400   0.149619          48  0.96094          72',
    '500   0.179831          81  0.94531          28',
    '600   0.203178          95  0.95312          33',
    '700   0.095296          43  0.96875          58',
    '780   0.088913          47  0.96094          28',
    'Test Accuracy (128 images): percentile 54',
    'Test Accuracy (all images): percentile 12',
    "  within the reference runs' 1-99% band at 76 of 78 logged steps; its 128-image accuracy at percentile 54",
]


REPORT_OF_THREE = [
    "Verdict: 2 of 2 logs like our runs, 1 not placed (other settings): within the 1-99% loss band of our 100 reference runs at 76, 75 of 78 logged steps (95% of those runs are at 75 or more, the article's log at 76)",
    '',
    "Not like for like: b.log: its steps are 300 to 900 every 300, the article's every 10 (another --display-step); its Test Accuracy 0.962 is not a count of 128 images (another --test-len): it is left out of the 128-image figures",
    '',
    'Training log: article vs 3 runs (mean ± std), every 100th step and the last',
    'step  article loss          3 runs loss  article acc         3 runs acc',
    '300       0.159169  0.452779 ± 0.474012      0.92969  0.78646 ± 0.24808',
    '600       0.193178  0.308785 ± 0.165898      0.95312  0.88541 ± 0.11727',
    '',
    'Test accuracy',
    '                   article             runs           min .. max  logs with it',
    'first 128 images  0.984375  0.9766 ± 0.0110  0.96875 .. 0.984375        2 of 3',
    'whole test set           -           0.9600                             1 of 3',
    '(the whole test set: 10000 images; the article reports only its first 128)',
    '',
    'Each run',
    'log    test acc (128)  test acc (all)  last loss',
    'a.log        0.984375          0.9600   0.088913',
    'b.log           0.962               -   0.250000',
    'c.log         0.96875               -   0.108913',
    '',
    'Verdict',
    "  mean |loss - article's loss| over the last 200 steps: 0.1156 ± 0.1659",
    '  the same between our runs, two by two: 0.1979 (what the seed alone changes)',
    "  runs whose 128-image accuracy is at least the article's 0.984375: 1 of 2 (50%)",
    '',
    'Among the 100 reference runs (seeds 0..99 of the default run, data/reference_runs.csv; percentile: the share of them below, ties counted half)',
    "  a.log: within the reference runs' 1-99% band at 76 of 78 logged steps; its 128-image accuracy at percentile 54",
    '  b.log: not placed: the reference runs are for the default settings (78 logged steps, every 10, to step 780; 128 test images), and this log has others',
    "  c.log: within the reference runs' 1-99% band at 75 of 78 logged steps; its 128-image accuracy at percentile 10",
]


def three_logs(folder):
    article_like_log(folder / "a.log", 0.01, 0.984375, 0.9600)
    write_log(folder / "b.log", [1.0, 0.5, 0.25], [0.5, 0.75, 0.875], test_accuracy=0.962,
              every=300)
    article_like_log(folder / "c.log", 0.03, 0.96875, None)


@pytest.mark.parametrize("logs, report", [(["a.log"], REPORT_OF_ONE),
                                          (["a.log", "b.log", "c.log"], REPORT_OF_THREE)],
                         ids=["one log", "three logs"])
def test_the_whole_report_is_as_the_reader_sees_it(logs, report, tmp_path, monkeypatch, capsys):
    three_logs(tmp_path)
    monkeypatch.chdir(tmp_path)  # short names, so the columns do not depend on tmp_path
    compare.main(logs)
    assert capsys.readouterr().out.splitlines() == report


def drawn_figure(monkeypatch, path, runs, reference=None):
    """plot_curves()'s figure, kept from plt.close() to be looked at."""
    return figure_drawn_by(monkeypatch, compare.plot_curves, ARTICLE, runs, path, reference)


def artists(axis):
    """Each curve (label, colour, alpha, width, first x, first y) and each band (label, colour,
    alpha, the heights along its outline) of an axis, and the legend's labels."""
    from matplotlib.colors import to_hex

    lines = [(line.get_label(), to_hex(line.get_color()), line.get_alpha(), line.get_linewidth(),
              float(line.get_xdata()[0]), round(float(line.get_ydata()[0]), 6))
             for line in axis.get_lines()]
    bands = [(band.get_label(), to_hex(band.get_facecolor()[0]), band.get_alpha(),
              frozenset(np.round(band.get_paths()[0].vertices[:, 1], 6)))
             for band in axis.collections]
    return lines, bands, [text.get_text() for text in axis.get_legend().get_texts()]


def test_the_plot_draws_the_article_the_runs_and_the_reference_bands(tmp_path, monkeypatch):
    from rnn_mnist import reference_runs

    runs = [log_lines.parse_log(article_like_log(tmp_path / f"{offset}.log", offset))
            for offset in (0.01, 0.03, 0.05)]
    reference = reference_runs.load()
    figure = drawn_figure(monkeypatch, tmp_path / "plot.png", runs, reference)
    window = "moving average over 5 log points = 50 steps"
    red, blue = "#d62728", "#1f77b4"
    for axis, metric, offsets, name in [(figure.axes[0], "losses", (0.01, 0.03, 0.05), "loss"),
                                        (figure.axes[1], "accuracies", (0, 0, 0), "accuracy")]:
        article = getattr(ARTICLE, metric)
        lines, bands, legend = artists(axis)
        mean_offset = sum(offsets) / 3
        assert [line[1:] for line in lines] == [
            (red, 0.25, 0.8, 10.0, round(article[0], 6)),
            (red, None, 2.0, 30.0, round(float(np.mean(article[:5])), 6)),
            (blue, 0.25, 0.8, 10.0, round(article[0] + mean_offset, 6)),
            (blue, None, 2.0, 30.0, round(float(np.mean(article[:5])) + mean_offset, 6))]
        # The verdict's band, 1-99%, and the middle half.
        percentiles = reference_runs.bands(getattr(reference, metric), (1, 25, 75, 99))
        # A band's outline runs along its lower edge and back along its upper one.
        outline = [frozenset(np.round(np.concatenate([percentiles[low], percentiles[high]]), 6))
                   for low, high in ((1, 99), (25, 75))]
        assert [band[1:] for band in bands[:2]] == [("#d9d9d9", None, outline[0]),
                                                    ("#b2b2b2", None, outline[1])]
        low, high = (compare.moving_average(np.array(ARTICLE.steps), np.array(article) + offset,
                                            5)[1] for offset in (offsets[0], offsets[-1]))
        assert bands[2][1:] == (blue, 0.15, frozenset(np.round(np.concatenate([low, high]), 6)))
        assert legend == [f"article ({window})", "the 100 reference runs: 1-99%", "25-75%",
                          f"mean of 3 runs ({window})",
                          "min-max over the runs (same moving average)"]
        assert axis.get_xlabel() == "training step"
        assert axis.get_ylabel() == f"{name} on the batch just trained on"
        # Bands with no outline drawn, a light grid, a small legend.
        assert all(band.get_linewidth()[0] == 0 for band in axis.collections[:2])
        assert axis.xaxis.get_gridlines()[0].get_alpha() == 0.3
        assert axis.get_legend().get_texts()[0].get_fontsize() == pytest.approx(
            font_points("small"))
    assert figure.axes[1].get_ylim()[1] == 1.0
    assert figure._suptitle.get_text() == ("LSTM reading MNIST rows: the article's log vs 3 runs "
                                           "of this reproduction")
    with Image.open(tmp_path / "plot.png") as image:
        assert image.size == (1200, 450)


def test_a_plot_of_two_runs_draws_their_spread(tmp_path, monkeypatch):
    runs = [log_lines.parse_log(article_like_log(tmp_path / f"{offset}.log", offset))
            for offset in (0.01, 0.03)]
    figure = drawn_figure(monkeypatch, tmp_path / "plot.png", runs)
    assert artists(figure.axes[0])[2][-1] == "min-max over the runs (same moving average)"


def test_a_plot_of_one_run_names_it_and_draws_no_spread(tmp_path, monkeypatch):
    run = log_lines.parse_log(write_log(tmp_path / "short.log", [1.0, 0.5, 0.25, 0.2, 0.1, 0.1],
                                      [0.5] * 6, every=100))
    figure = drawn_figure(monkeypatch, tmp_path / "plot.png", [run])
    lines, bands, legend = artists(figure.axes[0])
    assert bands == []  # neither the reference's (other steps) nor a spread (one run)
    assert legend == ["article (moving average over 5 log points = 50 steps)",
                      "this run (moving average over 5 log points = 500 steps)"]
    assert figure._suptitle.get_text().endswith("vs 1 run of this reproduction")


def log_of(steps, test_accuracy=0.984375, source="run.log"):
    log = log_lines.RunLog(source)
    for step in steps:
        log.add(step, 0.5, 0.5)
    log.test_accuracy = test_accuracy
    return log


@pytest.mark.parametrize("steps, test_accuracy, found", [
    (range(10, 790, 10), 0.984375, []),
    (range(10, 790, 10), 0.962, ["its Test Accuracy 0.962 is not a count of 128 images (another "
                                 "--test-len): it is left out of the 128-image figures"]),
    (range(100, 800, 100), None, ["its steps are 100 to 700 every 100, the article's every 10 "
                                  "(another --display-step)"]),
    ([10, 20, 40, 50], None, ["its steps are 10 to 50 at uneven spacing, the article's every 10 "
                              "(another --display-step)"]),
    (range(15, 790, 10), None, ["its steps are 15 to 785 every 10, the article's every 10 "
                                "(another --display-step)"]),
    (range(10, 400, 10), 0.984375, ["it ends at step 390, the article's at 780 (another "
                                    "--training-iters or --batch-size)"]),
    (range(10, 400, 10), None, []),  # stopped early: the verdict says so, not this
    (range(10, 1000, 10), None, ["it goes on to step 990, the article's stops at 780 (another "
                                 "--training-iters or --batch-size)"]),
    ([780], None, []),
])
def test_what_a_log_reveals_of_other_settings_is_said_phrase_by_phrase(steps, test_accuracy,
                                                                       found):
    assert compare.unlike_the_article(ARTICLE, log_of(list(steps), test_accuracy)) == found


def test_the_per_run_table_shows_what_a_log_lacks_as_a_dash(capsys):
    finished, stopped = log_of([10, 20], source="a.log"), log_of([10, 20], None, "b.log")
    finished.full_test_accuracy = 0.96124
    compare.print_per_run_table([finished, stopped])
    assert capsys.readouterr().out.splitlines() == [
        "", "Each run",
        "log    test acc (128)  test acc (all)  last loss",
        "a.log        0.984375          0.9612   0.500000",
        "b.log               -               -   0.500000"]


@pytest.mark.parametrize("accuracy, is_one", [(126 / 128, True), (0.984375, True), (1.0, True),
                                              (0.962, False), (0.9844, False), (0.0, True)])
def test_a_128_image_figure_is_a_count_of_128(accuracy, is_one):
    assert log_lines.is_a_128_image_figure(accuracy) == is_one


def test_mean_and_std_are_the_sample_ones():
    mean, std = compare.mean_and_std([1, 2, 3, 4])
    assert mean == 2.5 and np.isclose(std, np.sqrt(5 / 3))
    assert compare.mean_and_std([0.25, 0.75]) == (0.5, np.sqrt(0.125))
    assert compare.format_spread([0.5], 3) == "0.500"
    assert compare.format_spread([1, 2, 3, 4], 2) == "2.50 ± 1.29"


# Two logs of another --display-step, one stopped before its 128-image test: the dashes, the
# verdict with no step in the article's window, the two test-set sizes. (By hand: losses 0.9 and
# 1.0 at step 100 give 0.950000 ± 0.070711; 0.9500 and 0.9612 give 0.9556 ± 0.0079.)
REPORT_OF_TWO_UNLIKE = [
    'Verdict: not placed: the reference runs are for the default settings, and these logs have others (below)',
    '',
    "Not like for like: x.log: its steps are 5 to 295 every 5, the article's every 10 (another --display-step)",
    "Not like for like: y.log: its steps are 5 to 295 every 5, the article's every 10 (another --display-step)",
    '',
    'Training log: article vs 2 runs (mean ± std), every 100th step and the last',
    'step  article loss          2 runs loss  article acc         2 runs acc',
    '100       0.553710  0.950000 ± 0.070711      0.86719  0.60000 ± 0.00000',
    '200       0.232232  0.850000 ± 0.070711      0.92188  0.70000 ± 0.00000',
    '295              -  0.755000 ± 0.070711            -  0.79500 ± 0.00000',
    '',
    'Test accuracy',
    '                   article             runs        min .. max  logs with it',
    'first 128 images  0.984375          0.96875                          1 of 2',
    'whole test set           -  0.9556 ± 0.0079  0.9500 .. 0.9612        2 of 2',
    '(the whole test set: 5000, 10000 images; the article reports only its first 128)',
    '',
    'Each run',
    'log    test acc (128)  test acc (all)  last loss',
    'x.log               -          0.9500   0.705000',
    'y.log         0.96875          0.9612   0.805000',
    '',
    'Verdict',
    "  no logged step in the article's last 200 steps (590 to 780) is in the logs",
    '  not finished: 1 of 2 logs have no test line (x.log): their training stopped early',
    "  runs whose 128-image accuracy is at least the article's 0.984375: 0 of 1 (0%)",
    '',
    'Among the 100 reference runs (seeds 0..99 of the default run, data/reference_runs.csv; percentile: the share of them below, ties counted half)',
    '  x.log: not placed: the reference runs are for the default settings (78 logged steps, every 10, to step 780; 128 test images), and this log has others',
    '  y.log: not placed: the reference runs are for the default settings (78 logged steps, every 10, to step 780; 128 test images), and this log has others',
]


def test_the_report_of_logs_unlike_the_articles_says_what_is_missing(tmp_path, monkeypatch,
                                                                     capsys):
    def lines(offset):
        return [log_lines.format_log_line(step, 1.0 - step / 1000 + offset, 0.5 + step / 1000)
                for step in range(5, 300, 5)]

    write_text(tmp_path / "x.log", "\n".join(lines(0.0) + ["Test Accuracy (10000 images): "
                                                           "0.9500"]) + "\n")
    write_text(tmp_path / "y.log", "\n".join(lines(0.1) + [
        "Test Accuracy: 0.96875", "Test Accuracy (5000 images): 0.9612"]) + "\n")
    monkeypatch.chdir(tmp_path)
    compare.main(["x.log", "y.log"])
    assert capsys.readouterr().out.splitlines() == REPORT_OF_TWO_UNLIKE


def test_help_names_the_script_its_logs_and_the_plot(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exited:
        compare.parse_args(["--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.splitlines() == [
        "usage: compare_with_article.py [-h] [--plot FILE.png] LOG [LOG ...]",
        "",
        "Compare logs of train_rnn_mnist.py (python train_rnn_mnist.py > LOG) with the",
        "article's published log, data/article_log.txt.",
        "",
        "positional arguments:",
        "  LOG              logs of train_rnn_mnist.py",
        "",
        "options:",
        "  -h, --help       show this help message and exit",
        "  --plot FILE.png  also draw the loss and accuracy curves into this PNG",
        "                   (default: None)"]


def test_the_plot_of_a_default_run_draws_the_reference_bands_side_by_side(tmp_path,
                                                                          monkeypatch):
    import matplotlib.pyplot as plt

    kept = []
    monkeypatch.setattr(plt, "close", kept.append)
    compare.main([str(article_like_log(tmp_path / "run.log", 0.01)), "--plot",
                  str(tmp_path / "plot.png")])
    loss, accuracy = kept[0].axes
    assert len(loss.collections) == len(accuracy.collections) == 2  # 5-95% and 25-75%
    assert loss.get_position().x1 < accuracy.get_position().x0  # side by side


def test_a_plot_of_one_logged_step_says_only_the_points(tmp_path, monkeypatch):
    run = log_lines.parse_log(write_log(tmp_path / "one.log", [0.5], [0.5], every=780))
    figure = drawn_figure(monkeypatch, tmp_path / "plot.png", [run])
    assert artists(figure.axes[0])[2][1] == "this run (moving average over 5 log points)"
    assert compare.window_label([390, 780]) == "moving average over 5 log points = 1950 steps"


def test_without_readable_reference_runs_the_report_says_so_and_goes_on(tmp_path, monkeypatch,
                                                                        capsys):
    from rnn_mnist import reference_runs

    def unreadable():
        raise reference_runs.ReferenceError("data/reference_runs.csv: no such file")

    monkeypatch.setattr(reference_runs, "load", unreadable)
    compare.main([str(article_like_log(tmp_path / "run.log", 0.01))])
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        "Verdict: not placed: no reference runs to place the logs among "
        "(data/reference_runs.csv: no such file); below, the article's log beside them", ""]
    assert "Training log: article vs run" in out


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
                                           ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                           ("utf-32-le", b"\xff\xfe\x00\x00"),
                                           ("utf-32-be", b"\x00\x00\xfe\xff")])
@pytest.mark.parametrize("end", ["\r\n", "\n", "\r"], ids=["CRLF", "LF", "CR"])
def test_a_log_is_read_in_each_encoding_and_line_end_it_is_saved_in(encoding, bom, end,
                                                                     tmp_path):
    """Issue 33 added UTF-32 (shown as \\x00s\\x00t...) and CR-only ends ("cut off")."""
    text = f"step: 10 / loss: 1.751291 / acc: 0.42969{end}Test Accuracy: 0.984375{end}"
    log = log_lines.parse_log(write_bytes(tmp_path / "run.log", bom + text.encode(encoding)))
    assert (log.steps, log.losses, log.test_accuracy) == ([10], [1.751291], 0.984375)


@pytest.mark.parametrize("end", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_a_bad_line_of_a_log_saved_with_crlf_or_cr_ends_is_named_by_its_own_number(end,
                                                                                   tmp_path):
    # One line end each, not two: CRLF read as CR and LF would name line 3 here.
    path = write_bytes(tmp_path / "run.log", f"step: 10 / loss: 1.751291 / acc: 0.42969{end}"
                       f"step: 20 / loss: 1.5x{end}".encode())
    with pytest.raises(log_lines.LogError) as refused:
        log_lines.parse_log(path)
    assert str(refused.value) == (f"{path}, line 2: not a line of train_rnn_mnist.py's log: "
                                  "'step: 20 / loss: 1.5x'")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-32-le", "utf-32-be"])
def test_a_log_in_utf_16_or_32_without_its_mark_is_named_so(encoding, tmp_path):
    path = write_bytes(tmp_path / "run.log",
                       "step: 10 / loss: 1.751291 / acc: 0.42969\n".encode(encoding))
    with pytest.raises(log_lines.LogError) as refused:
        log_lines.parse_log(path)
    assert str(refused.value) == (f"{path}: not a text log: it holds NUL bytes (UTF-16 or UTF-32 "
                                  "without its byte-order mark? Save it as UTF-8)")


def test_only_a_pattern_that_names_no_file_is_expanded(tmp_path):
    write_text(tmp_path / "run[1].log", "")
    write_text(tmp_path / "run1.log", "")
    missing = str(tmp_path / "nowhere.log")
    assert log_lines.expanded([missing]) == [missing]  # parse_log says it is missing
    missing = str(tmp_path / "Xmas.log")  # letters are no pattern's marks
    assert log_lines.expanded([missing]) == [missing]
    assert log_lines.expanded([str(tmp_path / "run[1].log")]) == [str(tmp_path / "run[1].log")]
    assert log_lines.expanded([str(tmp_path / "run[0-9].log")]) == [str(tmp_path / "run1.log")]


def test_the_verdict_first_says_unlike_for_a_run_far_from_ours(tmp_path, capsys):
    compare.main([str(article_like_log(tmp_path / "far.log", loss_offset=1.0))])
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Verdict: unlike our runs: this log is within the 1-99% loss band "
                            "of our 100 reference runs at 0 of 78 logged steps (95% of those "
                            "runs are at 75 or more")
