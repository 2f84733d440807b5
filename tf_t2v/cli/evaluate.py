"""`tf-t2v evaluate`: how often a model's clips show what their captions say, on moving_shapes.

    tf-t2v evaluate --model saved_models/moving_shapes/1 --dataset moving_shapes/single_64 \
        --split test --data-dir data --out reports/single_64-test

Generates a clip for every caption of the split with each seed, reads the clips with the
package's trained attribute evaluator, and writes report.json, report.md and samples.png:
accuracy per attribute, the share of clips with every attribute right, the Frechet distance to
the real clips in the evaluator's feature space (real against real beside it), the spread of
the first-frame position over seeds, and the same numbers for the real clips as the ceiling.
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "evaluate",
        help="score a model's clips against their captions (moving_shapes)",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--model", default=None,
                        help="SavedModel folder or .keras file (default: the shipped model for the dataset)")
    parser.add_argument("--dataset", default="moving_shapes/single_64",
                        help="moving_shapes/<config>, e.g. moving_shapes/double_64")
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

    from tfds_builders.moving_shapes import spec

    name, _, config = args.dataset.partition("/")
    if name != "moving_shapes" or config not in spec.CONFIGS:
        accepted = ", ".join(f"moving_shapes/{c}" for c in sorted(spec.CONFIGS))
        raise ValueError(f"--dataset must be one of {accepted}; got {args.dataset!r}.")
    if args.seeds < 1 or (args.num is not None and args.num < 1):
        raise ValueError("--seeds and --num must be positive integers.")
    out = args.out or f"eval-{config}-{args.split}"
    if os.path.exists(out) and not os.path.isdir(out):
        raise NotADirectoryError(f"--out {out!r} exists and is not a folder.")

    from tf_t2v.eval.model_evaluation import evaluate_model, write_reports
    from tf_t2v.loading import default_model_path, load

    shipped = {"double_64": "moving_shapes_double"}.get(config, "moving_shapes")
    model_path = args.model or default_model_path(shipped)
    if model_path is None:
        raise FileNotFoundError(f"No --model given and no shipped {shipped} model found; give --model.")
    model = load(model_path)
    result = evaluate_model(model, config, args.split, data_dir=args.data_dir, seeds=range(args.seeds),
                            num=args.num)
    paths = write_reports(result, out, model_name=model_path)
    gen, real = result["generated"], result["real"]
    print(f"{args.dataset} {args.split}: {result['captions']} captions x {args.seeds} seeds")
    print("  generated: " + ", ".join(f"{k} {v:.4f}" for k, v in gen.items()))
    print("  real:      " + ", ".join(f"{k} {v:.4f}" for k, v in real.items()))
    fd, div = result["frechet_distance"], result["diversity"]
    print(f"  Frechet distance {fd['generated_vs_real']:.3f} (real vs real {fd['real_vs_real']:.3f}); "
          f"first-frame spread {div['generated_px']:.2f} px vs real {div['real_px']:.2f} px")
    print(f"  wrote {paths['json']}, {paths['markdown']}, {paths['sheet']}")
