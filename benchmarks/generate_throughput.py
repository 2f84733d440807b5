"""Generation throughput through the SavedModel, FLOPs per clip, and this machine's matmul peak.

    python benchmarks/generate_throughput.py                       # untrained default-size model
    python benchmarks/generate_throughput.py --size tiny
    python benchmarks/generate_throughput.py --model runs/s32/model.keras
    python benchmarks/generate_throughput.py --model saved_models/moving_shapes/1 --batches 1,8,32
    python benchmarks/generate_throughput.py --model saved_models/scenes/3 --batches 1,32

Clips/s are timed on `serving_default` of the SavedModel loaded as TF Serving loads it (prompt and
seed in, uint8 clips out, the tokenizer included), with the export's own example prompts when its
`assets.extra/tf_t2v.json` names them. FLOPs per clip count the multiply-adds of matrix products
and convolutions (MatMul, BatchMatMul, Einsum, Conv2D/3D and their transposes; 2 FLOPs each) in
the graph of one clip; elementwise ops are left out. For a SavedModel they are counted on an
untrained model built from the run config the export records (the same layers and shapes). The
matmul peak is the best of a few 2048 x 2048 products; bfloat16 is measured where the CPU has
bfloat16 instructions.
"""

import argparse
import os
import re
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PROMPTS = [
    "a small red circle moves slowly to the left",
    "a big blue square moves quickly up",
    "a small green triangle moves down",
    "a big yellow diamond moves slowly to the right",
]
VOCABULARY = sorted({w for p in PROMPTS for w in p.split()})
MATMUL_FLOP_OPS = ("MatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum", "Conv2D", "Conv2DBackpropInput", "Conv3D",
                   "Conv3DBackpropInputV2")


def build_model(size):
    """An untrained TextToVideoGAN: "default" uses the layers' default sizes, "tiny" the test size."""
    import keras

    from tf_t2v.models import TextToVideoGAN
    from tf_t2v.text import TextEncoder, TextTokenizer
    from tf_t2v.video import VideoDiscriminator, VideoGenerator

    keras.utils.set_random_seed(0)
    if size == "tiny":
        tokenizer = TextTokenizer(VOCABULARY, sequence_length=8)
        encoder = TextEncoder(tokenizer.vocabulary_size, 8, hidden_dim=16, num_layers=1, num_heads=2,
                              intermediate_dim=32)
        generator = VideoGenerator(num_frames=4, height=16, width=16, channels=[16, 8])
    else:
        tokenizer = TextTokenizer(VOCABULARY)
        encoder = TextEncoder(tokenizer.vocabulary_size, tokenizer.sequence_length)
        generator = VideoGenerator()
    return TextToVideoGAN(tokenizer, encoder, generator, VideoDiscriminator(channels=[8, 16]))


def _einsum_flops(equation, shapes):
    inputs, output = equation.replace(" ", "").split("->")
    sizes = {}
    for labels, shape in zip(inputs.split(","), shapes):
        if "." in labels or len(labels) != len(shape):
            return None
        sizes.update(zip(labels, shape))
    return 2 * int(np.prod([sizes[label] for label in sizes]))


def op_flops(op):
    """2 x multiply-adds of one matrix-product or convolution op with static shapes, else None."""
    shapes = [t.shape.as_list() for t in op.inputs]
    out = op.outputs[0].shape.as_list()
    if any(d is None for s in shapes + [out] for d in s):
        return None
    if op.type == "MatMul":
        k = shapes[0][0] if op.get_attr("transpose_a") else shapes[0][1]
        return 2 * out[0] * out[1] * k
    if op.type.startswith("BatchMatMul"):
        k = shapes[0][-2] if op.get_attr("adj_x") else shapes[0][-1]
        return 2 * int(np.prod(out)) * k
    if op.type == "Einsum":
        return _einsum_flops(op.get_attr("equation").decode(), shapes)
    if op.type in ("Conv2D", "Conv3D"):  # filter (*kernel, cin, cout)
        return 2 * int(np.prod(out)) * int(np.prod(shapes[1][:-1]))
    if op.type in ("Conv2DBackpropInput", "Conv3DBackpropInputV2"):
        # filter (*kernel, channels of the result, channels of the gradient); input 2 is the gradient
        return 2 * int(np.prod(shapes[2])) * int(np.prod(shapes[1][:-2])) * out[-1]
    return None


def flops_per_clip(model):
    """FLOPs of one clip: its prompt's encoding and its generation (what `serving_default` runs per clip)."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([1], tf.string), tf.TensorSpec([1], tf.int64)])
    def one_clip(prompt, seed):
        return model.generate_from_embedding(model.encode_text(prompt), seed, 1.0)

    graph = one_clip.get_concrete_function().graph
    total, by_type, unknown = 0, {}, []
    for op in graph.get_operations():
        if op.type in MATMUL_FLOP_OPS:
            flops = op_flops(op)
            if flops is None:
                unknown.append(op.name)
                continue
            total += flops
            by_type[op.type] = by_type.get(op.type, 0) + flops
    return total, by_type, unknown


def recorded_model(export_dir):
    """An untrained model of the architecture an export records, and the export's example prompts."""
    from tf_t2v.loading import model_metadata
    from tf_t2v.training import config as config_lib
    from tf_t2v.training.trainer import build_gan

    info = model_metadata(export_dir)
    model = None
    if info.get("run_config") and info.get("vocabulary"):
        model = build_gan(info["vocabulary"], config_lib.from_dict(info["run_config"]))
    return model, info.get("example_prompts") or PROMPTS


def time_calls(fn, min_seconds, min_calls=3):
    """Seconds per call: the median over at least `min_calls` calls and `min_seconds` seconds."""
    fn()  # warm up (first-call graph optimisation)
    times, start = [], time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def bf16_instructions():
    """The CPU flags that give bfloat16 matmul hardware (empty if none, or not Linux)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = set(re.search(r"^flags\s*:(.*)$", f.read(), re.M).group(1).split())
    except (OSError, AttributeError):
        return []
    return sorted(flags & {"avx512_bf16", "amx_bf16", "avx_ne_convert"})


def matmul_peak(dtype, n=2048, repeats=5):
    """Best GFLOP/s of n x n matrix products of `dtype`."""
    import tensorflow as tf

    a = tf.random.stateless_normal((n, n), seed=[1, 2], dtype=tf.float32)
    b = tf.random.stateless_normal((n, n), seed=[3, 4], dtype=tf.float32)
    a, b = tf.cast(a, dtype), tf.cast(b, dtype)
    matmul = tf.function(lambda: tf.reduce_sum(tf.cast(tf.linalg.matmul(a, b), tf.float32)))
    matmul().numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        matmul().numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="SavedModel folder or .keras file (default: an untrained model)")
    parser.add_argument("--size", choices=("default", "tiny"), default="default",
                        help="size of the untrained model when --model is not given")
    parser.add_argument("--batches", default="1,32", help="batch sizes to time, e.g. 1,8,32")
    parser.add_argument("--seconds", type=float, default=5.0, help="time each batch size at least this long")
    parser.add_argument("--bf16", action="store_true", help="time bfloat16 matmuls even without bf16 hardware")
    args = parser.parse_args(argv)
    batches = [int(b) for b in args.batches.split(",")]

    import tensorflow as tf
    import tensorflow_text  # noqa: F401

    import tf_t2v
    from tf_t2v.export import SavedModelExporter

    model, export_dir, prompts = None, None, PROMPTS
    if args.model and not args.model.endswith(".keras"):
        export_dir = args.model
        described = args.model
        model, prompts = recorded_model(export_dir)
    else:
        model = tf_t2v.load(args.model) if args.model else build_model(args.size)
        export_dir = SavedModelExporter(model, max_batch_size=max(batches)).export(
            os.path.join(tempfile.mkdtemp(), "model", "1"))
        described = args.model or f"untrained, {args.size} size"
    serve = tf.saved_model.load(export_dir).signatures["serving_default"]
    video_shape = serve.structured_outputs["video"].shape.as_list()[1:]

    rows = [("model", f"{described}: clips {'x'.join(map(str, video_shape))}")]
    rate = {}
    for batch in batches:
        batch_prompts = tf.constant([prompts[i % len(prompts)] for i in range(batch)])
        seeds = tf.range(batch, dtype=tf.int64)
        seconds = time_calls(lambda: serve(prompt=batch_prompts, seed=seeds)["video"].numpy(), args.seconds)
        rate[batch] = batch / seconds
        rows.append((f"SavedModel serving_default, batch {batch}",
                     f"{rate[batch]:.1f} clips/s ({seconds * 1e3:.1f} ms per request)"))

    flops = None
    if model is not None:
        flops, by_type, unknown = flops_per_clip(model)
        detail = ", ".join(f"{k} {v / 1e6:.1f}" for k, v in sorted(by_type.items(), key=lambda kv: -kv[1]))
        rows.append(("FLOPs per clip (matmul + conv)", f"{flops / 1e9:.3f} GFLOP ({detail} MFLOP)"))
        if unknown:
            rows.append(("ops without static shapes (not counted)", str(len(unknown))))
    peak32 = matmul_peak(tf.float32)
    rows.append(("float32 matmul peak (2048^3)", f"{peak32:.1f} GFLOP/s"))
    bf16 = bf16_instructions()
    if bf16 or args.bf16:
        peak16 = matmul_peak(tf.bfloat16)
        rows.append(("bfloat16 matmul peak (2048^3)",
                     f"{peak16:.1f} GFLOP/s ({', '.join(bf16) or 'no bf16 instructions: emulated'})"))
    else:
        rows.append(("bfloat16 matmul peak", "not measured: no AVX512_BF16 / AMX-BF16 on this CPU (--bf16 forces)"))
    if flops:
        for batch in batches:
            achieved = rate[batch] * flops / 1e9
            rows.append((f"achieved at batch {batch}", f"{achieved:.2f} GFLOP/s = {100 * achieved / peak32:.1f}% "
                                                       "of the float32 peak"))
    rows.append(("machine", f"{os.cpu_count()} CPUs, TensorFlow {tf.__version__}"))

    print("\n| measure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
