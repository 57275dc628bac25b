"""Peer (c) of the benchmark: the article's work in PyTorch.

    python -m bench.torch_peer [--training-iters N]     # from the project's folder

torch.nn.LSTM(28, 128) and Linear(128, 10) read the same batches as train_rnn_mnist.py (its
data pipeline, seed 0), train with Adam at 0.001 for the article's 781 steps of 128, print
the loss and accuracy of the batch just trained on every 10 steps in the article's format,
then the accuracy on the first 128 and on all 10,000 test images.
"""


from bench import peer_common


def main(argv=None):
    clock = peer_common.start_clock()
    args = peer_common.parse_args("torch_peer.py", argv)
    mnist = peer_common.article_data()
    clock.lap("data")

    import torch
    from torch import nn

    clock.lap("torch import")
    torch.manual_seed(0)

    class RowLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 128, batch_first=True)
            self.dense = nn.Linear(128, 10)

        def forward(self, images):
            outputs, _ = self.lstm(images)
            return self.dense(outputs[:, -1])

    model = RowLSTM()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    clock.lap("model")

    def loss_and_accuracy(logits, labels):
        loss = nn.functional.cross_entropy(logits, labels)
        return loss, (logits.argmax(dim=1) == labels).float().mean()

    step = 1
    while step * peer_common.BATCH_SIZE < args.training_iters:
        batch_x, batch_y = peer_common.next_batch(mnist)
        images, labels = torch.from_numpy(batch_x), torch.from_numpy(batch_y.argmax(axis=1))
        loss, _ = loss_and_accuracy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % peer_common.DISPLAY_STEP == 0:
            with torch.no_grad():
                loss, acc = loss_and_accuracy(model(images), labels)
            peer_common.print_step(step, loss.item(), acc.item())
        step += 1
    clock.lap("training")

    with torch.no_grad():
        logits = model(torch.from_numpy(peer_common.test_images(mnist))).numpy()
    peer_common.print_test(logits, mnist)
    clock.lap("test")
    peer_common.print_timing("torch_peer.py", clock, step - 1)


if __name__ == "__main__":
    main()
