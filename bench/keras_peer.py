"""Peer (b) of the benchmark: the article's work in Keras 3 on the TensorFlow backend.

    python -m bench.keras_peer [--training-iters N]     # from the project's folder

keras.layers.LSTM(128) and Dense(10) read the same batches as train_rnn_mnist.py (its data
pipeline, seed 0), train with Adam at 0.001 for the article's 781 steps of 128, print the loss
and accuracy of the batch just trained on every 10 steps in the article's format, then the
accuracy on the first 128 and on all 10,000 test images. It runs Keras 3, so it must not see
TF_USE_LEGACY_KERAS.
"""

import os

os.environ.pop("TF_USE_LEGACY_KERAS", None)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from bench import peer_common


def main(argv=None):
    clock = peer_common.start_clock()
    args = peer_common.parse_args("keras_peer.py", argv)
    mnist = peer_common.article_data()
    clock.lap("data")

    import keras

    clock.lap("keras import")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.LSTM(128),
                              keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["categorical_accuracy"])
    clock.lap("model")

    step = 1
    while step * peer_common.BATCH_SIZE < args.training_iters:
        batch_x, batch_y = peer_common.next_batch(mnist)
        model.train_on_batch(batch_x, batch_y)
        if step % peer_common.DISPLAY_STEP == 0:
            loss, acc = model.test_on_batch(batch_x, batch_y)
            peer_common.print_step(step, loss, acc)
        step += 1
    clock.lap("training")

    logits = model.predict_on_batch(peer_common.test_images(mnist))
    peer_common.print_test(logits, mnist)
    clock.lap("test")
    peer_common.print_timing("keras_peer.py", clock, step - 1)


if __name__ == "__main__":
    main()
