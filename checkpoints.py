"""Checkpoints of train_rnn_mnist.py: saved atomically, loaded with clear errors.

A checkpoint folder DIR (--save-dir DIR) holds one complete checkpoint, in a subfolder named by
the file DIR/LATEST:

    DIR/LATEST                       the name of the current checkpoint, e.g. step-0000781-k2j4
    DIR/step-0000781-k2j4/model.*    the variables, Adam's slots included (tf.train.Saver)
    DIR/step-0000781-k2j4/data_state.npz   where the training data stream stands
    DIR/step-0000781-k2j4/settings.json    the step, the run's flags, data checksums, versions

A new checkpoint is written whole under a temporary name, renamed, and only then named in
LATEST (itself replaced by a rename), so an interrupted save leaves the previous checkpoint
in place. TensorFlow is not imported here: the caller hands in its session and saver.
"""

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LATEST = "LATEST"
MODEL_PREFIX = "model"
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
    (temporary / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n")
    for path in temporary.iterdir():
        sync(path)

    final = directory / f"step-{settings['step']:07d}-{temporary.name.rsplit('-', 1)[-1]}"
    os.rename(temporary, final)
    pointer = directory / f".{LATEST}.unfinished"
    pointer.write_text(final.name + "\n")
    sync(pointer)
    os.replace(pointer, directory / LATEST)
    sync(directory)
    remove_all_but(directory, final)
    return final


def sync(path):
    """Flush a file or folder to disk, so that a rename after it never names missing data."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
    name = pointer.read_text().strip()
    folder = directory / name
    if not name.startswith("step-") or "/" in name or not folder.is_dir():
        raise CheckpointError(f"{directory}: {LATEST} names {name!r}, which is not a checkpoint "
                              "in this folder")
    if not (folder / f"{MODEL_PREFIX}.index").is_file():
        raise CheckpointError(f"{folder}: the model's variables are missing")
    return Checkpoint(folder, read_settings(folder), read_data_state(folder))


def read_settings(folder):
    path = folder / SETTINGS
    try:
        settings = json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not readable JSON ({error})") from None
    missing = [key for key in ("step", "flags", "data_sha256") if key not in settings]
    missing += [f"flags.{flag}" for flag in FLAGS_THAT_MUST_MATCH
                if flag not in settings.get("flags", {})]
    if missing:
        raise CheckpointError(f"{path}: missing {', '.join(missing)}")
    return settings


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
