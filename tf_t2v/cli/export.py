"""`tf-t2v export`: a trained model to a TF Serving model version (SavedModel, warmup, models.config).

    tf-t2v export --model runs/s32/model.keras --out saved_models/moving_shapes/1
    tf-t2v export --model runs/s32/model.keras --out saved_models/moving_shapes   # next version

The version is written to a temporary folder and renamed into place, never over another
export's version (two exports to one base path get a version each; `--overwrite` swaps the old
version for the new in one step); `models.config` beside the model folder then lists every model
of the serving root. Serve it with
`docker run -p 8500:8500 -p 8501:8501 -v "$PWD/saved_models:/models" tensorflow/serving
--model_config_file=/models/models.config` (see docs/serving.md).
"""

import os


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "export",
        help="export a trained model for TF Serving",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--model", required=True, metavar="MODEL.keras",
                        help="the trained model (a training run's model.keras or a checkpoint)")
    parser.add_argument("--out", required=True, metavar="ROOT/NAME/VERSION",
                        help="version folder, e.g. saved_models/moving_shapes/1 (integer VERSION); "
                             "without VERSION the next free one is used")
    parser.add_argument("--max-batch-size", type=int, default=64, metavar="N",
                        help="most prompts one request may hold (default: 64)")
    parser.add_argument("--warmup-prompt", action="append", default=None, metavar="TEXT",
                        help="prompt of the warmup requests; repeatable")
    parser.add_argument("--container-root", default="/models", metavar="PATH",
                        help="where the server sees the serving root, for models.config (default: /models)")
    parser.add_argument("--temperature", type=float, default=None, metavar="T",
                        help="general family: spread of the text prior the export samples "
                             "(default: the model's, 1); below 1 keeps closer to what the prompt says")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing version folder")
    parser.set_defaults(func=run)


def run_config_of(model_path):
    """The run configuration (a plain dict) of the run a model file comes from, or None.

    A run's model.keras sits in the run folder beside config.yaml; checkpoints sit one folder
    below it (checkpoints/ckpt-*.keras).
    """
    from tf_t2v.training import config as config_lib

    folder = os.path.dirname(os.path.abspath(model_path))
    for candidate in (folder, os.path.dirname(folder)):
        path = os.path.join(candidate, "config.yaml")
        if os.path.isfile(path):
            try:
                return config_lib.to_dict(config_lib.load(path))
            except ValueError as e:
                raise ValueError(f"The run's {path} cannot be read as a run config: {e}") from None
    return None


def run(args):
    from tf_t2v.export.saved_model_exporter import DEFAULT_WARMUP_PROMPTS, SavedModelExporter
    from tf_t2v.export.serving_config import CONFIG_FILE

    if not args.model.endswith(".keras"):
        raise ValueError(f"--model must be a .keras file of a trained model; got {args.model!r}.")
    if not os.path.isfile(args.model):
        raise FileNotFoundError(f"No model file at {args.model!r}.")
    from tf_t2v.cli.paths import check_writable
    from tf_t2v.loading import load

    check_writable(args.out)  # before the model loads

    model = load(args.model)
    run_config = run_config_of(args.model)
    preview = ((run_config or {}).get("train") or {}).get("preview_prompts")
    exporter = SavedModelExporter(
        model,
        max_batch_size=args.max_batch_size,
        warmup_prompts=args.warmup_prompt or preview or DEFAULT_WARMUP_PROMPTS,
        container_root=args.container_root,
        run_config=run_config,
        temperature=args.temperature,
    )
    version_dir = exporter.export(args.out, overwrite=args.overwrite)
    base_path = os.path.dirname(version_dir)
    root = os.path.dirname(base_path) or "."
    print(f"tf-t2v export: wrote {version_dir} (signatures serving_default, encode_text, "
          f"generate_from_embedding) and {os.path.join(root, CONFIG_FILE)}")
    print(f"serve it: docker run -p 8500:8500 -p 8501:8501 -v \"{os.path.abspath(root)}:{args.container_root}\" "
          f"tensorflow/serving --model_config_file={args.container_root.rstrip('/')}/{CONFIG_FILE}")
