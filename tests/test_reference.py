"""The reference runs: the statistics on made-up data with known answers, a run placed among
them by compare_with_article.py, and the committed data and docs/reproduction.md in step."""

import re
import tempfile
from pathlib import Path

import numpy as np
import pytest

import compare_with_article as compare
from conftest import ROOT, figure_drawn_by, font_points, run_script
from rnn_mnist import log_lines, reference_runs
from rnn_mnist.reference_runs import bands, percentile_of, steps_within, wilson_interval

ARTICLE = log_lines.parse_log(ROOT / "data" / "article_log.txt")


def test_a_percentile_counts_the_share_below_and_half_the_ties():
    assert percentile_of(2.5, [1, 2, 3, 4]) == 50
    assert percentile_of(2, [1, 2, 3, 4]) == 37.5
    assert percentile_of(0, [1, 2, 3, 4]) == 0
    assert percentile_of(5, [1, 2, 3, 4]) == 100
    assert percentile_of(7, [7, 7, 7, 7]) == 50


def test_bands_are_percentiles_at_every_step():
    values = np.array([[0, 10], [1, 20], [2, 30], [3, 40], [4, 50]])
    found = bands(values, (25, 50, 100))
    assert found[25].tolist() == [1, 20]
    assert found[50].tolist() == [2, 30]
    assert found[100].tolist() == [4, 50]
    assert steps_within([1, 60], found[25], found[100]) == 1
    assert steps_within([1, 20], found[25], found[100]) == 2  # on the band's edges: within
    assert steps_within([4, 50], found[25], found[100]) == 2


def test_wilson_and_bootstrap_intervals_give_the_known_answers():
    # Textbook values: 0 of 10 -> 0 .. 0.2775; 10 of 10 -> 0.7225 .. 1.
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(126, 128) == pytest.approx((0.9448, 0.9957), abs=1e-4)
    assert reference_runs.bootstrap_interval([0.5] * 30) == (0.5, 0.5)
    low, high = reference_runs.bootstrap_interval(np.arange(100.0))
    assert low < 49.5 < high and high - low == pytest.approx(2 * 1.96 * 2.9, rel=0.15)


def made_up_reference(runs=40, seed=0):
    """Runs around the article's curve: its losses times noise, the same steps."""
    rng = np.random.default_rng(seed)
    losses = np.array(ARTICLE.losses) * rng.uniform(0.8, 1.2, size=(runs, len(ARTICLE.steps)))
    accuracies = np.clip(np.array(ARTICLE.accuracies) + rng.normal(0, 0.01, losses.shape), 0, 1)
    return reference_runs.Reference(
        seeds=np.arange(runs), steps=list(ARTICLE.steps), losses=np.round(losses, 6),
        accuracies=np.round(accuracies, 5),
        test_accuracy=rng.integers(120, 129, runs) / 128,
        full_test_accuracy=np.round(rng.uniform(0.95, 0.97, runs), 4), notes=["made up"])


def test_the_declared_test_tells_a_far_run_from_one_of_ours():
    reference = made_up_reference()
    _, ours, p_value = reference_runs.one_of_ours_test(reference, reference.losses[3])
    assert p_value > 0.05  # one of the runs itself
    far = np.array(ARTICLE.losses) + 0.5
    distance, ours, p_value = reference_runs.one_of_ours_test(reference, far)
    assert distance > ours.max() and p_value == 1 / (1 + len(ours))


def write_reference(reference, path):
    """The made-up reference as build() writes it, from logs."""
    logs = path.parent / "logs"
    logs.mkdir()
    for run in range(len(reference.seeds)):
        lines = [log_lines.format_log_line(step, loss, acc) for step, loss, acc in
                 zip(reference.steps, reference.losses[run], reference.accuracies[run])]
        lines += [log_lines.format_test_line(reference.test_accuracy[run]),
                  log_lines.format_full_test_line(10000, reference.full_test_accuracy[run])]
        (logs / f"seed-{run}.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert reference_runs.build(logs, path, notes=["made up for the test"],
                                runs=len(reference.seeds)) == len(reference.seeds)
    return reference_runs.load(path)


def test_build_and_load_keep_every_number(tmp_path):
    reference = made_up_reference(runs=5)
    loaded = write_reference(reference, tmp_path / "reference.csv")
    assert loaded.steps == reference.steps and loaded.notes == ["made up for the test"]
    assert np.array_equal(loaded.losses, reference.losses)
    assert np.array_equal(loaded.accuracies, reference.accuracies)
    assert np.array_equal(loaded.test_accuracy, reference.test_accuracy)


@pytest.fixture
def placed(tmp_path, monkeypatch):
    """compare_with_article.py's standing of a log among a made-up reference of 40 runs."""
    reference = write_reference(made_up_reference(), tmp_path / "reference.csv")
    monkeypatch.setattr(reference_runs, "REFERENCE_CSV", tmp_path / "reference.csv")

    def place(losses, name="run.log", test_accuracy=0.96875, steps=None):
        steps = reference.steps if steps is None else steps
        lines = [log_lines.format_log_line(step, loss, 0.9) for step, loss in zip(steps, losses)]
        if test_accuracy is not None:  # None: a run stopped during its test
            lines.append(log_lines.format_test_line(test_accuracy))
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    return reference, place


def test_a_log_inside_the_band_and_one_made_to_lie_outside(placed, capsys):
    reference, place = placed
    inside = place(np.median(reference.losses, axis=0), "inside.log")
    outside = place(reference.losses.max(axis=0) + 0.5, "outside.log")
    compare.main([str(inside), str(outside)])
    out = capsys.readouterr().out
    assert f"  {inside}: within the reference runs' 1-99% band at 78 of 78 logged steps; its " \
        "128-image accuracy at percentile" in out
    assert f"  {outside}: within the reference runs' 1-99% band at 0 of 78 logged steps" in out


def test_a_log_with_every_step_but_no_test_line_is_placed_by_its_curve(placed, capsys):
    """Issue 34: a run stopped during its test has every logged step; no test had one."""
    reference, place = placed
    for losses, answer, within in [(np.median(reference.losses, axis=0), "like the article's "
                                    "run and ours", 78),
                                   (reference.losses.max(axis=0) + 0.5, "unlike our runs", 0)]:
        compare.main([str(place(losses, "stopped-in-its-test.log", test_accuracy=None))])
        out = capsys.readouterr().out
        assert out.startswith(f"Verdict: {answer}: this log is within the 1-99% loss band of "
                              f"our 40 reference runs at {within} of 78 logged steps (")
        assert f"\n  within the reference runs' 1-99% band at {within} of 78 logged steps\n" in out
        assert "percentile" in out and "Test Accuracy (128 images): percentile" not in out
        assert "not placed" not in out and "not finished: 1 of 1 logs have no test line" in out


def test_a_reference_run_is_placed_at_its_own_percentile(placed, capsys):
    reference, place = placed
    run = 7
    log = log_lines.parse_log(place(reference.losses[run], test_accuracy=reference.test_accuracy[run]))
    losses, _, tests, within = reference_runs.standing(reference, log)
    # Its rank among the 40 at each step, counted independently: the runs strictly below it.
    ranks = (reference.losses < reference.losses[run]).sum(axis=0)
    ties = (reference.losses == reference.losses[run]).sum(axis=0)
    assert losses == pytest.approx(list(100 * (ranks + ties / 2) / 40))
    band = bands(reference.losses, (1, 99))
    assert within == int(((reference.losses[run] >= band[1]) &
                          (reference.losses[run] <= band[99])).sum())


def test_a_log_of_other_settings_is_not_placed(placed, capsys):
    reference, place = placed
    short = place(reference.losses[0][:9], "short.log", steps=reference.steps[:9])
    compare.main([str(short)])
    out = capsys.readouterr().out
    assert ("  not placed: the reference runs are for the default settings (78 logged "
            "steps, every 10, to step 780; 128 test images), and this log has others") in out


# ---------------------------------------------------------------------------------------------
# The committed data


def committed():
    if not reference_runs.REFERENCE_CSV.exists():
        pytest.skip("no data/reference_runs.csv yet: make reference")
    return reference_runs.load()


def test_the_committed_reference_holds_100_whole_runs_and_seeds_0_and_1_are_the_golden():
    reference = committed()
    assert reference.seeds.tolist() == list(range(100))
    assert reference.steps == list(range(10, 790, 10))
    assert len(reference_runs.REFERENCE_CSV.read_bytes()) < 1_000_000
    for seed in (0, 1):
        golden = log_lines.parse_log(ROOT / "tests" / "golden" / f"seed-{seed}.log")
        # Equal to the golden logs up to the last printed digit, as across CPUs (test_golden_log)
        assert np.abs(reference.losses[seed] - golden.losses).max() <= 2e-6
        assert np.array_equal(reference.accuracies[seed], golden.accuracies)
        assert reference.test_accuracy[seed] == golden.test_accuracy
        assert reference.full_test_accuracy[seed] == golden.full_test_accuracy


def test_reproduction_md_says_what_the_data_says():
    """No hand-copied number: the report, written again from the data, is what is committed."""
    reference = committed()
    text = (ROOT / "docs" / "reproduction.md").read_text(encoding="utf-8")
    section = reference_runs.BEGIN + text.split(reference_runs.BEGIN, 1)[1].split(
        reference_runs.END, 1)[0] + reference_runs.END + "\n"
    assert section == reference_runs.report_text(reference, reference_runs.article_log())
    assert text.index(reference_runs.BEGIN) < text.index("## ")  # the bands picture on top


def first_test_accuracy(text, value):
    return re.sub(r"\n0,[^,]*,", f"\n0,{value},", text, count=1)


def reference_text(reference):
    path = Path(tempfile.mkdtemp()) / "reference.csv"
    write_reference(reference, path)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("change, complaint", [
    (lambda text: first_test_accuracy(text, "nan"), "seed 0's test_accuracy is nan, which no log"),
    (lambda text: first_test_accuracy(text, "inf"), "seed 0's test_accuracy is inf, which no log"),
    (lambda text: first_test_accuracy(text, "1.5"), "seed 0's test_accuracy is 1.5, which no log"),
    (lambda text: re.sub(r"(\n0,[^,]*,[^,]*,)", r"\1-", text, count=1),
     f"seed 0's loss_{ARTICLE.steps[0]} is -"),
    (lambda text: re.sub(r"\n1,", "\n0,", text, count=1),
     "its seeds are not 0..4, each once, in order: 0, 0, 2, 3, 4)"),  # all five: no "..."
    (lambda text: "\n".join(text.splitlines()[:3] + text.splitlines()[2:3] * 2) + "\n",
     "its seeds are not 0..2, each once, in order: 0, 0, 0"),
    (lambda text: "\n".join(text.splitlines()[:3] + text.splitlines()[2:3] * 6) + "\n",
     "its seeds are not 0..6, each once, in order: 0, 0, 0, 0, 0, ...)"),
    (lambda text: text.encode("utf-16").decode("latin-1"), "not UTF-8 text: byte 0 is 0xff"),
], ids=["a NaN", "infinite", "an accuracy above 1", "a negative loss", "a seed twice",
        "one row repeated", "seven rows, five shown", "UTF-16"])
def test_a_reference_file_whose_values_no_log_prints_is_one_line(change, complaint, tmp_path):
    """Issue 33: a NaN, or one row repeated 100 times, was read and reported as the reference."""
    bad = tmp_path / "reference.csv"
    text = change(reference_text(made_up_reference(runs=5)))
    bad.write_bytes(text.encode("latin-1") if "\xff" in text else text.encode("utf-8"))
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.load(bad)
    assert str(refused.value).startswith(f"{bad}: not a reference file (")
    assert complaint in str(refused.value)


def test_build_replaces_the_reference_only_with_whole_runs_of_the_articles_settings(tmp_path):
    """Issue 33: `build` took 4 tiny runs for the 100 reference runs, and wrote over them in
    place."""
    reference = made_up_reference(runs=5)
    path = tmp_path / "reference.csv"
    write_reference(reference, path)
    before = path.read_bytes()
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.build(tmp_path / "logs", path)
    assert str(refused.value) == (f"{tmp_path / 'logs'}: 5 runs, where the reference holds 100 "
                                  f"(make reference): {path} is kept as it is")
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    for seed in range(2):
        (tiny / f"seed-{seed}.log").write_text(
            log_lines.format_log_line(1, 2.3, 0.1) + "\n" + log_lines.format_test_line(0.5) +
            "\n" + log_lines.format_full_test_line(10000, 0.5) + "\n", encoding="utf-8")
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.build(tiny, path, runs=2)
    assert str(refused.value) == (f"{tiny / 'seed-0.log'}: not a whole run of the default "
                                  "settings (the article's logged steps and both test lines)")
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [
        "logs", "reference.csv", "tiny"]


def test_a_bad_reference_file_is_one_line(tmp_path):
    bad = tmp_path / "reference.csv"
    bad.write_text("seed,nonsense\n1,2\n", encoding="utf-8")
    with pytest.raises(reference_runs.ReferenceError, match="not a reference file"):
        reference_runs.load(bad)
    result = run_script("-m", "rnn_mnist.reference_runs", "build", tmp_path / "nowhere",
                        cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr


# ---------------------------------------------------------------------------------------------
# The report's pictures and its command line


def outline(collection):
    """The heights along a filled band's outline (its lower edge and back along its upper)."""
    return frozenset(np.round(collection.get_paths()[0].vertices[:, 1], 6))


def test_the_bands_picture_draws_the_articles_log_over_the_runs_percentiles(monkeypatch,
                                                                            tmp_path):
    from matplotlib.colors import to_hex
    from PIL import Image

    reference = made_up_reference(runs=40)
    path = tmp_path / "bands.png"
    figure = figure_drawn_by(monkeypatch, reference_runs.draw_bands, reference, ARTICLE, path)
    blue, red = "#1f77b4", "#d62728"
    assert len(figure.axes) == 2
    left, right = (axis.get_position() for axis in figure.axes)
    assert right.x0 > left.x1 and right.y0 == pytest.approx(left.y0)  # side by side
    for axis, values, article, name, top in [
            (figure.axes[0], reference.losses, ARTICLE.losses, "loss", 2.4),
            (figure.axes[1], reference.accuracies, ARTICLE.accuracies, "accuracy", 1.0)]:
        band = bands(values, (5, 25, 50, 75, 95))
        wide, middle = axis.collections
        assert [(to_hex(c.get_facecolor()[0]), c.get_alpha(), c.get_linewidth()[0], outline(c))
                for c in (wide, middle)] == [
            (blue, 0.18, 0, frozenset(np.round(np.concatenate([band[5], band[95]]), 6))),
            (blue, 0.35, 0, frozenset(np.round(np.concatenate([band[25], band[75]]), 6)))]
        assert all(np.array_equal(c.get_paths()[0].vertices[:, 0].min(), 10) for c in
                   (wide, middle))
        median, article_line = axis.get_lines()
        assert (to_hex(median.get_color()), median.get_linewidth()) == (blue, 1)
        assert np.array_equal(median.get_xdata(), reference.steps)
        assert np.allclose(median.get_ydata(), band[50])
        assert (to_hex(article_line.get_color()), article_line.get_linewidth()) == (red, 1.4)
        assert np.array_equal(article_line.get_xdata(), ARTICLE.steps)
        assert np.array_equal(article_line.get_ydata(), article)
        assert [text.get_text() for text in axis.get_legend().get_texts()] == [
            "our 40 runs: 5-95%", "25-75%", "median", "the article's run"]
        assert axis.get_legend().get_texts()[0].get_fontsize() == pytest.approx(
            font_points("small"))
        assert axis.get_xlabel() == "training step"
        assert axis.get_ylabel() == f"{name} on the batch just trained on"
        assert axis.get_ylim() == (0, top)
        assert axis.xaxis.get_gridlines()[0].get_alpha() == 0.3
    assert figure._suptitle.get_text() == ("The article's log over the spread of 40 seeded runs "
                                           "of this reproduction, at every logged step")
    with Image.open(path) as image:
        assert image.size == (792, 288)  # 11 x 4 inches at 72 dots an inch


def test_the_accuracy_picture_counts_the_runs_by_test_figure_beside_the_published_ones(
        monkeypatch, tmp_path):
    from matplotlib.colors import to_hex
    from PIL import Image

    reference = made_up_reference(runs=40)
    path = tmp_path / "accuracy.png"
    figure = figure_drawn_by(monkeypatch, reference_runs.draw_accuracies, reference, path)
    counts, histogram = figure.axes
    assert histogram.get_position().x0 > counts.get_position().x1  # side by side
    right = np.round(reference.test_accuracy * 128).astype(int)
    values, frequency = np.unique(right, return_counts=True)
    bars = counts.patches
    assert [round(bar.get_x() + bar.get_width() / 2, 6) for bar in bars] == values.tolist()
    assert [bar.get_height() for bar in bars] == frequency.tolist()
    assert {(to_hex(bar.get_facecolor()), round(bar.get_width(), 6)) for bar in bars} == {
        ("#1f77b4", 0.8)}
    published = counts.get_lines()
    assert [(line.get_xdata()[0], line.get_linestyle(), to_hex(line.get_color()))
            for line in published] == [(126, "-", "#d62728"), (125, "--", "#d62728"),
                                       (123, ":", "#d62728")]
    legend = counts.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [
        "the article (2017): 126/128", "aymericdamien, rnn.rnn (2016): 125/128",
        "aymericdamien, static_rnn (2017): 123/128"]
    assert legend._loc == 2  # upper left
    assert legend.get_texts()[0].get_fontsize() == pytest.approx(font_points("small"))
    assert counts.get_xlabel() == "test images right, of the first 128 (the article's figure)"
    assert histogram.get_xlabel() == "accuracy on all 10,000 test images"
    assert counts.get_ylabel() == histogram.get_ylabel() == "runs"
    heights, edges = np.histogram(reference.full_test_accuracy, bins=15)
    assert [patch.get_height() for patch in histogram.patches] == heights.tolist()
    assert np.allclose([patch.get_x() for patch in histogram.patches], edges[:-1])
    assert {to_hex(patch.get_facecolor()) for patch in histogram.patches} == {"#1f77b4"}
    assert all(axis.xaxis.get_gridlines()[0].get_alpha() == 0.3 for axis in figure.axes)
    assert figure._suptitle.get_text() == "Test accuracy of the 40 reference runs"
    with Image.open(path) as image:
        assert image.size == (792, 259)  # 11 x 3.6 inches at 72 dots an inch


def test_the_report_rewrites_its_part_of_the_page_and_both_pictures(monkeypatch, tmp_path):
    reference = committed()
    page = tmp_path / "reproduction.md"
    committed_text = (ROOT / "docs" / "reproduction.md").read_text(encoding="utf-8")
    before, rest = committed_text.split(reference_runs.BEGIN)
    after = rest.split(reference_runs.END)[1]
    page.write_text(f"{before}{reference_runs.BEGIN}\nstale figures\n{reference_runs.END}\n\n\n"
                    f"{after.lstrip()}", encoding="utf-8")
    drawn_pictures = []
    monkeypatch.setattr(reference_runs, "BANDS_PICTURE", tmp_path / "bands.png")
    monkeypatch.setattr(reference_runs, "ACCURACY_PICTURE", tmp_path / "accuracy.png")
    monkeypatch.setattr(reference_runs, "draw_bands", lambda ref, article, path: drawn_pictures.append(
        (ref.seeds.tolist(), article.steps, path)))
    monkeypatch.setattr(reference_runs, "draw_accuracies", lambda ref, path: drawn_pictures.append(
        (ref.seeds.tolist(), path)))
    reference_runs.report(page)
    # The page as committed: its part written from the committed data, the rest untouched.
    assert page.read_text(encoding="utf-8") == committed_text
    assert drawn_pictures == [(reference.seeds.tolist(), ARTICLE.steps, tmp_path / "bands.png"),
                              (reference.seeds.tolist(), tmp_path / "accuracy.png")]
    page.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.report(page)
    assert str(refused.value) == f"{page}: no markers for the report ({reference_runs.BEGIN!r})"
    page.write_text(f"{reference_runs.BEGIN}\n", encoding="utf-8")
    with pytest.raises(reference_runs.ReferenceError):
        reference_runs.report(page)


def test_the_command_line_builds_or_reports_and_says_what_it_wrote(monkeypatch):
    from conftest import run_main

    def ran(*args):
        result = run_main(reference_runs.main, *args)
        return result.returncode, result.stdout, result.stderr

    built = []
    monkeypatch.setattr(reference_runs, "build", lambda runs, notes: built.append(
        (runs, notes)) or 100)
    assert ran("build", "runs/ref", "--made-by", "me", "--started", "then", "--ended", "now") == (
        0, f"reference_runs.py: 100 runs written to {Path('data/reference_runs.csv')}\n", "")
    [(runs, notes)] = built
    assert runs == Path("runs/ref") and notes[0] == "made by: me, from then to now"
    assert notes == reference_runs.machine_notes("me", "then", "now")
    built.clear()
    assert ran("build", "runs/ref")[0] == 0
    assert built[0][1][0] == "made by: make reference, from ? to ?"  # the defaults

    reported = []
    monkeypatch.setattr(reference_runs, "report", lambda: reported.append(True))
    assert ran("report") == (
        0, "reference_runs.py: reproduction.md, reference-bands.png and reference-accuracy.png "
           f"written from {Path('data/reference_runs.csv')}\n", "")
    assert reported == [True]

    def refused(runs, notes):
        raise reference_runs.ReferenceError("runs/ref: 4 runs, where the reference holds 100")

    monkeypatch.setattr(reference_runs, "build", refused)
    assert ran("build", "runs/ref") == (1, "", "reference_runs.py: error: runs/ref: 4 runs, "
                                        "where the reference holds 100\n")
    status, out, err = ran()
    assert status == 2 and err.startswith("usage: python -m rnn_mnist.reference_runs")
    assert "the following arguments are required: command" in err
    # The help says what each command and flag is for (words folded as argparse folds them).
    status, out, err = ran("--help")
    assert status == 0 and (
        "The reference runs: the article's run with seeds 0..99, kept as data/reference_runs.csv, "
        "and where any run stands among them. positional arguments: {build,report} build the logs "
        "of a study -> data/reference_runs.csv report data/reference_runs.csv -> "
        "docs/reproduction.md, pictures") in " ".join(out.split())
    status, out, err = ran("build", "--help")
    assert status == 0 and all(words in " ".join(out.split()) for words in [
        "runs the study's folder (runs/reference)", "--made-by MADE_BY the command, for the notes",
        "--started STARTED when the study started (UTC)", "--ended ENDED when it ended (UTC)"])


def test_the_notes_say_what_made_the_runs_and_on_what(monkeypatch):
    import importlib.metadata
    import platform

    monkeypatch.setattr(reference_runs, "processor_name", lambda: "a test CPU")
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}"
                         for name in ("tensorflow", "tf-keras", "numpy"))
    assert reference_runs.machine_notes("make reference (JOBS=2)", "t0", "t1") == [
        "made by: make reference (JOBS=2), from t0 to t1",
        f"on: {platform.system()} {platform.machine()}, a test CPU, Python "
        f"{platform.python_version()}, {versions}",
        "columns: seed; Test Accuracy (first 128 test images) and on all 10,000, as logged; then "
        "loss_STEP and acc_STEP at every logged step"]


def test_the_processor_is_named_from_cpuinfo_or_by_python(monkeypatch, tmp_path):
    import platform

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: X\nmodel name\t: A CPU: fast \n"
                       "model name\t: a second\n", encoding="utf-8")
    real_path = reference_runs.Path
    monkeypatch.setattr(reference_runs, "Path", lambda name: cpuinfo if name == "/proc/cpuinfo"
                        else real_path(name))
    assert reference_runs.processor_name() == "A CPU: fast"
    cpuinfo.write_text("processor\t: 0\n", encoding="utf-8")
    monkeypatch.setattr(platform, "processor", lambda: "arm")
    assert reference_runs.processor_name() == "arm"
    cpuinfo.unlink()  # macOS, Windows: no /proc
    assert reference_runs.processor_name() == "arm"
    monkeypatch.setattr(platform, "processor", lambda: "")
    assert reference_runs.processor_name() == "unknown processor"


@pytest.mark.parametrize("share, reading", [
    (0.76, "76% of our runs do at least as well, so the figure is on the low side of what this "
           "reproduction gives"),
    (0.75, "75% of our runs do at least as well: a typical figure of this reproduction, which a "
           "different seed alone explains"),
    (0.25, "25% of our runs do at least as well: a typical figure of this reproduction, which a "
           "different seed alone explains"),
    (0.24, "only 24% of our runs do as well, so the figure is on the high side of what this "
           "reproduction gives"),
    (0.245, "only 24% of our runs do as well, so the figure is on the high side of what this "
            "reproduction gives"),
])
def test_a_published_figure_is_read_by_the_quartile_of_our_runs_it_falls_in(share, reading):
    assert reference_runs.what_a_share_means(share) == reading


def test_build_names_the_seeds_it_lacks_and_a_file_it_cannot_write(tmp_path):
    reference = made_up_reference(runs=3)
    write_reference(reference, tmp_path / "reference.csv")
    logs = tmp_path / "logs"
    (logs / "seed-1.log").rename(logs / "seed-7.log")
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.build(logs, tmp_path / "out.csv", runs=3)
    assert str(refused.value) == f"{logs}: the seeds are not 0..2: [0, 2, 7]"
    (logs / "seed-7.log").rename(logs / "seed-1.log")
    (tmp_path / "out.csv").mkdir()  # a folder where the file goes
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.build(logs, tmp_path / "out.csv", runs=3)
    assert str(refused.value) == f"{tmp_path / 'out.csv'}: cannot be written (Is a directory)"
    # Two notes, one a line each; the rows end in \n alone on every system.
    assert reference_runs.build(logs, tmp_path / "two.csv", notes=["a", "b"], runs=3) == 3
    assert (tmp_path / "two.csv").read_bytes().startswith(b"# a\n# b\nseed,test_accuracy,")
    assert b"\r" not in (tmp_path / "two.csv").read_bytes()
    (logs / "seed-2.log").write_text("bad\n", encoding="utf-8")
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.build(logs, tmp_path / "out2.csv", runs=3)
    assert str(refused.value) == (f"{logs / 'seed-2.log'}, line 1: not a line of "
                                  "train_rnn_mnist.py's log: 'bad'")


def test_the_bootstrap_is_the_percentiles_of_10000_seeded_resampled_means():
    values = np.arange(20) ** 2  # whole numbers: their mean is taken as floats
    rng = np.random.default_rng(0)
    means = rng.choice(values.astype(float), size=(10_000, 20), replace=True).mean(axis=1)
    assert reference_runs.bootstrap_interval(values) == pytest.approx(
        (np.percentile(means, 2.5), np.percentile(means, 97.5)), rel=1e-12)


def test_a_run_exactly_as_far_as_one_of_ours_counts_among_those_at_least_as_far():
    reference = made_up_reference(runs=9)
    _, ours, _ = reference_runs.one_of_ours_test(reference, reference.losses[0])
    farthest = int(np.argmax(ours))
    # Losses at the farthest run's distance from the median of all nine: shift the median.
    median = np.median(reference.losses, axis=0)
    window = np.array(reference.steps) > reference.steps[-1] - reference_runs.LAST_STEPS
    article = median + np.where(window, ours[farthest], 0)
    distance, ours, p_value = reference_runs.one_of_ours_test(reference, article)
    assert distance == pytest.approx(ours[farthest], abs=1e-12)
    ties = np.count_nonzero(np.isclose(ours, distance, rtol=0, atol=1e-12))
    assert ties >= 1 and p_value == (1 + ties) / 10


@pytest.mark.parametrize("runs, shift, verdict", [
    (19, 0.5, "p = 0.050: the hypothesis is not rejected at 5%."),  # (1 + 0) / 20: not below
    (40, 0.5, "p = 0.024: the hypothesis is rejected at 5%."),
])
def test_the_report_rejects_the_hypothesis_only_below_5_percent(runs, shift, verdict):
    reference = made_up_reference(runs=runs)
    article = log_lines.parse_log_text("".join(
        log_lines.format_log_line(step, loss + shift, acc) + "\n" for step, loss, acc in
        zip(ARTICLE.steps, ARTICLE.losses, ARTICLE.accuracies)) + "Test Accuracy: 0.984375\n",
        "a far log")
    assert verdict in reference_runs.report_text(reference, article)


def test_build_refuses_a_run_without_its_10000_image_line(tmp_path):
    reference = made_up_reference(runs=3)
    write_reference(reference, tmp_path / "reference.csv")
    log = tmp_path / "logs" / "seed-1.log"
    log.write_text("".join(line for line in log.read_text(encoding="utf-8").splitlines(True)
                           if "10000 images" not in line), encoding="utf-8")
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.build(tmp_path / "logs", tmp_path / "out.csv", runs=3)
    assert str(refused.value) == (f"{log}: not a whole run of the default settings (the "
                                  "article's logged steps and both test lines)")


def test_a_reference_file_missing_or_of_other_columns_is_named(tmp_path):
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.load(tmp_path / "none.csv")
    assert str(refused.value) == (f"{tmp_path / 'none.csv'}: cannot be read (No such file or "
                                  "directory)")
    text = reference_text(made_up_reference(runs=3))
    for changed in (text.replace("test_accuracy_all", "test_accuracy_10000", 1),  # a header
                    text.replace("\n1,", "\n1,0.5,", 1)):  # a row one longer than the header
        (tmp_path / "other.csv").write_text(changed, encoding="utf-8")
        with pytest.raises(reference_runs.ReferenceError) as refused:
            reference_runs.load(tmp_path / "other.csv")
        assert str(refused.value).startswith(f"{tmp_path / 'other.csv'}: not a reference file (")
    (tmp_path / "other.csv").write_text(text.replace("test_accuracy_all", "x", 1),
                                        encoding="utf-8")
    with pytest.raises(reference_runs.ReferenceError) as refused:
        reference_runs.load(tmp_path / "other.csv")
    assert str(refused.value) == (f"{tmp_path / 'other.csv'}: not a reference file (not the "
                                  "reference columns)")
