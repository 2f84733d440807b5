"""`FileLock`: an OS-level lock on a file, held by one process at a time and freed when it dies."""

import fcntl
import os


class FileLock:
    """An exclusive `fcntl.flock` lock on `path`, which also records the holder's pid.

    The operating system releases the lock when the holding process ends, however it ends
    (`kill -9` included), so a lock file left by a killed process is simply taken by the next
    one: the lock is the truth, the pid written in the file only names the holder in messages.
    Two `FileLock`s on one path exclude each other even within one process. Local paths only.

    Args:
        path: str or os.PathLike. The lock file; created if missing, never removed (removing a
            lock file while another process waits on it would let two processes hold "it").

    Example:
    ```python
    from tf_t2v.io.file_lock import FileLock

    lock = FileLock("runs/tiny/train.lock")
    if not lock.acquire():
        print("held by pid", lock.holder())
    ...
    lock.release()
    ```
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self._fd = None

    @property
    def held(self):
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self):
        """Takes the lock if no other process (or `FileLock`) holds it; returns whether it did."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return True

    def holder(self):
        """The pid recorded by the process holding (or that last held) the lock, or None."""
        try:
            with open(self.path, encoding="ascii", errors="replace") as f:
                text = f.read().strip()
        except FileNotFoundError:
            return None
        return int(text) if text.isdigit() else None

    def release(self):
        """Frees the lock (a no-op if this object does not hold it)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self):
        if not self.acquire():
            raise BlockingIOError(f"{self.path!r} is locked by pid {self.holder()}.")
        return self

    def __exit__(self, *exc):
        self.release()
