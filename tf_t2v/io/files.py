"""Files written whole or not at all, and remote (`gs://...`) paths: the project's lowest layer.

Every module that writes a file a reader may see half-done (videos, reports, plots, text files of a
run folder, models.config) goes through `atomic_output`; tfds_builders and every tf_t2v package
may import this module (it imports nothing of tf_t2v).
"""

import contextlib
import errno
import os
import re
import secrets
import tempfile

_REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
NAME_MAX = 255  # bytes in a file name on the usual local file systems (ext4, XFS, APFS, NTFS)
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_DISK_FULL_TEXT = ("No space left on device", "Disk quota exceeded")  # strerror, inside other messages


def is_remote(path):
    """Whether `path` has a URL scheme (`gs://`, `s3://`, ...) other than `file://`."""
    return bool(_REMOTE.match(path)) and not path.startswith("file://")


def _local_name(path):
    path = os.fspath(path)
    return path[len("file://"):] if path.startswith("file://") else path


@contextlib.contextmanager
def local_copy(path):
    """Yields a local file name for `path`, copying a remote (`gs://...`) file to a temporary one.

    Args:
        path: str or os.PathLike. a local path, `file://` URL or any `tf.io.gfile` path.

    Example:
        >>> from tf_t2v.io.files import local_copy
        >>> with local_copy("clip.mp4") as name:
        ...     print(name)
        clip.mp4
    """
    path = os.fspath(path)
    if not is_remote(path):
        yield _local_name(path)
        return
    import tensorflow as tf  # Only remote files need TensorFlow's file systems.

    if not tf.io.gfile.exists(path):
        raise FileNotFoundError(f"Video file {path!r} does not exist.")
    with tempfile.TemporaryDirectory() as folder:
        name = os.path.join(folder, "video" + os.path.splitext(path)[1])
        tf.io.gfile.copy(path, name, overwrite=True)
        yield name


def is_disk_full(error):
    """Whether `error` (an exception) says the disk or the user's quota is full: errno ENOSPC or
    EDQUOT, or a library's message carrying them (h5py, ffmpeg)."""
    if isinstance(error, OSError) and error.errno in DISK_FULL:
        return True
    return any(text in str(error) for text in _DISK_FULL_TEXT)


def disk_full_error(path, error):
    """The one-line OSError for a write of `path` that filled the disk (errno kept)."""
    why = "the disk quota is exceeded" if getattr(error, "errno", None) == errno.EDQUOT else "the disk is full"
    full = OSError(f"Cannot write {os.fspath(path)!r}: {why} (no partial file is left); "
                   "free some space or write elsewhere.")
    full.errno = getattr(error, "errno", None) or errno.ENOSPC
    return full


@contextlib.contextmanager
def full_disk_in_one_line(path):
    """Raises `disk_full_error(path, e)` for an error `e` inside that says the disk is full; other
    errors pass as they are. Clean-up inside (removing a temporary file) runs first."""
    try:
        yield
    except Exception as e:
        if is_disk_full(e):
            raise disk_full_error(path, e) from e
        raise


def temporary_name(path):
    """A hidden name beside `path` for writing it: `.NAME.XXXXXXXX.tmp`, NAME cut so that the whole
    name fits in `NAME_MAX` bytes (a 255-byte `path` name is legal, its temporary name too)."""
    folder, base = os.path.split(os.fspath(path))
    token = secrets.token_hex(4)
    room = NAME_MAX - len(f"..{token}.tmp")
    name = os.fsencode(base)
    if len(name) > room:  # the start of the name, not cutting a UTF-8 character in two
        name = name[:room]
        for _ in range(3):
            try:
                name.decode("utf-8")
                break
            except UnicodeDecodeError:
                name = name[:-1]
    return os.path.join(folder, f".{os.fsdecode(name)}.{token}.tmp")


@contextlib.contextmanager
def atomic_output(path):
    """Yields a temporary file name beside `path`; on success it is renamed to `path`, on failure removed.

    An interrupted write never leaves a half-written `path`. Parent folders are created. For a remote
    `path` (`gs://...`) the file is written locally, copied beside `path`, then renamed. A write that
    fills the disk (ENOSPC, EDQUOT) becomes one `OSError` line naming `path` (see `disk_full_error`),
    the temporary file removed.

    Args:
        path: str or os.PathLike. the final file.

    Example:
        >>> from tf_t2v.io.files import atomic_output
        >>> with atomic_output("notes.txt") as tmp:
        ...     with open(tmp, "w") as f:
        ...         _ = f.write("done")
        >>> open("notes.txt").read()
        'done'
    """
    path = os.fspath(path)
    with full_disk_in_one_line(path):
        if is_remote(path):
            with _remote_output(path) as tmp:
                yield tmp
            return
        path = _local_name(path)
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        tmp = temporary_name(os.path.join(folder, os.path.basename(path)))
        try:
            yield tmp
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


@contextlib.contextmanager
def _remote_output(path):
    """`atomic_output` of a remote path: written locally, copied beside `path`, then renamed."""
    import tensorflow as tf  # Only remote files need TensorFlow's file systems.

    with tempfile.TemporaryDirectory() as folder:
        tmp = os.path.join(folder, os.path.basename(path))
        yield tmp
        remote_tmp = f"{path}.{secrets.token_hex(4)}.tmp"
        tf.io.gfile.makedirs(os.path.dirname(path))
        tf.io.gfile.copy(tmp, remote_tmp, overwrite=True)
        try:
            tf.io.gfile.rename(remote_tmp, path, overwrite=True)
        finally:
            if tf.io.gfile.exists(remote_tmp):
                tf.io.gfile.remove(remote_tmp)


def write_text_atomically(path, text):
    """Writes `text` (str) to `path` (local or remote) through `atomic_output`."""
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
