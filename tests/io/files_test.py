import os

import pytest

from tf_t2v.io.files import atomic_output, is_remote, write_text_atomically


def test_write_text_atomically_replaces_the_whole_file(tmp_path):
    path = tmp_path / "sub" / "notes.txt"
    write_text_atomically(str(path), "first\n")
    write_text_atomically(str(path), "second\n")
    assert path.read_text() == "second\n"
    assert os.listdir(path.parent) == ["notes.txt"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(str(path)) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("killed mid-write")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["notes.txt"]


def test_remote_paths_are_told_apart():
    assert is_remote("gs://bucket/clip.mp4") and not is_remote("file:///tmp/clip.mp4")
    assert not is_remote("runs/clip.mp4")
