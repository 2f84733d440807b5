import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.training import strategy as strategy_lib

RUNNER = os.path.join(os.path.dirname(__file__), "distributed_run.py")


@pytest.mark.parametrize(
    "flags, device, expected",
    [
        ({"avx2", "fma"}, None, "float32"),  # bfloat16 emulated: several times slower
        ({"avx512f", "avx512_bf16"}, None, "mixed_bfloat16"),
        ({"amx_bf16", "amx_tile"}, None, "mixed_bfloat16"),
        (set(), "gpu", "mixed_bfloat16"),
        (set(), "tpu", "mixed_bfloat16"),
    ],
)
def test_auto_precision_follows_the_hardware(monkeypatch, flags, device, expected):
    monkeypatch.setattr(strategy_lib, "cpu_flags", lambda: flags)
    monkeypatch.setattr(strategy_lib, "accelerator", lambda: device)
    monkeypatch.setattr(strategy_lib, "_probed", {"speedup": 1.6})  # what bf16 units measured
    assert strategy_lib.choose_precision("auto") == expected
    assert strategy_lib.choose_precision("float32") == "float32"
    assert strategy_lib.choose_precision("mixed_bfloat16") == "mixed_bfloat16"


@pytest.mark.parametrize("speedup, expected", [(1.6, "mixed_bfloat16"), (1.05, "float32"), (0.15, "float32")])
def test_auto_precision_on_bf16_flags_follows_the_probe(monkeypatch, speedup, expected):
    calls = []
    monkeypatch.setattr(strategy_lib, "cpu_flags", lambda: {"avx512_bf16"})
    monkeypatch.setattr(strategy_lib, "accelerator", lambda: None)
    monkeypatch.setattr(strategy_lib, "_probed", {})
    monkeypatch.setattr(strategy_lib, "bfloat16_speedup", lambda: calls.append(1) or speedup)
    assert strategy_lib.choose_precision("auto") == expected
    assert strategy_lib.choose_precision("auto") == expected
    assert len(calls) == 1  # probed once per process


def test_auto_precision_without_bf16_flags_never_probes(monkeypatch):
    monkeypatch.setattr(strategy_lib, "cpu_flags", lambda: {"avx2", "fma"})
    monkeypatch.setattr(strategy_lib, "accelerator", lambda: None)
    monkeypatch.setattr(strategy_lib, "bfloat16_speedup", lambda: pytest.fail("probed without bf16 units"))
    assert strategy_lib.choose_precision("auto") == "float32"


def test_bfloat16_probe_times_both_kinds_of_matmul():
    speedup = strategy_lib.bfloat16_speedup(size=64, repeats=1)
    assert np.isfinite(speedup) and speedup > 0


def test_precision_and_strategy_names_are_checked(monkeypatch):
    with pytest.raises(ValueError, match="precision must be"):
        strategy_lib.choose_precision("float16")
    with pytest.raises(ValueError, match="strategy must be one of"):
        strategy_lib.make_strategy("horovod")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs TF_CONFIG"):
        strategy_lib.make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG is not valid JSON"):
        strategy_lib.make_strategy("auto")


def test_auto_and_default_strategies_in_one_process(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    strategy = strategy_lib.make_strategy("auto")
    assert strategy is tf.distribute.get_strategy() and strategy.num_replicas_in_sync == 1
    assert strategy_lib.is_chief(strategy) and strategy_lib.task(strategy) == (None, 0)
    assert isinstance(strategy_lib.make_strategy("mirrored"), tf.distribute.MirroredStrategy)


def test_cpu_flags_reads_this_machine():
    flags = strategy_lib.cpu_flags()
    assert isinstance(flags, set)
    if os.path.exists("/proc/cpuinfo"):
        assert "sse2" in flags or not flags  # x86 machines list sse2; others may list nothing


def run(args, env=None, log=None):
    return subprocess.Popen([sys.executable, RUNNER, *args], env={**os.environ, **(env or {})},
                            stdout=log or subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def load_weights(path):
    with np.load(path) as f:
        return int(f["replicas"]), {k: f[k] for k in f.files if k != "replicas"}


def mirrored_run(tmp_path, tiny_data_dir):
    out = str(tmp_path / "mirrored.npz")
    proc = run(["--strategy", "mirrored", "--devices", "2", "--data-dir", tiny_data_dir,
                "--run-dir", str(tmp_path / "mirrored"), "--out", out])
    log, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, log[-3000:]
    return out


def test_mirrored_strategy_on_two_logical_cpus(tmp_path, tiny_data_dir):
    replicas, weights = load_weights(mirrored_run(tmp_path, tiny_data_dir))
    assert replicas == 2
    assert all(np.all(np.isfinite(w)) for w in weights.values())
    assert os.path.exists(tmp_path / "mirrored" / "model.keras")


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow  # three TensorFlow processes on 2 cores: about 2 minutes
def test_two_workers_match_one_process_with_the_same_global_batch(tmp_path, tiny_data_dir):
    """MultiWorkerMirroredStrategy + fit (with the Keras 3.15 workarounds) gives the weights of a
    one-process MirroredStrategy run over two devices: same global batch, same per-replica noise."""
    reference = mirrored_run(tmp_path, tiny_data_dir)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    procs, logs = [], []
    for index in range(2):
        logs.append(open(tmp_path / f"worker-{index}.log", "w+"))
        tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        procs.append(run(["--strategy", "multi_worker", "--data-dir", tiny_data_dir,
                          "--run-dir", str(tmp_path / "multi"), "--out", str(tmp_path / f"worker-{index}.npz")],
                         env={"TF_CONFIG": json.dumps(tf_config)}, log=logs[-1]))
    for proc, log in zip(procs, logs):
        proc.wait(timeout=600)
        log.seek(0)
        assert proc.returncode == 0, log.read()[-3000:]

    _, expected = load_weights(reference)
    for index in range(2):
        replicas, weights = load_weights(tmp_path / f"worker-{index}.npz")
        assert replicas == 2 and weights.keys() == expected.keys()
        for name in expected:
            np.testing.assert_allclose(weights[name], expected[name], rtol=1e-5, atol=1e-6, err_msg=name)
    # Only the chief wrote the shared files; each worker kept its own backup.
    assert sorted(os.listdir(tmp_path / "multi" / "backup")) == ["worker-0", "worker-1"]
    assert os.path.exists(tmp_path / "multi" / "model.keras")
