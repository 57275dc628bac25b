"""Checkpoints of train_rnn_mnist.py: saved atomically, loaded with clear errors, resumed exactly.

A checkpoint folder DIR (--save-dir DIR) holds one complete checkpoint, in a subfolder named by
the file DIR/LATEST:

    DIR/LATEST                       the name of the current checkpoint, e.g. step-0000781-k2j4
    DIR/step-0000781-k2j4/model.*    the variables, Adam's slots included (tf.train.Saver)
    DIR/step-0000781-k2j4/data_state.npz   where the training data stream stands
    DIR/step-0000781-k2j4/settings.json    the step, the run's flags, data checksums, versions

A new checkpoint is written whole under a temporary name, renamed, and only then named in
LATEST (itself replaced by a rename), so an interrupted save leaves the previous checkpoint
in place.

RunCheckpoints is what the trainer asks of --save-dir and --resume: the checkpoint to resume,
checked before TensorFlow loads; the variables and the data stream restored; the save at the
end, or when a signal stops the run; and the line that says how to resume it.
"""

import importlib.metadata
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from cli import one_line, shell_command
from safe_files import FolderInUse, lock_exclusively, sync_file, sync_folder
from tensorflow_v1 import tf

TRAINER = Path(__file__).resolve().parent / "train_rnn_mnist.py"
PROG = TRAINER.name

LATEST = "LATEST"
LOCK = ".lock"  # held by the run that uses the folder (safe_files); the lock dies with its process
MODEL_PREFIX = "model"
MODEL_FILES = (f"{MODEL_PREFIX}.index", f"{MODEL_PREFIX}.data-00000-of-00001")  # Saver's two
DATA_STATE = "data_state.npz"
SETTINGS = "settings.json"

# Flags that change what the resumed steps compute: resuming with another value is refused.
# (The others only change how long training goes on and what is printed.)
FLAGS_THAT_MUST_MATCH = ("num_hidden", "batch_size", "learning_rate", "seed")


class CheckpointError(Exception):
    """A checkpoint that cannot be used; the message names the folder and the problem."""


@dataclass
class Checkpoint:
    folder: Path
    settings: dict
    data_state: dict

    @property
    def model_prefix(self):
        return str(self.folder / MODEL_PREFIX)

    @property
    def step(self):
        return self.settings["step"]


def save(directory, session, saver, settings, data_state):
    """Write a complete checkpoint into `directory`, then make it the one LATEST names."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=".unfinished-", dir=directory))
    saver.save(session, str(temporary / MODEL_PREFIX), write_meta_graph=False, write_state=False)
    np.savez(temporary / DATA_STATE, **data_state)
    (temporary / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    for path in temporary.iterdir():
        sync_file(path)

    final = directory / f"step-{settings['step']:07d}-{temporary.name.rsplit('-', 1)[-1]}"
    os.rename(temporary, final)
    pointer = directory / f".{LATEST}.unfinished"
    pointer.write_text(final.name + "\n", encoding="utf-8")
    sync_file(pointer)
    os.replace(pointer, directory / LATEST)
    sync_folder(directory)
    remove_all_but(directory, final)
    return final


def remove_all_but(directory, keep):
    """Remove older checkpoints and what interrupted saves left behind."""
    for path in directory.iterdir():
        is_ours = path.name.startswith(("step-", ".unfinished-", f".{LATEST}.unfinished"))
        if is_ours and path != keep:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def load(directory):
    """The checkpoint that `directory`/LATEST names, its settings and data state read."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: no such folder")
    pointer = directory / LATEST
    if not pointer.is_file():
        raise CheckpointError(f"{directory}: no checkpoint in this folder (no {LATEST} file)")
    name = pointer.read_text(encoding="utf-8").strip()
    folder = directory / name
    if not name.startswith("step-") or "/" in name or not folder.is_dir():
        raise CheckpointError(f"{directory}: {LATEST} names {name!r}, which is not a checkpoint "
                              "in this folder")
    for model_file in MODEL_FILES:
        if not (folder / model_file).is_file():
            raise CheckpointError(f"{folder / model_file}: missing (the model's variables)")
    return Checkpoint(folder, read_settings(folder), read_data_state(folder))


def read_settings(folder):
    path = folder / SETTINGS
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not readable JSON ({error})") from None
    if not isinstance(settings, dict):
        raise CheckpointError(f"{path}: a JSON {json_type(settings)}, not an object")
    missing = [key for key in ("step", "flags", "data_sha256") if key not in settings]
    if missing:
        raise CheckpointError(f"{path}: missing {', '.join(missing)}")
    for key, expected in (("flags", dict), ("data_sha256", dict), ("step", int)):
        if not isinstance(settings[key], expected) or isinstance(settings[key], bool):
            raise CheckpointError(f"{path}: {key} is a JSON {json_type(settings[key])}, not "
                                  f"{'an object' if expected is dict else 'a whole number'}")
    if settings["step"] < 0:
        raise CheckpointError(f"{path}: step is {settings['step']}, not a step number")
    missing = [f"flags.{flag}" for flag in FLAGS_THAT_MUST_MATCH if flag not in settings["flags"]]
    if missing:
        raise CheckpointError(f"{path}: missing {', '.join(missing)}")
    return settings


def json_type(value):
    """The JSON name of a parsed value's type, for messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
             float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def read_data_state(folder):
    path = folder / DATA_STATE
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except (OSError, ValueError, EOFError) as error:
        raise CheckpointError(f"{path}: not readable ({error})") from None


def differences(checkpoint, flags, data_sha256):
    """What in this run differs from the run that made the checkpoint, one phrase each."""
    found = []
    for flag in FLAGS_THAT_MUST_MATCH:
        saved, now = checkpoint.settings["flags"][flag], flags[flag]
        if saved != now:
            found.append(f"--{flag.replace('_', '-')} is {now} but the checkpoint was made "
                         f"with {saved}")
    if checkpoint.settings["data_sha256"] != data_sha256:
        found.append(f"--data {flags['data']} is not the data the checkpoint was made with "
                     f"({checkpoint.settings['flags'].get('data')})")
    return found


def version_changes(checkpoint, versions_now):
    """The versions that differ from the checkpoint's, as 'name saved -> now' phrases."""
    return [f"{name} {saved} -> {versions_now.get(name)}"
            for name, saved in checkpoint.settings.get("versions", {}).items()
            if versions_now.get(name) != saved]


# ---------------------------------------------------------------------------------------------
# A training run's checkpoints


class RunCheckpoints:
    """--save-dir, --save-every and --resume for one run of train_rnn_mnist.py.

    Without --save-dir each method does nothing, but report_stop() says so.
    """

    def __init__(self, args, mnist):
        """Check --save-dir, lock it and read the checkpoint to resume, before TensorFlow loads.

        A folder that cannot be written is found now, not after training; a second run on it
        is refused while the first holds the lock; a checkpoint in it is never replaced
        unless --overwrite asks for that.
        """
        self.args = args
        self.folder = args.save_dir
        self.mnist = mnist
        self.saver = None
        self.resumed = None
        self.saved_step = None
        if self.folder is None:
            return
        if self.folder.exists() and not self.folder.is_dir():
            raise CheckpointError(f"--save-dir {self.folder} is a file, not a folder")
        if args.resume:
            if not self.folder.is_dir():
                raise CheckpointError(f"{self.folder}: no such folder")
        else:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise CheckpointError(f"--save-dir {self.folder}: cannot be created "
                                      f"({error.strerror})") from None
        self._lock = lock(self.folder)
        check_writable(self.folder)
        if args.resume:
            self.resumed = resume_checkpoint(args, mnist.sha256)
        elif (self.folder / LATEST).exists() and not args.overwrite:
            raise CheckpointError(
                f"--save-dir {self.folder} holds a checkpoint: add --resume to continue it, "
                "--overwrite to replace it, or choose another folder")

    def start(self, session):
        """Restore the resumed checkpoint into the session; return the first step to train."""
        if self.folder is not None:
            self.saver = model_saver()  # the graph's variables, Adam's slots included
        if self.resumed is None:
            return 1
        restore_variables(session, self.saver, self.resumed)
        self.mnist.train.restore(self.resumed.data_state)
        return self.resumed.step + 1

    def step_done(self, session, step):
        """Save every --save-every steps, so that a kill -9 loses at most that many."""
        every = self.args.save_every
        if self.folder is not None and every and step % every == 0:
            self.save(session, step)

    def save(self, session, step):
        """Write the checkpoint of `step`, unless it has just been written (a periodic save)."""
        if self.folder is None or self.saved_step == step:
            return
        if not all_finite(session.run(tf.global_variables())):
            raise CheckpointError(f"--save-dir {self.folder}: not saved: after step {step} the "
                                  "model's variables are not finite (NaN or infinite)")
        try:
            save(self.folder, session, self.saver, run_settings(self.args, step, self.mnist.sha256),
                 self.mnist.train.state())
        except (OSError, tf.errors.OpError) as error:
            raise CheckpointError(f"--save-dir {self.folder}: the checkpoint cannot be written "
                                  f"({one_line(error)})") from None
        self.saved_step = step

    def report_stop(self, argv, last_step):
        """Say on stderr where the run stopped, and how to resume it."""
        steps = total_steps(self.args.training_iters, self.args.batch_size)
        where = f"stopped after step {last_step} of {steps}"
        if self.folder is None:
            message = f"{where}; nothing saved (no --save-dir), so it cannot be resumed"
        else:
            message = f"{where}; saved in {self.folder}; resume with: {resume_command(argv)}"
        print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def lock(folder):
    """Hold the folder's lock for as long as this process runs (or the file stays open)."""
    path = folder / LOCK
    try:
        lock_file = open(path, "a+", encoding="utf-8")
    except OSError as error:
        raise CheckpointError(f"--save-dir {folder}: cannot be written ({error.strerror})") from None
    try:
        lock_exclusively(lock_file)
    except FolderInUse:
        lock_file.seek(0)
        holder = lock_file.read().strip() or "unknown"
        lock_file.close()
        raise CheckpointError(f"--save-dir {folder} is in use by another run (process {holder}): "
                              "one run per folder") from None
    lock_file.truncate(0)
    lock_file.write(f"{os.getpid()}\n")
    lock_file.flush()
    return lock_file


def check_writable(folder):
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise CheckpointError(f"--save-dir {folder}: cannot be written ({error.strerror})") from None


def total_steps(training_iters, batch_size):
    """How many steps the article's loop runs: 781 for its 100,000 iterations of batch 128."""
    return max(0, (training_iters - 1) // batch_size)


def recorded_flags(args):
    """The flags a checkpoint records and a resume is checked against (--data as text)."""
    flags = {name: value for name, value in vars(args).items()
             if name not in ("save_dir", "save_every", "resume", "overwrite", "verbose",
                             "logdir")}
    flags["data"] = str(flags["data"])
    return flags


def run_settings(args, step, data_sha256):
    """What settings.json records: enough to check a resume and to know how the model was made."""
    return {
        "step": step,
        "steps_total": total_steps(args.training_iters, args.batch_size),
        "flags": recorded_flags(args),
        "data_sha256": data_sha256,
        "versions": installed_versions(),
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def resume_checkpoint(args, data_sha256):
    """The checkpoint in --save-dir, refused if it was made with other model or data settings."""
    checkpoint = load(args.save_dir)
    found = differences(checkpoint, recorded_flags(args), data_sha256)
    if found:
        raise CheckpointError(f"{args.save_dir}: cannot resume: {found[0]}")
    changed = version_changes(checkpoint, installed_versions())
    if changed:
        print(f"warning: {args.save_dir} was saved under other versions ({', '.join(changed)}): "
              "the resumed steps may round differently from an uninterrupted run",
              file=sys.stderr, flush=True)
    return checkpoint


def installed_versions():
    """Versions that decide the arithmetic, read without importing TensorFlow."""
    return {"python": platform.python_version(),
            "tensorflow": importlib.metadata.version("tensorflow"),
            "numpy": np.__version__}


# The trainer's graph has name scopes for TensorBoard, and two of them name variables too. A
# checkpoint keeps each variable's name without them, as before the scopes existed: earlier
# checkpoints still resume, and predict_digit.py, which builds the bare model, reads them all.
NAME_SCOPES = ("RNN/", "optimizer/")


def saved_name(variable):
    name = variable.op.name
    for scope in NAME_SCOPES:
        if name.startswith(scope):
            return name[len(scope):]
    return name


def model_saver():
    """A Saver of the graph's variables, under the names checkpoints give them."""
    return tf.train.Saver({saved_name(variable): variable for variable in tf.global_variables()})


def restore_variables(session, saver, checkpoint):
    """Load the checkpoint's values into this graph's variables, once they are checked.

    The v1 Saver would load a [156, 512] kernel into a [92, 256] variable without a word, and
    the first session run would fail far from the cause.
    """
    saved = read_model(checkpoint)
    try:
        for variable in tf.global_variables():
            name, shape = saved_name(variable), variable.shape.as_list()
            if name not in saved:
                raise ValueError(f"it has no variable {name}")
            if list(saved[name].shape) != shape:
                raise ValueError(f"its {name} has shape {list(saved[name].shape)}, this graph's "
                                 f"{shape}: was it made with another --num-hidden?")
        saver.restore(session, checkpoint.model_prefix)
    except (tf.errors.OpError, ValueError) as error:
        raise CheckpointError(f"{checkpoint.folder}: the model cannot be restored "
                              f"({one_line(error)})") from None


def read_model(checkpoint):
    """Every saved value by name, read once, so that a damaged file is named and NaN refused."""
    index, data = (checkpoint.folder / name for name in MODEL_FILES)
    try:
        reader = tf.train.load_checkpoint(checkpoint.model_prefix)
    except (tf.errors.OpError, ValueError) as error:
        raise CheckpointError(f"{index}: damaged ({one_line(error)})") from None
    try:
        values = {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}
    except (tf.errors.OpError, ValueError, IndexError) as error:  # IndexError: a short read
        raise CheckpointError(f"{data}: damaged or cut short ({one_line(error)})") from None
    if not all_finite(values.values()):
        raise CheckpointError(f"{checkpoint.folder}: the model's values are not finite (NaN or "
                              "infinite): it cannot be used")
    return values


def all_finite(arrays):
    return all(np.all(np.isfinite(array)) for array in arrays)


def resume_command(argv):
    """The command line that resumes this run: the same flags, plus --resume."""
    args = [arg for arg in (sys.argv[1:] if argv is None else argv) if arg != "--overwrite"]
    if "--resume" not in args:
        args.append("--resume")
    return shell_command([shortest_path(sys.executable), shortest_path(TRAINER), *args])


def shortest_path(path):
    try:
        relative = os.path.relpath(path)
    except ValueError:  # Windows: the path is on another drive than the working folder
        return str(path)
    return relative if len(relative) < len(str(path)) else str(path)
