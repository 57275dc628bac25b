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

The folder may hold other files, and may have come from someone else: a run writes and removes
only the names above, DIR/.lock (its lock), DIR/.saves (the checkpoints its saves made, by
name: the only ones it ever removes), DIR/.unfinished (the save under way) and, where a console
cannot show the command that resumes the run, DIR/resume-command.txt, never through a
symbolic link, and reads only regular files of the sizes it writes. A user's folder named like a
checkpoint (`step-0000099-keepthis/`) is never taken for one. A reader holds the checkpoint it
reads (hold()), so that a run saving into the folder meanwhile leaves it in place.

RunCheckpoints is what the trainer asks of --save-dir and --resume: the checkpoint to resume,
checked before TensorFlow loads; the variables and the data stream restored; the save at the
end, or when a signal stops the run; and the line that says how to resume it.
"""

import codecs
import contextlib
import errno
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from input_data import NUM_CLASSES, NUM_PIXELS, DataError
from rnn_mnist.cli import one_line, printable, shell_command, system_reason
from rnn_mnist.safe_files import (FolderInUse, NotOwnFile, check_own_file, has_no_reader,
                                  hold_for_reading, lock_exclusively, open_own_file, read_own_file,
                                  replace_own_file, sync_file, sync_folder)
from rnn_mnist.tensorflow_v1 import tf

TRAINER = Path(__file__).resolve().parent.parent / "train_rnn_mnist.py"
# `make run` keeps its model here (tasks.py's KEPT_MODEL), where predict_digit.py and
# export_page_model.py look when no --checkpoint is given.
KEPT_MODEL = TRAINER.parent / "runs" / "article"
PROG = TRAINER.name

LATEST = "LATEST"
LOCK = ".lock"  # held by the run that uses the folder (safe_files); the lock dies with its process
MODEL_PREFIX = "model"
MODEL_FILES = (f"{MODEL_PREFIX}.index", f"{MODEL_PREFIX}.data-00000-of-00001")  # Saver's two
DATA_STATE = "data_state.npz"
SETTINGS = "settings.json"
RESUME_COMMAND = "resume-command.txt"  # where a console cannot show the command (how_to_resume)

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
    held: object = None  # its settings file with a shared lock (hold()), until release()

    def release(self):
        """Let a run saving into the folder remove this checkpoint once it is not the latest."""
        if self.held is not None:
            self.held.close()
            self.held = None

    @property
    def model_prefix(self):
        return str(self.folder / MODEL_PREFIX)

    @property
    def step(self):
        return self.settings["step"]


def save(directory, session, saver, settings, data_state, still_ours=lambda: None):
    """Write a complete checkpoint into `directory`, then make it the one LATEST names.

    What a failed save leaves is removed, so that it takes no room from the next try; the
    previous checkpoint stays until the new one is complete. `still_ours()` raises if the folder
    is no longer the run's: it is asked again before the folder's list of its checkpoints
    changes, before LATEST changes and before anything older is removed, so that a folder
    replaced meanwhile (another run's) is never changed.
    """
    directory = Path(directory)
    still_ours()
    directory.mkdir(parents=True, exist_ok=True)
    remove_leftover(directory / UNFINISHED)  # an interrupted save's: this one starts again
    temporary = directory / UNFINISHED
    final = None
    try:
        temporary.mkdir()
        saver.save(session, str(temporary / MODEL_PREFIX), write_meta_graph=False,
                   write_state=False)
        np.savez(temporary / DATA_STATE, **data_state)
        (temporary / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
        for path in temporary.iterdir():
            sync_file(path)
        final = directory / new_checkpoint_name(directory, settings["step"])
        still_ours()
        # Listed before it exists, so that no moment leaves a checkpoint the folder does not
        # know for its own; a name listed that is not there is dropped by the next save.
        older = read_saves(directory)
        write_saves(directory, older | {final.name})
        os.rename(temporary, final)
        still_ours()
    except BaseException:
        for made in (temporary, final):  # folders this call made, by names it chose
            if made is not None:
                shutil.rmtree(made, ignore_errors=True)
        raise
    replace_own_file(directory / LATEST, (final.name + "\n").encode())
    sync_folder(directory)
    still_ours()
    write_saves(directory, remove_older(directory, older - {final.name}) | {final.name})
    return final


# What the project makes in a checkpoint folder, and so may remove, is known by a list, never by
# the look of a name: the checkpoints its saves made, by name in SAVES (and, in a folder saved
# before SAVES existed, the one LATEST names), and the fixed names of its own files and of an
# unfinished save. A user's `step-0000099-keepthis/` stays, whatever its name looks like.
SAVES = ".saves"
SAVES_LIMIT = 1 << 16  # a few names: the newest checkpoint, and older ones readers still hold
UNFINISHED = ".unfinished"  # the save under way (one run per folder: the lock)
CHECKPOINT_NAME = re.compile(r"step-\d{7,}-[a-z0-9_]{8}")  # the step, then 8 random characters


def new_checkpoint_name(directory, step):
    """`step-0000781-` and 8 random characters: a name that nothing in `directory` has."""
    while True:
        name = f"step-{step:07d}-{secrets.token_hex(4)}"
        if not os.path.lexists(directory / name):
            return name


def read_saves(directory):
    """The checkpoints of `directory` that its saves made and have not removed yet."""
    try:
        text = read_own_file(directory / SAVES, SAVES_LIMIT).decode("utf-8")
    except FileNotFoundError:
        text = ""
    except (NotOwnFile, OSError, UnicodeDecodeError):
        text = ""  # not the list a save writes: nothing in it is taken for the project's
    names = {name for name in text.split() if CHECKPOINT_NAME.fullmatch(name)}
    if not os.path.lexists(directory / SAVES):
        try:
            latest = read_latest_name(directory)
        except CheckpointError:
            latest = None
        names |= {latest} if latest else set()
    return names


def write_saves(directory, names):
    replace_own_file(directory / SAVES, "".join(f"{name}\n" for name in sorted(names)).encode())


def remove_older(directory, names):
    """Remove the older checkpoints `names`, unless a reader holds one (hold()); return the
    names still there, for the next save to try again. A symbolic link put in the place of one
    is not followed, and no longer counted as the project's."""
    left = set()
    for name in names:
        path = directory / name
        if path.is_symlink() or not path.is_dir():
            continue
        remove_unless_read(path)
        if os.path.lexists(path):
            left.add(name)
    return left


def remove_leftover(path):
    """Remove what one of the project's fixed names holds (an interrupted save's leftover),
    never following a symbolic link."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def remove_unless_read(checkpoint):
    """Remove an older checkpoint, unless a reader holds it (hold()): the next save will.

    Its settings file, which readers lock, is locked here while the rest goes, and removed
    last: a reader that comes meanwhile finds the lock taken, or the model's files gone, and
    reads LATEST again. (Windows cannot remove a file that is open.)"""
    try:
        file = open_for_locking(checkpoint / SETTINGS)
    except (NotOwnFile, OSError):
        file = None  # no settings: no reader can hold it
    if file is not None:
        with file:
            if file.writable() and not has_no_reader(file):
                return
            for path in checkpoint.iterdir():  # save() writes files only, no folders
                if path.name != SETTINGS and not path.is_dir():
                    path.unlink(missing_ok=True)
    shutil.rmtree(checkpoint, ignore_errors=True)


def load(directory):
    """The checkpoint that `directory`/LATEST names, its settings and data state read, held
    (see hold()) until its release().

    Each piece is checked to be what save() writes, a regular file of its size, before it is
    read, and before TensorFlow reads the model's files. A run may be saving into the folder
    meanwhile: a checkpoint replaced while it was being read is read again under its new name.
    """
    directory = Path(directory)
    if directory == KEPT_MODEL and not os.path.lexists(directory / LATEST):
        raise CheckpointError(f"no model in {shortest_path(directory)} yet: `make run` (Windows: "
                              "py tasks.py run) "
                              "trains the article's model and keeps it there; or give "
                              "--checkpoint DIR, a folder of train_rnn_mnist.py --save-dir")
    if not directory.is_dir():
        raise CheckpointError(f"{directory}: no such folder")
    for _ in range(READ_ATTEMPTS):
        name = read_latest_name(directory)
        if name is None:
            raise CheckpointError(f"{directory}: no checkpoint in this folder (no {LATEST} file)")
        try:
            return load_named(directory / name)
        except CheckpointError:
            if read_latest_name(directory) == name:
                raise  # the checkpoint is damaged, not replaced
    raise CheckpointError(f"{directory}: the checkpoint was replaced {READ_ATTEMPTS} times while "
                          "it was being read: is a run saving there at every step?")


READ_ATTEMPTS = 20


def load_named(folder):
    if folder.is_symlink() or not folder.is_dir():
        raise CheckpointError(f"{folder.parent}: {LATEST} names '{folder.name}', which is not a "
                              "checkpoint in this folder")
    held = hold(folder)
    try:
        for model_file in MODEL_FILES:
            try:
                check_own_file(folder / model_file)
            except FileNotFoundError:
                raise CheckpointError(f"{folder / model_file}: missing (the model's "
                                      "variables)") from None
            except (NotOwnFile, OSError) as error:
                raise CheckpointError(f"{folder / model_file}: {reason(error)}") from None
        return Checkpoint(folder, read_settings(folder), read_data_state(folder), held)
    except BaseException:
        held.close()
        raise


def hold(folder):
    """Its settings file, open with a shared lock: a run that saves into the folder leaves a
    checkpoint held so in place (remove_older), until the reader has read it."""
    path = folder / SETTINGS
    try:
        file = open_for_locking(path)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except (NotOwnFile, OSError) as error:
        raise CheckpointError(f"{path}: {reason(error)}") from None
    if file.writable() and not hold_for_reading(file):
        file.close()
        raise CheckpointError(f"{folder}: being removed by the run that saves there")
    return file


def open_for_locking(path):
    """A checkpoint's settings file, to lock: open for writing, as Windows' locks want, where it
    can be; a folder that cannot be written to has no run saving into it, and needs no lock."""
    try:
        return os.fdopen(open_own_file(path, os.O_RDWR), "r+b")
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
    return os.fdopen(open_own_file(path, os.O_RDONLY), "rb")


# Limits on what save() writes: a name; a page of settings; the data order, 8 bytes an image.
LATEST_LIMIT = 256
SETTINGS_LIMIT = 1 << 20
DATA_STATE_LIMIT = 1 << 30


def reason(error):
    """What is wrong with a file, from NotOwnFile or an OSError, as a message's end."""
    return str(error) if isinstance(error, NotOwnFile) else f"cannot be read ({error.strerror})"


def read_latest_name(directory):
    """The checkpoint name that LATEST holds, or None where there is no LATEST."""
    pointer = Path(directory) / LATEST
    try:
        data = read_own_file(pointer, LATEST_LIMIT)
    except FileNotFoundError:
        return None
    except (NotOwnFile, OSError) as error:
        raise CheckpointError(f"{pointer}: {reason(error)}") from None
    try:
        name = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CheckpointError(f"{pointer}: not UTF-8 text, so not a checkpoint's name") from None
    if not CHECKPOINT_NAME.fullmatch(name):
        raise CheckpointError(f"{directory}: {LATEST} names '{printable(name)}', which is not "
                              "a checkpoint in this folder")
    return name


def read_settings(folder):
    path = folder / SETTINGS
    try:
        settings = json.loads(read_own_file(path, SETTINGS_LIMIT).decode("utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except (NotOwnFile, OSError) as error:
        raise CheckpointError(f"{path}: {reason(error)}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise CheckpointError(f"{path}: not readable JSON ({printable(error)})") from None
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
    for flag, kind in FLAG_KINDS.items():
        value = settings["flags"].get(flag, 1)
        least = 0 if flag == "seed" else 1e-45  # the seed may be 0; every other flag is positive
        if not isinstance(value, kind) or isinstance(value, bool) or not value >= least:
            raise CheckpointError(f"{path}: flags.{flag} is {printable(json.dumps(value))}, not "
                                  f"{FLAG_KIND_NAMES[kind]}")
    if not isinstance(settings["flags"].get("data", ""), str):
        raise CheckpointError(f"{path}: flags.data is a JSON "
                              f"{json_type(settings['flags']['data'])}, not a string")
    versions = settings.get("versions", {})
    if not isinstance(versions, dict) or not all(isinstance(value, str)
                                                 for value in versions.values()):
        raise CheckpointError(f"{path}: versions is not an object of version strings")
    return settings


# The JSON kind of each flag a checkpoint records and a resume or a prediction relies on.
FLAG_KINDS = {"num_hidden": int, "batch_size": int, "seed": int, "learning_rate": (int, float),
              "training_iters": int, "display_step": int, "test_len": int}
FLAG_KIND_NAMES = {int: "a whole number above 0", (int, float): "a number above 0"}


def json_type(value):
    """The JSON name of a parsed value's type (json.loads gives these alone), for messages."""
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number", type(None): "null"}[type(value)]


def read_data_state(folder):
    """The data stream's arrays; their values are checked against the data by resume_checkpoint."""
    path = folder / DATA_STATE
    try:
        descriptor = open_own_file(path, os.O_RDONLY)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except (NotOwnFile, OSError) as error:
        raise CheckpointError(f"{path}: {reason(error)}") from None
    try:
        with os.fdopen(descriptor, "rb") as file, np.load(file, allow_pickle=False) as archive:
            # np.load reads a member when it is asked for: its declared size is checked first.
            declared = sum(member.file_size for member in archive.zip.infolist())
            if declared > DATA_STATE_LIMIT:
                raise CheckpointError(f"{path}: declares {declared:,} bytes of arrays, more than "
                                      f"a data state holds ({DATA_STATE_LIMIT:,} at most)")
            return {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise CheckpointError(f"{path}: not readable ({printable(one_line(error))})") from None


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
                     f"({printable(checkpoint.settings['flags'].get('data'))})")
    return found


def version_changes(checkpoint, versions_now):
    """The versions that differ from the checkpoint's, as 'name saved -> now' phrases."""
    return [printable(f"{name} {saved} -> {versions_now.get(name)}")
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
            self.resumed = resume_checkpoint(args, mnist.sha256, mnist.train)
        elif os.path.lexists(self.folder / LATEST) and not args.overwrite:
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
        self.resumed.release()  # so that this run's next save can remove it
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
                 self.mnist.train.state(), still_ours=self.check_folder_is_ours)
        # (Saver.save's ValueError: the folder it writes into was gone when it looked.)
        except (OSError, NotOwnFile, ValueError, tf.errors.OpError) as error:
            self.check_folder_is_ours()  # a folder removed midway is why, not the file it lost
            kept = ("; the folder's previous checkpoint is kept"
                    if os.path.lexists(self.folder / LATEST) else "")
            raise CheckpointError(f"--save-dir {self.folder}: the checkpoint of step {step} cannot "
                                  f"be written ({system_reason(error)}){kept}") from None
        self.saved_step = step

    def check_folder_is_ours(self):
        """Refuse to save once --save-dir is not the folder this run locked: removed, or made
        again, perhaps by another run that holds it now."""
        try:
            still_ours = os.path.samestat(os.fstat(self._lock.fileno()),
                                          os.stat(self.folder / LOCK, follow_symlinks=False))
        except OSError:
            still_ours = False
        if not still_ours:
            raise CheckpointError(f"--save-dir {self.folder}: not saved: the folder was removed "
                                  "or replaced while this run used it")

    def report_stop(self, last_step, cause=""):
        """Say on stderr where the run stopped (after `cause`, what stopped it), and how to
        resume it."""
        steps = total_steps(self.args.training_iters, self.args.batch_size)
        where = f"{cause}stopped after step {last_step} of {steps}"
        if self.folder is None:
            message = f"{where}; nothing saved (no --save-dir), so it cannot be resumed"
        else:
            message = f"{where}; saved in {self.folder}; {self.how_to_resume()}"
        print(f"{PROG}: {message}", file=sys.stderr, flush=True)

    def how_to_resume(self):
        """"resume with: COMMAND", a line to paste; where stderr's code page cannot show it (a
        Japanese folder name on Windows' cp1252), printed escaped it would name another folder,
        so the command is written in the folder instead, in UTF-8 with a BOM, as Windows'
        tools read it, and the line says where."""
        command = resume_command(self.args.argv)
        encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
        if shows(command, encoding):
            return f"resume with: {command}"
        path = self.folder / RESUME_COMMAND
        cannot = ("the command that resumes it cannot be shown in this console's code page "
                  f"({encoding})")
        try:
            replace_own_file(path, codecs.BOM_UTF8 + (command + "\n").encode("utf-8"))
        except (OSError, NotOwnFile) as error:
            return (f"{cannot}, nor written in {path} ({system_reason(error)}): run the same "
                    "command with --resume")
        return f"{cannot}: it is written in {RESUME_COMMAND}, in the folder it was saved in"


def lock(folder):
    """Hold the folder's lock for as long as this process runs (or the file stays open)."""
    path = folder / LOCK
    try:
        descriptor = open_own_file(path, os.O_RDWR | os.O_CREAT)
    except NotOwnFile as error:
        raise CheckpointError(f"{path}: {error}: refused, since a run writes only files it "
                              "makes (remove it if the folder is yours)") from None
    except OSError as error:
        raise CheckpointError(f"--save-dir {folder}: cannot be written "
                              f"({error.strerror})") from None
    lock_file = os.fdopen(descriptor, "r+", encoding="utf-8")
    try:
        lock_exclusively(lock_file)
    except FolderInUse:
        holder = printable(lock_file.read(64).strip()) or "unknown"
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
        raise CheckpointError(f"--save-dir {folder}: cannot be written "
                              f"({error.strerror})") from None


def total_steps(training_iters, batch_size):
    """How many steps the article's loop runs: 781 for its 100,000 iterations of batch 128."""
    return max(0, (training_iters - 1) // batch_size)


def recorded_flags(args):
    """The flags a checkpoint records and a resume is checked against (--data as text)."""
    flags = {name: value for name, value in vars(args).items()
             if name not in ("save_dir", "save_every", "resume", "overwrite", "verbose",
                             "logdir", "argv")}
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


def resume_checkpoint(args, data_sha256, train):
    """The checkpoint in --save-dir, refused if it was made with other model or data settings,
    or if its data state is not one of the training DataSet `train`."""
    checkpoint = load(args.save_dir)
    found = differences(checkpoint, recorded_flags(args), data_sha256)
    if found:
        raise CheckpointError(f"{args.save_dir}: cannot resume: {found[0]}")
    try:
        train.check_state(checkpoint.data_state)
    except DataError as error:
        raise CheckpointError(f"{checkpoint.folder / DATA_STATE}: {error}") from None
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
    check_article_model(saved, checkpoint.folder)
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


def article_model_shapes(num_hidden):
    """The article's four variables and their shapes for `num_hidden` units: BasicLSTMCell's one
    kernel over [x, h] and its bias, four gates wide, and the dense layer's weights and biases."""
    return {"rnn/basic_lstm_cell/kernel": [NUM_PIXELS + num_hidden, 4 * num_hidden],
            "rnn/basic_lstm_cell/bias": [4 * num_hidden],
            "Variable": [num_hidden, NUM_CLASSES], "Variable_1": [NUM_CLASSES]}


def check_article_model(values, folder):
    """CheckpointError unless `values` (read_model's) hold the article's four variables with
    shapes that fit together: a 128-unit LSTM beside an 8-unit dense layer is refused here, as
    the trainer and predict_digit.py refuse it when they build the graph."""
    missing = [name for name in article_model_shapes(1) if name not in values]
    if missing:
        raise CheckpointError(f"{folder}: not a checkpoint of the article's model (it has no "
                              f"{missing[0]})")
    num_hidden = int(values["Variable"].shape[0]) if values["Variable"].ndim else 0
    for name, shape in article_model_shapes(num_hidden).items():
        if list(values[name].shape) != shape:
            raise CheckpointError(f"{folder}: the model's shapes do not fit together: its {name} "
                                  f"is {list(values[name].shape)}, not the {shape} that its "
                                  f"dense layer's {num_hidden} inputs need")
    return num_hidden


def all_finite(arrays):
    return all(np.all(np.isfinite(array)) for array in arrays)


def shows(text, encoding):
    """Whether `text` can be written in `encoding` as it is, not escaped."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    except LookupError:
        return True
    return True


def resume_command(argv):
    """The command line that resumes this run: the same flags (by their full names, argv of
    parse_args()), plus --resume."""
    args = [arg for arg in argv if arg != "--overwrite"]
    if "--resume" not in args:
        args.append("--resume")
    return shell_command([shortest_path(sys.executable), shortest_path(TRAINER), *args])


def shortest_path(path):
    try:
        relative = os.path.relpath(path)
    except ValueError:  # Windows: the path is on another drive than the working folder
        return str(path)
    return relative if len(relative) < len(str(path)) else str(path)
