"""`tf-t2v train`: train a text-to-video GAN from a preset, a YAML file and overrides.

    tf-t2v train --preset single_32 --run-dir runs/s32 --data-dir data
    tf-t2v train --preset tiny --config run.yaml --set train.steps=8 --set data.batch_size=2 \
        --run-dir runs/tiny --data-dir data --strategy mirrored

Running the same command again resumes a killed run at its last finished epoch; raising
train.steps continues a finished one.
"""

import os

STRATEGIES = ("auto", "default", "mirrored", "multi_worker", "tpu")
PROGRESS = {"bar": 1, "epoch": 2, "none": 0}
# Listed in the help without importing TensorFlow; a test keeps them equal to the registered presets.
SPRITE_PRESETS = ("tiny", "single_32", "single_64", "double_64")
GENERAL_PRESETS = ("general_tiny", "scenes_64", "scenes_32", "digits_64", "shapes_general_64", "clips_32", "clips_64")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train a model (resumes an interrupted run)",
        description=__doc__.split("\n\n")[0],
        epilog=f"Presets: {', '.join(SPRITE_PRESETS)} (sprite family, moving_shapes); {', '.join(GENERAL_PRESETS)} "
        "(general family: scenes, moving_digits, your own captioned_videos). Configuration keys: data.*, model.*, "
        "train.*, strategy; see tf_t2v.training.config.",
    )
    parser.add_argument("--preset", required=True, help="named starting configuration, e.g. single_32")
    parser.add_argument("--config", metavar="YAML", help="YAML file overriding the preset")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override one key, e.g. train.steps=2000 (value read as YAML); repeatable")
    parser.add_argument("--run-dir", required=True, help="run folder (checkpoints, logs, model.keras)")
    parser.add_argument("--data-dir", help="where the dataset is built (sets data.data_dir)")
    parser.add_argument("--strategy", choices=STRATEGIES, help="distribution strategy (sets strategy)")
    parser.add_argument("--progress", choices=sorted(PROGRESS), default=None,
                        help="progress display: bar, one line per epoch, or none (default: Keras' choice)")
    parser.set_defaults(func=run)


def run(args):
    import tensorflow as tf

    from tf_t2v.training import config as config_lib
    from tf_t2v.training import trainer

    try:
        cfg = config_lib.resolve(args.preset, args.config, args.overrides)
    except UnicodeDecodeError as e:
        raise ValueError(f"Config file {args.config!r} is not UTF-8 text ({e.reason} at byte {e.start}).") from None
    except ValueError as e:  # YAML parser messages span lines: one line on the command line
        raise ValueError(" ".join(str(e).split())) from e
    flags = {}
    if args.data_dir is not None:
        flags["data"] = {"data_dir": args.data_dir}
    if args.strategy is not None:
        flags["strategy"] = args.strategy
    cfg = config_lib.merge(cfg, flags).validate()
    verbose = "auto" if args.progress is None else PROGRESS[args.progress]
    try:
        trainer.train(cfg, args.run_dir, verbose=verbose)
    except (tf.errors.NotFoundError, tf.errors.PermissionDeniedError, tf.errors.FailedPreconditionError) as e:
        raise OSError(e.message) from e
    print(f"tf-t2v train: wrote {os.path.join(args.run_dir, trainer.FINAL_MODEL)}")
