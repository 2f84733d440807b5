"""Folders put in place in one step: claimed without replacing, or swapped for a new copy.

`rename_no_replace` and `replace_folder` use Linux' renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE),
one system call each, so no reader and no kill ever sees the target missing or half replaced.
Where renameat2 is missing (other systems, some file systems) they fall back to plain renames:
a rename onto a folder that holds files fails, and a replacement moves the old folder aside
(`.old-NAME-XXXX`) first, which `restore_replaced` puts back if a kill came between the steps.
"""

import ctypes
import errno
import os
import secrets
import shutil

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_UNSUPPORTED = (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP)


def _load_renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


_renameat2 = _load_renameat2()


def _rename2(src, dst, flags):
    """renameat2(src, dst, flags); False if this system or file system lacks it; OSError else."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), src, None, dst)


def _aside(target):
    folder, name = os.path.split(os.path.abspath(target))
    return os.path.join(folder, f".old-{name}-{secrets.token_hex(4)}")


def rename_no_replace(src, dst):
    """Renames `src` to `dst` unless `dst` exists: FileExistsError then, and `src` stays.

    The claim is atomic: of two processes renaming onto one `dst`, one wins and the other gets
    FileExistsError (where renameat2 is missing, only a `dst` holding files is safe from this).

    Example:
        >>> rename_no_replace("saved_models/m/.tmp-x", "saved_models/m/4")  # doctest: +SKIP
    """
    try:
        if _rename2(src, dst, _RENAME_NOREPLACE):
            return
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
        os.rename(src, dst)
    except OSError as e:
        if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst) from None
        raise


def replace_folder(new, target):
    """Puts folder `new` at `target` and deletes the folder that was there, if any.

    With renameat2 the two are swapped in one step; without it the old folder is renamed aside,
    `new` renamed in, and the old one deleted: a kill between the renames leaves the old folder
    aside, which `restore_replaced(target)` puts back.

    Example:
        >>> replace_folder("saved_models/m/.tmp-x", "saved_models/m/4")  # doctest: +SKIP
    """
    try:
        swapped = _rename2(new, target, _RENAME_EXCHANGE)
    except FileNotFoundError:
        if not os.path.exists(new):
            raise
        rename_no_replace(new, target)  # no target (any more): a plain claim
        return
    if swapped:
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old folder
        return
    if not os.path.exists(target):
        rename_no_replace(new, target)
        return
    old = _aside(target)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def restore_replaced(target):
    """After a replacement killed between its renames: puts the old folder back at a missing
    `target`, and deletes old folders a finished replacement left. Returns whether it restored."""
    folder, name = os.path.split(os.path.abspath(target))
    if not os.path.isdir(folder):
        return False
    restored = False
    for entry in sorted(os.listdir(folder)):
        if not entry.startswith(f".old-{name}-"):
            continue
        path = os.path.join(folder, entry)
        if not restored and not os.path.exists(target):
            os.rename(path, target)
            restored = True
        else:
            shutil.rmtree(path, ignore_errors=True)
    return restored
