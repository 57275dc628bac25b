"""The article's notebook: it runs, it prints the script's log byte for byte, and its committed
outputs are the script's seed-0 log. The notebook and the script must never drift apart."""

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT, run_script

NOTEBOOK = ROOT / "train_rnn_mnist.ipynb"
ARTICLE_ITERS = "n_training_iters = 100000"
SHORT_ITERS = 128 * 21  # 20 steps


def printed(notebook):
    """What the notebook's cells printed on stdout, in order, and the other outputs."""
    stdout, others = [], []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream" and output["name"] == "stdout":
                stdout.append(output["text"])
            else:
                others.append(output)
    return "".join(stdout), others


def test_the_notebook_prints_the_scripts_log_byte_for_byte():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cells = [cell for cell in notebook.cells if ARTICLE_ITERS in cell.source]
    assert len(cells) == 1, f"one cell sets {ARTICLE_ITERS!r}"
    cells[0].source = cells[0].source.replace(ARTICLE_ITERS, f"n_training_iters = {SHORT_ITERS}")
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    stdout, others = printed(notebook)
    assert others == [], f"the notebook printed more than its log: {others}"

    script = run_script("train_rnn_mnist.py", "--seed", "0", "--training-iters", SHORT_ITERS)
    assert script.returncode == 0, script.stderr
    assert stdout.splitlines()[0].startswith("step: 10 / loss: ")
    assert stdout == script.stdout


def test_the_committed_notebook_shows_the_scripts_seed_0_log():
    stdout, others = printed(nbformat.read(NOTEBOOK, as_version=4))
    assert others == [], "the committed notebook has outputs other than its log"
    assert stdout == (ROOT / "tests" / "golden" / "seed-0.log").read_text(encoding="utf-8")


def test_the_notebook_follows_the_articles_sections_in_order():
    headings = [cell["source"].splitlines()[0]
                for cell in nbformat.read(NOTEBOOK, as_version=4).cells
                if cell["cell_type"] == "markdown" and cell["source"].startswith("## ")]
    assert headings == [
        "## 必要なライブラリのインポートとMNISTデータを読み込む",
        "## 次に入力と正解ラベルのプレースホルダーの定義",
        "## RNNのモデルを定義する",
        "## コスト関数を定義",
        "## 作成したモデルを用いて学習させる",
        "## テスト",
    ]


@pytest.mark.parametrize("article_line", [
    'x = tf.placeholder("float", [None, 28, 28])',
    "lstm_cell = tf.nn.rnn_cell.BasicLSTMCell(128, forget_bias=1.0)",
    "outputs, states = tf.nn.static_rnn(lstm_cell, x, dtype=tf.float32)",
    "cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=preds, labels=y))",
    "optimizer = tf.train.AdamOptimizer(learning_rate=0.001).minimize(cost)",
    "while step * batch_size < n_training_iters:",
    "print('step: {} / loss: {:.6f} / acc: {:.5f}'.format(step, loss, acc))",
    'print("Test Accuracy: {}".format(test_acc))',
])
def test_the_notebooks_code_is_the_articles(article_line):
    sources = "\n".join(cell["source"] for cell in nbformat.read(NOTEBOOK, as_version=4).cells
                        if cell["cell_type"] == "code")
    assert article_line in sources
