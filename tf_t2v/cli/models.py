"""`tf-t2v models`: the shipped models (and any given ones) with what each knows.

    tf-t2v models
    tf-t2v models --model runs/scenes/model.keras --model saved_models/scenes/3
"""


def add_parser(subparsers):
    parser = subparsers.add_parser("models", help="list the shipped models and what they know",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", default=[], metavar="PATH",
                        help="also describe this SavedModel folder or .keras file; repeatable")
    parser.set_defaults(func=run)


def describe(name, path, metadata):
    """One model's lines for people."""
    size = metadata.get("frame_size") or ["?", "?"]
    vocabulary = metadata.get("vocabulary")
    lines = [
        f"{name}  ({path})",
        f"  dataset: {metadata.get('dataset') or 'unknown'}; family: {metadata.get('family') or 'unknown'}"
        f" ({metadata.get('model_class') or '?'})",
        f"  clips: {metadata.get('num_frames', '?')} frames of {size[0]}x{size[1]}; "
        f"vocabulary: {len(vocabulary) if vocabulary is not None else 'not recorded'} words",
    ]
    for prompt in metadata.get("example_prompts") or []:
        lines.append(f"  e.g. {prompt!r}")
    return "\n".join(lines)


def run(args):
    import os

    from tf_t2v.loading import model_metadata, shipped_models

    entries = [(name, path, model_metadata(path)) for name, path in shipped_models().items()]
    for path in args.model:
        if not os.path.exists(path):
            raise FileNotFoundError(f"No model at {path!r}.")
        if path.endswith(".keras"):
            from tf_t2v.loading import load

            model = load(path)
            size = list(model.frame_size)
            metadata = {"num_frames": model.num_frames, "frame_size": size, "vocabulary": model.vocabulary,
                        "family": model.FAMILY, "model_class": type(model).__name__}
        else:
            metadata = model_metadata(path)
        entries.append((os.path.basename(os.path.normpath(path)), path, metadata))
    if not entries:
        print("No shipped models; give --model PATH.")
        return
    print("\n\n".join(describe(*entry) for entry in entries))
