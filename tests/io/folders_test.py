import os
import subprocess
import sys

import pytest

from tf_t2v.io import folders
from tf_t2v.io.folders import rename_no_replace, replace_folder, restore_replaced


def folder_with(path, text):
    os.makedirs(path)
    with open(os.path.join(path, "saved_model.pb"), "w") as f:
        f.write(text)
    return str(path)


def content(path):
    with open(os.path.join(path, "saved_model.pb")) as f:
        return f.read()


@pytest.mark.parametrize("renameat2", ["linux", "missing"])
def test_of_two_claims_of_one_name_one_wins(tmp_path, monkeypatch, renameat2):
    if renameat2 == "missing":
        monkeypatch.setattr(folders, "_renameat2", None)
    first, second = folder_with(tmp_path / ".tmp-a", "a"), folder_with(tmp_path / ".tmp-b", "b")
    rename_no_replace(first, str(tmp_path / "4"))
    with pytest.raises(FileExistsError):
        rename_no_replace(second, str(tmp_path / "4"))
    assert content(tmp_path / "4") == "a" and content(second) == "b"


@pytest.mark.parametrize("renameat2", ["linux", "missing"])
def test_replace_folder_leaves_the_new_folder_only(tmp_path, monkeypatch, renameat2):
    if renameat2 == "missing":
        monkeypatch.setattr(folders, "_renameat2", None)
    target = str(tmp_path / "4")
    replace_folder(folder_with(tmp_path / ".tmp-a", "a"), target)  # nothing there yet
    replace_folder(folder_with(tmp_path / ".tmp-b", "b"), target)
    assert content(target) == "b" and os.listdir(tmp_path) == ["4"]


@pytest.mark.skipif(folders._renameat2 is None, reason="renameat2 is Linux only")
def test_the_linux_replacement_is_one_step(tmp_path, monkeypatch):
    target = folder_with(tmp_path / "4", "old")

    def no_two_step_rename(*args):
        raise AssertionError("a two-step replacement leaves a moment without the target")

    monkeypatch.setattr(os, "rename", no_two_step_rename)
    replace_folder(folder_with(tmp_path / ".tmp-a", "new"), target)
    assert content(target) == "new" and os.listdir(tmp_path) == ["4"]


KILLED_BETWEEN_RENAMES = """
import os, sys
from tf_t2v.io import folders
folders._renameat2 = None  # the fallback, as on a system without renameat2
rename = os.rename
def rename_then_die(src, dst):
    rename(src, dst)
    os._exit(9)  # killed after moving the old folder aside
os.rename = rename_then_die
folders.replace_folder(sys.argv[1], sys.argv[2])
"""


def test_a_replacement_killed_between_its_renames_is_restored(tmp_path):
    target = folder_with(tmp_path / "4", "old")
    new = folder_with(tmp_path / ".tmp-a", "new")
    assert subprocess.run([sys.executable, "-c", KILLED_BETWEEN_RENAMES, new, target]).returncode == 9
    assert not os.path.exists(target)
    assert restore_replaced(target)
    assert content(target) == "old"
    assert sorted(os.listdir(tmp_path)) == [".tmp-a", "4"]
    assert not restore_replaced(target)
