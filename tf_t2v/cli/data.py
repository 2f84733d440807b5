"""`tf-t2v data`: build the project's datasets and preview them."""

import argparse
import contextlib
import importlib
import io
import logging
import os

DATASETS = ("moving_shapes", "captioned_videos", "scenes", "moving_digits")
GENERATED = ("moving_shapes", "scenes", "moving_digits")  # built from nothing; --config and --sizes
BEAM = ("captioned_videos", "scenes", "moving_digits")  # can build in an Apache Beam pipeline
# The runner of a Beam build whose options name none: Beam's in-process Python runner, which its
# DirectRunner falls back to (the DirectRunner first tries to fetch its Prism engine from GitHub).
LOCAL_BEAM_RUNNER = "FnApiRunner"
PREVIEW_EXTENSIONS = (".mp4", ".gif", ".webm", ".png")


def parse_sizes(text):
    """"train=64,test=8" -> {"train": 64, "test": 8}."""
    sizes = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise argparse.ArgumentTypeError(
                f"--sizes takes split=count pairs such as train=2000,test=200; got {item!r}."
            )
        sizes[name.strip()] = int(value)
    return sizes


def add_parser(subparsers):
    parser = subparsers.add_parser("data", help="build and preview datasets")
    commands = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    build = commands.add_parser("build", help="build a dataset (TFDS, no `tfds` CLI needed)")
    build.add_argument("name", metavar="{" + ",".join(DATASETS) + "}[/CONFIG]",
                       help="the dataset, optionally with its config, e.g. moving_digits/single_64")
    build.add_argument("--data-dir", required=True, help="where TFDS writes the dataset")
    build.add_argument("--config", help="builder config, e.g. single_64 (moving_shapes, moving_digits), scenes_64 (scenes)")
    build.add_argument("--sizes", type=parse_sizes, help="generated datasets' split sizes: train=N,test=N,...")
    build.add_argument("--manual-dir", help="captioned_videos: folder with the videos and captions file")
    build.add_argument("--num-frames", type=int, help="captioned_videos: frames per clip")
    build.add_argument("--size", type=int, nargs="+", metavar="PX", help="captioned_videos: H [W]")
    build.add_argument("--sampling", choices=("uniform", "fps"), help="captioned_videos: frame sampling")
    build.add_argument("--fps", type=float, help="captioned_videos: target fps for --sampling fps")
    build.add_argument("--allow-outside-paths", action="store_true",
                       help="captioned_videos: read videos the captions name by an absolute path or a path "
                            "climbing out of the videos folder with .. (skipped as outside_folder otherwise)")
    build.add_argument("--beam", action="store_true",
                       help=f"{', '.join(BEAM)}: build in an Apache Beam pipeline (in this process, on "
                            f"Beam's {LOCAL_BEAM_RUNNER}, unless --beam-options names a --runner); "
                            "see docs/scale-out.md")
    build.add_argument("--beam-options", metavar="FLAGS",
                       help='Beam pipeline options as Beam\'s own flags, e.g. "--runner=DataflowRunner '
                            '--project=P --region=R --temp_location=gs://B/tmp"; implies --beam')
    build.set_defaults(func=run_build)

    preview = commands.add_parser("preview", help="write real clips with their captions to a file")
    preview.add_argument("name", help="dataset/config, e.g. moving_shapes/single_64")
    preview.add_argument("--data-dir", required=True)
    preview.add_argument("--split", default="train")
    preview.add_argument("--num", type=int, default=8, help="clips to show")
    preview.add_argument("--scale", type=int, default=4, help="nearest-neighbour upscaling")
    preview.add_argument("--fps", type=float, default=8)
    preview.add_argument("-o", "--output", required=True, help="out.mp4 | out.gif | out.webm | out.png")
    preview.set_defaults(func=run_preview)

    write = commands.add_parser(
        "write-clips", help="write a built dataset's clips as video files with a captions.csv: the folder "
                            "`data build captioned_videos --manual-dir` reads")
    write.add_argument("name", help="dataset/config, e.g. scenes/scenes_64")
    write.add_argument("--data-dir", required=True)
    write.add_argument("--out", required=True, help="folder to write videos/ and captions.csv into")
    write.add_argument("--splits", type=parse_sizes, default={"train": 1000, "validation": 100, "test": 100},
                       help="clips per split, the first of each: train=N,validation=N,test=N")
    write.add_argument("--fps", type=float, default=8)
    write.set_defaults(func=run_write_clips)


def make_builder(args):
    """The TFDS builder `tf-t2v data build` arguments ask for."""
    if args.name in GENERATED:
        if args.manual_dir or args.num_frames or args.size or args.sampling or args.fps or args.allow_outside_paths:
            raise ValueError(f"{args.name} takes --config and --sizes only; the others are for captioned_videos.")
        Builder = importlib.import_module(f"tfds_builders.{args.name}").Builder

        return Builder(config=args.config, data_dir=args.data_dir, split_sizes=args.sizes)
    if args.sizes:
        raise ValueError(f"--sizes is for {', '.join(GENERATED)}; captioned_videos splits come from the captions file.")
    if not args.manual_dir:
        raise ValueError("captioned_videos needs --manual-dir: a folder with the videos and captions.csv or captions.jsonl.")
    from tfds_builders.captioned_videos import Builder

    size = None
    if args.size:
        if len(args.size) > 2:
            raise ValueError(f"--size takes H or H W; got {args.size}.")
        size = (args.size[0], args.size[-1])
    return Builder(
        config=args.config, data_dir=args.data_dir, num_frames=args.num_frames, size=size,
        sampling=args.sampling, fps=args.fps, allow_outside_paths=args.allow_outside_paths,
    )


def beam_options(args):
    """The `PipelineOptions` of `--beam` / `--beam-options`, or None for a build without Beam."""
    if not (args.beam or args.beam_options):
        return None
    if args.name not in BEAM:
        raise ValueError(f"--beam is for {', '.join(BEAM)}; {args.name} builds in this process only.")
    import shlex

    from tfds_builders import beam_builds

    try:
        beam = beam_builds.import_beam()
    except ImportError as e:
        raise RuntimeError(str(e)) from e
    # Beam reads its flags as its own command line does (unknown ones are logged and dropped;
    # an unknown runner is refused when the pipeline starts).
    options = beam.options.pipeline_options.PipelineOptions(shlex.split(args.beam_options or ""))
    standard = options.view_as(beam.options.pipeline_options.StandardOptions)
    if standard.runner is None:
        standard.runner = LOCAL_BEAM_RUNNER
    return options


def split_name(args):
    """Reads "dataset/config" in `args.name` into `args.name` and `args.config` (a --config too
    must agree); ValueError for an unknown dataset."""
    name, _, config = args.name.partition("/")
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {args.name!r}; accepted: {', '.join(DATASETS)} (optionally /CONFIG).")
    if config and args.config and args.config != config:
        raise ValueError(f"{args.name} and --config {args.config} name two configs; give one.")
    args.name, args.config = name, config or args.config


def run_build(args):
    import tensorflow_datasets as tfds

    split_name(args)
    with tfds_quietly(args.verbose):
        builder = make_builder(args)
        manual_dir = args.manual_dir
        if manual_dir is not None and not os.path.isdir(manual_dir):
            raise FileNotFoundError(f"--manual-dir {manual_dir!r} is not a folder.")
        download_config = tfds.download.DownloadConfig(manual_dir=manual_dir, beam_options=beam_options(args))
        done_before = builder.is_prepared()
        builder.download_and_prepare(download_config=download_config)
    sizes = ", ".join(f"{name} {split.num_examples}" for name, split in builder.info.splits.items())
    what = f"{builder.name}/{builder.builder_config.name} ({sizes}) in {builder.data_dir}"
    print(f"Already built {what}; nothing to do." if done_before else f"Built {what}.")
    if args.name == "captioned_videos":
        from tfds_builders.captioned_videos.captioned_videos_dataset_builder import SKIPPED_FILE

        if (builder.data_path / SKIPPED_FILE).exists():  # absent when the build was done before
            print(skipped_summary(builder.load_skipped(), builder.data_dir))


class _NotFromTfds(logging.Filter):
    """Drops the INFO and WARNING records TFDS logs itself (through absl); errors pass."""

    def filter(self, record):
        return record.levelno >= logging.ERROR or f"{os.sep}tensorflow_datasets{os.sep}" not in record.pathname


@contextlib.contextmanager
def tfds_quietly(verbose=False):
    """Keeps TFDS's own lines out of the output unless `verbose` (-v): its "Downloading and
    preparing dataset ..." and "Dataset ... downloaded and prepared to ..." on stdout (a
    generated or manual dataset downloads nothing) and its INFO and WARNING log records
    (shard files written, deprecations of its own API). The command says what it did instead."""
    if verbose:
        yield
        return
    absl_logger, quiet = logging.getLogger("absl"), _NotFromTfds()
    absl_logger.addFilter(quiet)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        absl_logger.removeFilter(quiet)


def skipped_summary(report, data_dir):
    """One line: the rows a captioned_videos build skipped, by reason, and where the details are."""
    from tfds_builders.captioned_videos.captioned_videos_dataset_builder import REASONS, SKIPPED_FILE

    counts = report.get("skipped_counts", {})
    if not counts:
        return "Skipped no rows."
    order = sorted(counts, key=lambda r: REASONS.index(r) if r in REASONS else len(REASONS))
    reasons = ", ".join(f"{counts[reason]} {reason}" for reason in order)
    return (f"Skipped {sum(counts.values())} row(s) ({reasons}); each is named in "
            f"{os.path.join(data_dir, SKIPPED_FILE)}.")


def grid_frames(clips, columns):
    """Clips (N, T, H, W, 3) -> one clip (T, rows*H, columns*W, 3) with the clips tiled."""
    import numpy as np

    n, t, h, w, c = clips.shape
    rows = -(-n // columns)
    padded = np.zeros((rows * columns, t, h, w, c), clips.dtype)
    padded[:n] = clips
    grid = padded.reshape(rows, columns, t, h, w, c).transpose(2, 0, 3, 1, 4, 5)
    return grid.reshape(t, rows * h, columns * w, c)


def run_preview(args):
    import numpy as np

    from tf_t2v.data.contact_sheet import write_contact_sheet
    from tf_t2v.data.pipeline import load_examples
    from tf_t2v.io.video_io import write_video

    ext = os.path.splitext(args.output)[1].lower()
    if ext not in PREVIEW_EXTENSIONS:
        raise ValueError(f"Unknown output extension {ext!r}; accepted: {', '.join(PREVIEW_EXTENSIONS)}.")
    if args.num < 1:
        raise ValueError(f"--num must be at least 1; got {args.num}.")
    with tfds_quietly(args.verbose):
        examples = load_examples(args.name, args.split, args.num, data_dir=args.data_dir)
    clips = np.stack([ex["video"] for ex in examples])  # (N, T, H, W, 3) uint8
    captions = [ex["caption"] for ex in examples]
    if ext == ".png":
        write_contact_sheet(args.output, clips, captions, scale=args.scale)
    else:
        write_video(args.output, grid_frames(clips, min(4, len(clips))), fps=args.fps, scale=args.scale)
    for i, caption in enumerate(captions):
        print(f"{i}: {caption}")
    logging.info("Wrote %s (%d clips).", args.output, len(clips))


def run_write_clips(args):
    """Writes `videos/<split>_<i>.mp4` and `captions.csv` (video,caption,split) under `args.out`."""
    import csv

    from tf_t2v.data.pipeline import iter_examples, load_builder
    from tf_t2v.io.files import atomic_output
    from tf_t2v.io.video_io import write_video

    with tfds_quietly(args.verbose):
        builder = load_builder(args.name, args.data_dir)
    unknown = sorted(set(args.splits) - set(builder.info.splits))
    if unknown:
        raise ValueError(f"{args.name} has no split {unknown[0]!r}; accepted: {sorted(builder.info.splits)}.")
    os.makedirs(os.path.join(args.out, "videos"), exist_ok=True)
    rows = []
    for split, num in args.splits.items():
        for i, ex in enumerate(iter_examples(builder, split, num)):
            video = f"{split}_{i:05d}.mp4"
            write_video(os.path.join(args.out, "videos", video), ex["video"], fps=args.fps)
            rows.append((video, ex["caption"], split))
        logging.info("%s: %d clips.", split, sum(row[2] == split for row in rows))
    with atomic_output(os.path.join(args.out, "captions.csv")) as tmp, open(tmp, "w", newline="",
                                                                         encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(("video", "caption", "split"))
        writer.writerows(rows)
    print(f"Wrote {len(rows)} clips and captions.csv to {args.out}.")
