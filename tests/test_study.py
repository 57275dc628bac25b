"""make study: its SEEDS are checked before anything of the previous study is removed."""

import subprocess

import pytest

from conftest import ROOT


@pytest.mark.parametrize("seeds", ["0", "abc", "-3", "2.5", ""])
def test_a_bad_seeds_count_is_refused_and_the_previous_study_is_kept(seeds, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "seed-0.log").write_text("the previous study\n")
    # The Makefile's paths are relative: run it in tmp_path, with the repository's venv.
    result = subprocess.run(["make", "-f", str(ROOT / "Makefile"), f"VENV={ROOT / '.venv'}",
                             "study", f"SEEDS={seeds}"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"make study: SEEDS must be a positive whole number, not '{seeds}'" in result.stderr
    assert (runs / "seed-0.log").read_text() == "the previous study\n"
