"""What a general-family checkpoint's decoder can draw: scenes or moving_digits scores of its decodings.

    python benchmarks/decoder_reach.py --model runs/scenes_64/checkpoints/ckpt-0004.keras \
        --data-dir data --num 256
    python benchmarks/decoder_reach.py --model runs/digits_64/checkpoints/ckpt-0016.keras \
        --dataset moving_digits/single_64 --data-dir data --num 256

Reads, with the shipped evaluator of the dataset (scenes: the attribute evaluator; moving_digits:
the digit reader), the first --num clips of a split and three decodings of each from the
training weights (not the moving averages): from the posterior mean (the encoder has seen the
real clip: the decoder's reach), from the text prior's mean, and a sample as generation draws
it (through the latent flow, if the model has one). An attribute the posterior decodings miss is
one the decoder cannot draw, whatever the text says; one they get but the sampled decodings miss
is one the words (or the prior) do not yet carry. Also prints the mean absolute frame-to-frame
change (0-255 scale; real clips move far more than blurred ones) and the KL of the posterior to
the Gaussian prior.
"""

import argparse

import numpy as np

import tf_t2v  # noqa: F401 (before TensorFlow: the package's CPU settings)
import tensorflow as tf
from tf_t2v.eval import digits_evaluation, scenes_evaluation
from tf_t2v.eval.model_evaluation import load_split
from tf_t2v.eval.shipped_evaluators import load_evaluator
from tf_t2v.loading import load
from tf_t2v.models.text_to_video import to_uint8
from tf_t2v.models.text_to_video_vae import gaussian_kl

DECODINGS = ("posterior_mean", "prior_mean", "prior_sample")


def decodings(model, captions, video, batch_size=32, seed=0):
    """{decoding: uint8 clips (N, T, H, W, 3)} and the mean KL per clip (nats)."""
    out, kls = {name: [] for name in DECODINGS}, []
    generator = model.generator
    for i in range(0, len(captions), batch_size):
        clips = tf.cast(video[i:i + batch_size], tf.float32) / 127.5 - 1.0
        text = model.text_encoder(model.token_ids({"caption": tf.constant(captions[i:i + batch_size])}))["pooled"]
        cond = generator.condition(text)
        prior_mean, prior_logvar = generator.prior(cond)
        mean, logvar = model.encoder(clips, cond)
        noise = tf.random.stateless_normal(tf.shape(prior_mean), seed=(seed, i))
        # A sample as generation draws it: through the latent flow when there is one.
        codes = {"posterior_mean": mean, "prior_mean": prior_mean, "prior_sample": generator.code(cond, noise)}
        # A camera warp films the posterior decoding with the camera read from the clip (as in
        # training) and the prior ones with the camera the words say (as in generation).
        words = generator.camera_path(text)
        read = model.read_camera(clips) if words is not None and model.camera_weight > 0 else words
        for name, z in codes.items():
            path = read if name == "posterior_mean" else words
            out[name].append(np.asarray(to_uint8(generator.decode(cond, z, camera_path=path, text=text))))
        kls.append(tf.reduce_sum(gaussian_kl(mean, logvar, prior_mean, prior_logvar), -1).numpy())
    return {name: np.concatenate(c) for name, c in out.items()}, float(np.concatenate(kls).mean())


def scorer(dataset, examples):
    """(column names, clips -> {name: score}) for a scenes or moving_digits split."""
    evaluator = load_evaluator(dataset)
    if dataset.startswith("moving_digits/"):
        labels = digits_evaluation.labels_of(examples)
        names = list(digits_evaluation.NAMES)
        return names, lambda clips: digits_evaluation.digit_scores(evaluator.read(clips), labels)
    labels, named = scenes_evaluation.labels_and_named(examples)
    names = list(scenes_evaluation.NAMES) + ["all_named"]
    return names, lambda clips: scenes_evaluation.named_scores(
        scenes_evaluation.as_array(evaluator.read(clips)), labels, named)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="a general-family .keras checkpoint")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--dataset", default="scenes/scenes_64", help="a scenes or moving_digits config")
    parser.add_argument("--split", default="test")
    parser.add_argument("--num", type=int, default=256)
    args = parser.parse_args()

    model = load(args.model)
    examples = load_split(args.dataset, args.split, args.num, args.data_dir)
    captions = [e["caption"] for e in examples]
    video = np.stack([e["video"] for e in examples])
    names, score = scorer(args.dataset, examples)
    clips, kl = decodings(model, captions, video)
    print(f"{args.model}: {len(captions)} clips of {args.dataset} {args.split}; KL(posterior || prior) "
          f"{kl:.1f} nats a clip")
    print("| decoding | " + " | ".join(names) + " | frame change |")
    print("| --- " * (len(names) + 2) + "|")
    for name, c in [("real", video)] + list(clips.items()):
        scores = score(c)
        cells = " | ".join("-" if scores[n] is None else f"{scores[n]:.3f}" for n in names)
        print(f"| {name} | {cells} | {scenes_evaluation.temporal_change(c)['frame_change']:.2f} |")


if __name__ == "__main__":
    main()
