"""Output checks the subcommands make before any slow work (loading a model, generating clips)."""

import os
import tempfile


def check_writable(folder, shown=None):
    """ValueError unless `folder` exists as a writable folder or can be created as one.

    The nearest existing folder on the way must accept a new file (permissions, read-only file
    systems). Nothing is created. Remote paths (gs://...) are not checked.

    Args:
        folder: str. A folder to write into, or to create and write into.
        shown: str or None. The path named in the message (default: `folder`).

    Example:
        >>> check_writable("runs/new/folder")  # fine where the working folder is writable
    """
    from tf_t2v.io.files import is_remote

    shown = folder if shown is None else shown
    if is_remote(folder):
        return
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):  # the rest is created when written
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(f"Cannot write {shown!r}: {existing!r} is a file, not a folder.")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise ValueError(f"Cannot write {shown!r}: no new file can be made in {existing!r} ({e.strerror}).") from None
