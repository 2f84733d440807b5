import os
import signal
import subprocess
import sys

from tf_t2v.io.file_lock import FileLock

HOLD = "import sys, time; from tf_t2v.io.file_lock import FileLock; FileLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(600)"


def hold_in_another_process(path):
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "held\n"
    return process


def test_one_holder_at_a_time_and_it_is_named(tmp_path):
    path = tmp_path / "train.lock"
    first, second = FileLock(path), FileLock(path)
    assert first.acquire() and first.held
    assert not second.acquire() and not second.held
    assert second.holder() == os.getpid()
    first.release()
    assert second.acquire()
    second.release()


def test_a_lock_of_a_killed_process_is_taken_over(tmp_path):
    path = tmp_path / "train.lock"
    process = hold_in_another_process(path)
    try:
        lock = FileLock(path)
        assert not lock.acquire() and lock.holder() == process.pid
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert path.read_text() == f"{process.pid}\n"  # the stale pid is still written there
    assert lock.acquire() and lock.holder() == os.getpid()
    lock.release()
