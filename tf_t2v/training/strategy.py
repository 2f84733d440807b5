"""Distribution strategy and precision choice, and what Keras 3 `fit` needs to run under them.

Example:
```python
from tf_t2v.training import strategy as strategy_lib

strategy = strategy_lib.make_strategy("auto")           # default, mirrored or multi_worker
precision = strategy_lib.choose_precision("auto")       # "float32" on CPUs without bf16
strategy_lib.is_chief(strategy)                         # True in a single process
```
"""

import json
import logging
import os

import tensorflow as tf

BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags():
    """The CPU's feature flags (Linux /proc/cpuinfo); empty where they cannot be read."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def accelerator():
    """"tpu", "gpu" or None: the accelerator this process sees."""
    if tf.config.list_logical_devices("TPU"):
        return "tpu"
    if tf.config.list_physical_devices("GPU"):
        return "gpu"
    return None


def bfloat16_speedup(size=512, repeats=3):
    """How many times faster a (size x size) bfloat16 matmul runs than a float32 one on the CPU.

    The best of `repeats` timings of each, after one warm-up run; above 1 means bfloat16 pays.
    A fraction of a second at the default size.
    """
    import time

    times = {}
    for dtype in (tf.float32, tf.bfloat16):
        with tf.device("/CPU:0"):
            a = tf.random.stateless_normal((size, size), seed=(1, 2), dtype=tf.float32)
            a = tf.cast(a, dtype)
            tf.linalg.matmul(a, a).numpy()  # warm-up: kernels chosen, memory touched
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                tf.linalg.matmul(a, a).numpy()
                best = min(best, time.perf_counter() - start)
        times[dtype] = best
    return times[tf.float32] / max(times[tf.bfloat16], 1e-9)


# The probe's verdict per process: bfloat16 must run at least this much faster than float32.
BF16_MIN_SPEEDUP = 1.1
_probed = {}


def choose_precision(precision="auto", strategy=None):
    """The Keras dtype policy name for `precision`.

    "auto" gives "mixed_bfloat16" on a TPU or GPU; on a CPU, only where it has bfloat16
    arithmetic (avx512_bf16 or amx_bf16 in its flags) and a short probe (`bfloat16_speedup`,
    once per process) finds a bfloat16 matmul at least `BF16_MIN_SPEEDUP` times faster than a
    float32 one; "float32" elsewhere (without those units bfloat16 is emulated and several
    times slower). The probe's figure is logged.

    Args:
        precision: str. "auto", "float32" or "mixed_bfloat16".
        strategy: tf.distribute.Strategy or None. A TPUStrategy counts as a TPU.
    """
    if precision in ("float32", "mixed_bfloat16"):
        return precision
    if precision != "auto":
        raise ValueError(f"precision must be 'auto', 'float32' or 'mixed_bfloat16'; got {precision!r}.")
    if isinstance(strategy, tf.distribute.TPUStrategy) or accelerator():
        return "mixed_bfloat16"
    if not cpu_flags() & set(BF16_CPU_FLAGS):
        return "float32"
    if "speedup" not in _probed:
        _probed["speedup"] = bfloat16_speedup()
        logging.info("bfloat16 matmul ran %.2fx float32 on this CPU.", _probed["speedup"])
    return "mixed_bfloat16" if _probed["speedup"] >= BF16_MIN_SPEEDUP else "float32"


def _tf_config():
    try:
        return json.loads(os.environ.get("TF_CONFIG") or "{}")
    except json.JSONDecodeError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON: {e}") from None


def _num_workers(tf_config):
    cluster = tf_config.get("cluster", {})
    return sum(len(cluster.get(job, [])) for job in ("chief", "worker"))


def make_strategy(name="auto"):
    """A `tf.distribute.Strategy` by name.

    Args:
        name: str.
            "auto": multi_worker when TF_CONFIG names several workers, else mirrored when
                the process sees several GPUs, else default.
            "default": one device.
            "mirrored": all local GPUs, or all logical CPU devices when there are no GPUs.
            "multi_worker": MultiWorkerMirroredStrategy over the cluster in TF_CONFIG.
            "tpu": TPUStrategy on the TPU found by `TPUClusterResolver` (TPU VM or TPU_NAME).
    """
    if name == "auto":
        if _num_workers(_tf_config()) > 1:
            name = "multi_worker"
        elif len(tf.config.list_physical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name == "multi_worker":
        tf_config = _tf_config()
        if not tf_config.get("cluster"):
            raise ValueError("--strategy multi_worker needs TF_CONFIG with a cluster and this task's type and index.")
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=os.environ.get("TPU_NAME", ""))
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, tf.errors.NotFoundError) as e:
            raise ValueError(f"--strategy tpu found no TPU: {e}") from None
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"strategy must be one of auto, default, mirrored, multi_worker, tpu; got {name!r}.")


def is_multi_worker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def task(strategy):
    """(task_type, task_id) of this process: ("chief" or "worker", index), or (None, 0) alone."""
    if is_multi_worker(strategy):
        resolver = strategy.cluster_resolver
        return resolver.task_type, resolver.task_id
    return None, 0


def is_chief(strategy):
    """True for the one process that writes shared files: chief, worker 0 without a chief, or alone."""
    if not is_multi_worker(strategy):
        return True
    task_type, task_id = task(strategy)
    has_chief = "chief" in strategy.cluster_resolver.cluster_spec().as_dict()
    return task_type == "chief" or (not has_chief and task_type == "worker" and task_id == 0)


def prepare_fit(model, strategy):
    """Makes `model.fit` run under `strategy`; call after the model and its optimizers are built.

    Keras 3.15's `fit` fails under distribution strategies in two places (keras-team/keras#20585,
    tensorflow/tensorflow#72388):
    - `_maybe_symbolic_build` averages a whole per-replica batch across replicas, which fails for
      tf.string captions (MirroredStrategy) and for any batch under MultiWorkerMirroredStrategy.
      A model and optimizers built under the scope do not need that step: it is skipped.
    - Under MultiWorkerMirroredStrategy, scalar step logs cannot be reduced across workers
      ("Invalid reduction dimension 0"): the train step returns rank-1 logs, squeezed back to
      scalars before callbacks see them.
    A model created outside any strategy scope is left alone.
    """
    if getattr(model, "_distribute_strategy", None) is None:
        return model  # Created outside any strategy scope: Keras skips the symbolic build itself.
    if not model.built:
        raise ValueError("Build the model (and its optimizers) under the strategy scope before fit.")
    model._maybe_symbolic_build = lambda *args, **kwargs: None
    if not is_multi_worker(strategy):
        return model
    train_step = model.train_step

    def rank_1_train_step(data):
        return tf.nest.map_structure(lambda v: tf.reshape(v, [-1]), train_step(data))

    model.train_step = rank_1_train_step
    model.make_train_function(force=True)
    train_function = model.train_function

    def squeezed_train_function(iterator):
        logs = train_function(iterator)
        return tf.nest.map_structure(lambda v: tf.reshape(v, []) if v.shape == (1,) else v, logs)

    model.train_function = squeezed_train_function
    logging.info("MultiWorkerMirroredStrategy: rank-1 step logs, symbolic build skipped.")
    return model
