import errno
import os

import pytest

from tf_t2v.io.files import NAME_MAX, atomic_output, is_remote, temporary_name, write_text_atomically


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


@pytest.mark.parametrize("code, why", [(errno.ENOSPC, "the disk is full"), (errno.EDQUOT, "the disk quota is exceeded")])
def test_a_full_disk_is_one_line_and_leaves_no_partial_file(tmp_path, code, why):
    path = tmp_path / "clips.npy"
    with pytest.raises(OSError) as info:
        with atomic_output(str(path)) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"half a file")
            raise OSError(code, os.strerror(code))
    assert str(info.value) == (f"Cannot write {str(path)!r}: {why} (no partial file is left); "
                               "free some space or write elsewhere.")
    assert info.value.errno == code and os.listdir(tmp_path) == []


def test_a_library_error_naming_a_full_disk_is_the_same_line(tmp_path):
    with pytest.raises(OSError, match="the disk is full"):
        with atomic_output(str(tmp_path / "ckpt.keras")):
            raise RuntimeError("Unable to write data (file write failed: errno = 28, error message = "
                               "'No space left on device')")
    assert os.listdir(tmp_path) == []


def test_other_errors_pass_unchanged(tmp_path):
    with pytest.raises(PermissionError):
        with atomic_output(str(tmp_path / "x.txt")):
            raise PermissionError(errno.EACCES, "Permission denied")


@pytest.mark.parametrize("name", ["x" * 240 + ".mp4", "é" * 120 + ".mp4", "a" * 255])
def test_a_legal_long_file_name_can_be_written(tmp_path, name):
    assert len(os.fsencode(name)) <= NAME_MAX
    write_text_atomically(str(tmp_path / name), "done")
    assert os.listdir(tmp_path) == [name] and (tmp_path / name).read_text() == "done"
    tmp = os.path.basename(temporary_name(str(tmp_path / name)))
    assert len(os.fsencode(tmp)) <= NAME_MAX and tmp.startswith("." + name[:50]) and tmp.endswith(".tmp")
    os.fsencode(tmp).decode("utf-8")  # no UTF-8 character cut in two
