"""--logdir: TensorBoard event files holding the printed log's numbers, the test and the graph.

The event files are read back with tf.compat.v1.train.summary_iterator, which needs no
TensorBoard package.
"""


import pytest

import train_rnn_mnist as trm
from conftest import run_main, run_script, start_script, stoppable_run
from rnn_mnist import checkpoints, log_lines, tensorflow_v1

TINY_FLAGS = ["--training-iters", str(32 * 21), "--batch-size", "32", "--display-step", "1",
              "--test-len", "64"]


def events_of(logdir):
    """Every event of the folder's event files, oldest file first."""
    tf = tensorflow_v1.load()
    files = sorted(logdir.glob("events.out.tfevents.*"), key=lambda path: path.stat().st_mtime)
    return [event for path in files for event in tf.train.summary_iterator(str(path))]


def scalars_as_tensorboard_shows_them(events):
    """{tag: {step: value}}, with TensorBoard's rule for a restarted run: a SessionLog START at
    step N drops what came before it from step N on. A step written twice is an error."""
    tf = tensorflow_v1.load()
    scalars = {}
    for event in events:
        if event.HasField("session_log") and event.session_log.status == tf.SessionLog.START:
            for values in scalars.values():
                for step in [step for step in values if step >= event.step]:
                    del values[step]
        for value in event.summary.value:
            values = scalars.setdefault(value.tag, {})
            assert event.step not in values, f"{value.tag} at step {event.step} twice"
            values[event.step] = value.simple_value
    return scalars


def assert_scalars_are_the_log(scalars, stdout):
    lines = stdout.splitlines()
    logged = [log_lines.LOG_LINE_PATTERN.fullmatch(line) for line in lines[:-2]]
    assert all(logged)
    assert sorted(scalars["loss"]) == [int(match["step"]) for match in logged]
    for match in logged:
        step = int(match["step"])
        assert f"{scalars['loss'][step]:.6f}" == match["loss"]
        assert f"{scalars['accuracy'][step]:.5f}" == match["acc"]
    last_step = int(logged[-1]["step"])
    test = log_lines.TEST_LINE_PATTERN.fullmatch(lines[-2])
    full_test = log_lines.FULL_TEST_LINE_PATTERN.fullmatch(lines[-1])
    assert scalars["test_accuracy"] == {last_step: float(test["acc"])}
    assert list(scalars["test_accuracy_all_images"]) == [last_step]
    assert f"{scalars['test_accuracy_all_images'][last_step]:.4f}" == full_test["acc"]


@pytest.fixture(scope="module")
def run_without_logdir(tiny_npz, tmp_path_factory):
    """A tiny run with no --logdir, in a folder of its own: the log that --logdir must not
    change, and a folder it must leave without event files."""
    folder = tmp_path_factory.mktemp("no-logdir")
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_FLAGS, cwd=folder)
    assert result.returncode == 0, result.stderr
    return result, folder


def test_the_events_hold_the_logs_numbers_the_test_and_the_graph(tiny_npz, tmp_path,
                                                                 run_without_logdir):
    logdir = tmp_path / "runs" / "tb"
    with_logdir = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_FLAGS,
                             "--logdir", logdir, cwd=tmp_path)
    without, _ = run_without_logdir
    assert with_logdir.returncode == 0, with_logdir.stderr
    assert with_logdir.stdout == without.stdout
    assert len(with_logdir.stderr.splitlines()) == 2  # nothing more on stderr either

    events = events_of(logdir)
    assert_scalars_are_the_log(scalars_as_tensorboard_shows_them(events), with_logdir.stdout)

    # The graph, with the article's structure in its name scopes: 28 unrolled cells sharing
    # one kernel, the dense layer, the loss, the optimizer, the evaluation.
    tf = tensorflow_v1.load()
    graphs = [event.graph_def for event in events if event.graph_def]
    assert len(graphs) == 1
    graph = tf.GraphDef.FromString(graphs[0])
    names = {node.name for node in graph.node}
    cell_products = {name for name in names if name.startswith("RNN/rnn/basic_lstm_cell/MatMul")}
    assert len(cell_products) == 28
    kernels = {name for name in names if name.endswith("basic_lstm_cell/kernel")}
    assert kernels == {"RNN/rnn/basic_lstm_cell/kernel"}
    for scope in ("input/", "cost/", "optimizer/", "evaluation/"):
        assert any(name.startswith(scope) for name in names), scope


def test_no_logdir_writes_nothing(run_without_logdir):
    _, folder = run_without_logdir
    assert list(folder.rglob("events.out.tfevents.*")) == []


def test_checkpoints_keep_the_variable_names_they_had_before_the_name_scopes(tiny_checkpoint):
    """Earlier checkpoints resume, and predict_digit.py reads both."""
    names = set(checkpoints.read_model(checkpoints.load(tiny_checkpoint)))
    assert names == {
        "Variable", "Variable_1", "beta1_power", "beta2_power",
        "rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias",
        *(f"{variable}/{slot}" for variable in ("Variable", "Variable_1",
                                                "rnn/basic_lstm_cell/kernel",
                                                "rnn/basic_lstm_cell/bias")
          for slot in ("Adam", "Adam_1")),
    }


def test_a_killed_and_resumed_run_continues_its_curves_with_no_step_twice(tiny_npz, tmp_path):
    run = ["--data", tiny_npz, *stoppable_run(20, "--test-len", "64")[1]]
    flags = [*run, "--save-dir", tmp_path / "ck", "--save-every", "5", "--logdir", tmp_path / "tb"]
    uninterrupted = run_script("train_rnn_mnist.py", *run, cwd=tmp_path)
    assert uninterrupted.returncode == 0, uninterrupted.stderr

    # Killed once step 13 is logged: the checkpoint is step 10's, the events go to step 13. On a
    # busy machine the run may have gone on before the kill (LINES_AHEAD steps at most, its log
    # unread), to a later save: the resumed run starts after whichever it is.
    process = start_script("train_rnn_mnist.py", *flags, cwd=tmp_path)
    for line in process.stdout:
        if line.startswith("step: 13 "):
            break
    process.kill()  # SIGKILL; TerminateProcess on Windows
    process.wait(timeout=60)
    saved = checkpoints.load(tmp_path / "ck").step
    assert saved >= 10 and saved % 5 == 0

    resumed = run_main(trm.main, *flags, "--resume")  # in this process: its log is the point
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines()[0].startswith(f"step: {saved + 1} ")
    scalars = scalars_as_tensorboard_shows_them(events_of(tmp_path / "tb"))
    assert_scalars_are_the_log(scalars, uninterrupted.stdout)


@pytest.mark.parametrize("make_logdir, complaint", [
    (lambda tmp: (tmp / "a_file").write_text("x", encoding="utf-8") and tmp / "a_file",
     "is a file, not a folder"),
    (lambda tmp: (tmp / "b_file").write_text("x", encoding="utf-8") and tmp / "b_file" / "tb",
     "cannot be written (Not a directory)"),
])
def test_a_bad_logdir_is_one_line_before_training(make_logdir, complaint, tiny_npz, tmp_path):
    logdir = make_logdir(tmp_path)
    result = run_script("train_rnn_mnist.py", "--data", tiny_npz, *TINY_FLAGS,
                        "--logdir", logdir, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == \
        f"train_rnn_mnist.py: error: --logdir {logdir}: {complaint}"
    assert "Traceback" not in result.stderr and result.stdout == ""
