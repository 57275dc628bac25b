"""Stopping a run with Ctrl-C or SIGTERM: between two steps, never inside one.

    with held_stop_signals() as stop:    # before TensorFlow is imported
        ...
        if stop.requested():             # between steps: finish, save, exit 128 + signal
"""

import signal
import sys
from contextlib import contextmanager

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class StopRequest:
    """Ctrl-C or SIGTERM, noted between training steps; the run stops after the step under way.

    See held_stop_signals() for why the signal is looked for rather than caught.
    """

    def __init__(self):
        self.signal_number = None

    def __call__(self, signal_number, frame):
        # Python runs a handler in the main thread between bytecodes, never inside an op. It is
        # called only for a signal that reached a thread started before the signals were held
        # (NumPy's BLAS threads; TensorFlow's own with --data keras): those run no oneDNN kernel.
        if self.signal_number is None:
            self.signal_number = signal_number

    def requested(self):
        """Whether a stop signal has come; the first check after it takes it off the queue."""
        if self.signal_number is None:
            # A poll, never a wait: the signal may instead go to a thread that started before it
            # was held (NumPy's BLAS threads), and then reaches __call__ above.
            taken = signal.sigtimedwait(STOP_SIGNALS, 0)
            if taken is not None:
                self.signal_number = taken.si_signo
        return self.signal_number is not None


@contextmanager
def held_stop_signals():
    """Hold SIGINT and SIGTERM back in every thread while TensorFlow works; yield a StopRequest.

    A signal is delivered on the stack of the thread it interrupts. oneDNN's JIT GEMM kernels
    point the stack pointer into the heap while they run (oneDNN issue #4845, fixed upstream
    after the oneDNN in TensorFlow 2.21), so a handler called in one writes its frame over heap
    memory: the process aborts ("corrupted size vs. prev_size") or trains on, and saves, NaN.
    Held back, a signal waits in the queue until StopRequest.requested() looks between steps,
    when no kernel runs. It is blocked before TensorFlow is imported because every thread that
    TensorFlow starts inherits the mask of the thread that starts it.
    """
    stop = StopRequest()
    handlers = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield stop
    finally:
        # Once a stop is under way a second Ctrl-C changes nothing; any other signal still
        # queued is delivered as usual when the mask is restored (a KeyboardInterrupt).
        while stop.signal_number is not None and signal.sigtimedwait(STOP_SIGNALS, 0):
            pass
        for number, handler in handlers.items():
            signal.signal(number, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def exit_interrupted(prog, signal_number=signal.SIGINT):
    """Stopped where there is nothing to save: before training, or during the test."""
    print(f"{prog}: interrupted", file=sys.stderr, flush=True)
    sys.exit(128 + signal_number)  # as a shell reports it: 130 for SIGINT, 143 for SIGTERM
