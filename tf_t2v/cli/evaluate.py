"""`tf-t2v evaluate`: how often a model's clips show what their captions say, on moving_shapes, scenes,
moving_digits or your own captioned_videos.

    tf-t2v evaluate --model saved_models/moving_shapes/1 --dataset moving_shapes/single_64 \
        --split test --data-dir data --out reports/single_64-test
    tf-t2v evaluate --model M --dataset scenes/scenes_64 --split test --data-dir data
    tf-t2v evaluate --model M --dataset moving_digits/single_64 --split test_unseen --data-dir data
    tf-t2v evaluate --model M --dataset captioned_videos/uniform_16x64x64 --matcher matcher.keras --data-dir data

Generates a clip for every caption of the split with each seed, reads the clips with the
package's trained attribute evaluator, and writes report.json, report.md and samples.png, with
the same numbers for the real clips as the ceiling. moving_shapes: accuracy per attribute, the
share of clips with every attribute right, and the spread of the first-frame position over
seeds. scenes: accuracy of each attribute the caption names, the share with every named one
right, defaults kept for the unnamed ones (weather clear, camera static, style natural, no
subject), the spread over seeds of an unnamed time or place, and frame-to-frame change.
moving_digits: the digit, the axis and the spec's bounce (3 px a frame) read by a digit reader,
speed and drift, and the spread of the start over seeds. All: the Frechet distance to the real
clips in the evaluator's feature space, real against real beside it.

captioned_videos (your own clips, any config) has no attribute evaluator: it is scored with
`--matcher`, a `TextVideoMatcher` trained on its real train clips (`python -m
tf_t2v.training.train_text_video_matcher`): the R-precision of the clips against 100 captions of the
split, and the Frechet distance in the matcher's features. `--matcher` scores a built-in dataset
(any built config) the same way instead of with its attribute evaluator.
"""

# Dataset -> the shipped model evaluated when no --model is given, per config (None: any).
SHIPPED_MODELS = {"moving_shapes": {"double_64": "moving_shapes_double", None: "moving_shapes"},
                  "scenes": {None: "scenes"}, "moving_digits": {None: "moving_digits"}}
OWN_CLIPS = "captioned_videos"  # a user's own build: any config, no shipped model or evaluator


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "evaluate",
        help="score a model's clips against their captions (moving_shapes, scenes, moving_digits, "
             "captioned_videos with --matcher)",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--model", default=None,
                        help="SavedModel folder or .keras file (default: the shipped model for the dataset)")
    parser.add_argument("--dataset", default="moving_shapes/single_64",
                        help="moving_shapes/<config>, scenes/<config>, moving_digits/single_64 or (with "
                             "--matcher) captioned_videos/<config>, e.g. scenes/scenes_64")
    parser.add_argument("--matcher", default=None, metavar="PATH",
                        help="a TextVideoMatcher (.keras) trained on the dataset's train clips: score by "
                             "R-precision (needed for captioned_videos)")
    parser.add_argument("--split", default="test", help="test, test_unseen, validation or train")
    parser.add_argument("--data-dir", default=None, help="where the dataset is built")
    parser.add_argument("--seeds", type=int, default=3, metavar="N", help="clips per caption (default: 3)")
    parser.add_argument("--num", type=int, default=None, metavar="N",
                        help="only the first N captions of the split (default: all)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="report folder (default: eval-<config>-<split>)")
    parser.set_defaults(func=run)


def run(args):
    import os

    from tf_t2v.eval.shipped_evaluators import DATASET_CONFIGS

    evaluated = {**DATASET_CONFIGS, "moving_digits": ("single_64",)}  # the digit reader reads one digit
    name, _, config = args.dataset.partition("/")
    # A matcher reads any built config of any dataset; captioned_videos has nothing else.
    matching = name == OWN_CLIPS or args.matcher is not None
    if matching:
        known = bool(config) and name in {*evaluated, OWN_CLIPS}
    else:
        known = config in evaluated.get(name, ())
    if not known:
        accepted = ", ".join(sorted(f"{d}/{c}" for d, configs in evaluated.items() for c in configs))
        raise ValueError(f"--dataset must be one of {accepted}, or {OWN_CLIPS}/<config> (any built dataset/<config> "
                         f"with --matcher); got {args.dataset!r}.")
    if args.seeds < 1 or (args.num is not None and args.num < 1):
        raise ValueError("--seeds and --num must be positive integers.")
    out = args.out or f"eval-{config}-{args.split}"
    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"--out {out!r} exists and is not a folder.")
    if matching:
        from tf_t2v.eval.matching_evaluation import train_command

        if args.matcher is None:
            raise ValueError(f"{args.dataset} has no attribute evaluator: give --matcher PATH, a TextVideoMatcher "
                             f"trained on its train clips with `{train_command(args.dataset, args.data_dir)}`.")
        if args.model is None and name == OWN_CLIPS:
            raise ValueError(f"--model is required for {OWN_CLIPS} (no model is shipped for your own clips): give "
                             "the SavedModel folder or .keras file of a model trained on them.")

    from tf_t2v.eval import digits_evaluation, matching_evaluation, model_evaluation, scenes_evaluation
    from tf_t2v.loading import default_model_path, load

    matcher = matching_evaluation.load_matcher(args.matcher) if matching else None
    shipped = SHIPPED_MODELS[name].get(config, SHIPPED_MODELS[name][None]) if name in SHIPPED_MODELS else None
    model_path = args.model or default_model_path(shipped)
    if model_path is None:
        raise FileNotFoundError(f"No --model given and no shipped {shipped} model found; give --model.")
    model = load(model_path)
    if matching:
        markdown = matching_evaluation.markdown_report
        result = matching_evaluation.evaluate_matching_model(model, args.dataset, args.split, data_dir=args.data_dir,
                                                             seeds=range(args.seeds), num=args.num, matcher=matcher)
    else:
        evaluate, markdown = {
            "moving_shapes": (model_evaluation.evaluate_model, model_evaluation.markdown_report),
            "scenes": (scenes_evaluation.evaluate_scenes_model, scenes_evaluation.markdown_report),
            "moving_digits": (digits_evaluation.evaluate_digits_model, digits_evaluation.markdown_report),
        }[name]
        result = evaluate(model, config, args.split, data_dir=args.data_dir, seeds=range(args.seeds), num=args.num)
    paths = model_evaluation.write_reports(result, out, model_name=model_path, markdown=markdown)
    print(f"{args.dataset} {args.split}: {result['captions']} captions x {args.seeds} seeds")
    fd = result["frechet_distance"]
    if matching:
        _print_matching(result)
    elif name == "scenes":
        _print_scenes(result)
    elif name == "moving_digits":
        _print_digits(result)
    else:
        gen, real, div = result["generated"], result["real"], result["diversity"]
        print("  generated: " + ", ".join(f"{k} {v:.4f}" for k, v in gen.items()))
        print("  real:      " + ", ".join(f"{k} {v:.4f}" for k, v in real.items()))
        print(f"  first-frame spread {div['generated_px']:.2f} px vs real {div['real_px']:.2f} px")
    print(f"  Frechet distance {_figure(fd['generated_vs_real'], 3)} (real vs real {_figure(fd['real_vs_real'], 3)})")
    print(f"  wrote {paths['json']}, {paths['markdown']}, {paths['sheet']}")


def _figure(value, digits=4):
    return "n/a" if value is None else f"{value:.{digits}f}"


def _print_matching(result):
    k = result["candidates"]
    print(f"  R-precision over {k} candidates (chance {1 / k:.4f}): generated "
          f"{_figure(result['generated']['r_precision'])}, real {_figure(result['real']['r_precision'])}")


def _print_scenes(result):
    def line(scores):
        return ", ".join(f"{k} {_figure(v)}" for k, v in scores.items())

    kept, temporal = result["defaults_kept"], result["temporal"]
    print("  named, generated: " + line(result["generated"]))
    print("  named, real:      " + line(result["real"]))
    print("  defaults kept, generated: " + line(kept["generated"]))
    print("  defaults kept, real:      " + line(kept["real"]))
    for attribute in ("time", "place"):
        spread = result["open_spread"][attribute]
        if spread is not None:
            print(f"  unnamed {attribute}: distinct over seeds {_figure(spread['generated_distinct'], 3)} "
                  f"(real {_figure(spread['real_distinct'], 3)}), entropy {spread['generated_entropy_bits']:.2f} "
                  f"bits (real {spread['real_entropy_bits']:.2f})")
    print(f"  frame-to-frame change {temporal['generated']['frame_change']:.2f} "
          f"(real {temporal['real']['frame_change']:.2f})")


def _print_digits(result):
    gen, real, div = result["generated"], result["real"], result["diversity"]
    motion = result["motion"]
    print("  generated: " + ", ".join(f"{k} {v:.4f}" for k, v in gen.items()))
    print("  real:      " + ", ".join(f"{k} {v:.4f}" for k, v in real.items()))
    print(f"  speed {motion['generated']['speed']:.2f} px a frame (real {motion['real']['speed']:.2f}), "
          f"distance to the spec's bounce {motion['generated']['bounce_error']:.2f} px "
          f"(real {motion['real']['bounce_error']:.2f})")
    print(f"  first-frame spread {div['generated_px']:.2f} px vs real {div['real_px']:.2f} px")
