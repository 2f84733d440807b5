"""`tf-t2v generate`: prompts to video files, contact sheets or storyboards.

    tf-t2v generate "a small red circle moves slowly to the left" -o out.mp4 --seed 7
    tf-t2v generate "a blue square moves up" -o clips.mp4 --num-videos 8     # clips_000.mp4 ...
    tf-t2v generate "a blue square moves up" -o sheet.png --num-videos 8     # one contact sheet
    tf-t2v generate --storyboard "a red circle moves left. a blue square moves up." -o story.gif
    tf-t2v generate "a red circle moves left" -o clip.npy --model saved_models/moving_shapes/1
    tf-t2v generate "a red circle moves left" --fps 24 --slow-motion 2 --scale 4 --title "Left"
    tf-t2v generate --storyboard "a red circle moves left. a blue square moves up." --transition wipe

The output kind follows the extension: .mp4 (H.264), .gif, .webm, a contact-sheet .png, or .npy
(the uint8 clips as they are, (N, T, H, W, 3)); without -o, an .mp4 named after the prompt in the
current folder, never over an existing file. Clip i gets seed `--seed + i`, so a seed always
gives the same clip, whichever model file (SavedModel or .keras) and batch it comes from.
Videos and .npy go through `tf_t2v.synthesis`: reverse, boomerang, frame interpolation to
--fps (and --slow-motion), upscaling by --scale-filter, a title card first. Clips are written
batch by batch; a request whose frames would pass --max-output-gb (4 GB uncompressed) is
refused before the model loads.
"""

import itertools
import logging
import os
import re
import sys

from tf_t2v.synthesis.effects import SCALE_FILTERS
from tf_t2v.synthesis.transitions import TRANSITIONS

SCALE_FILTER_NAMES = tuple(SCALE_FILTERS)
TRANSITION_NAMES = TRANSITIONS

VIDEO_EXTENSIONS = (".mp4", ".gif", ".webm")
CLIP_FPS = 8.0  # frames a second of the models' clips
SHEET_EXTENSION = ".png"
ARRAY_EXTENSION = ".npy"
OUTPUT_EXTENSIONS = VIDEO_EXTENSIONS + (SHEET_EXTENSION, ARRAY_EXTENSION)
MAX_OUTPUT_GB = 4.0  # uncompressed frames of one request, unless --max-output-gb says more
HELD_COPIES = 3  # a storyboard video in memory: measured, 500 sentences grew RSS by 2.2x their frames
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 60


def split_storyboard(text):
    """The sentences of a storyboard, end punctuation and surrounding space removed.

    Example:
        >>> split_storyboard("a red circle moves left. A blue square moves up!")
        ['a red circle moves left', 'A blue square moves up']
    """
    sentences = (s.strip().rstrip(".!?;").strip() for s in _SENTENCE_END.split(text))
    return [s for s in sentences if s]


def numbered_path(out, index, count):
    """`out` with `_000`-style numbering before the extension: clips.mp4 -> clips_007.mp4."""
    stem, ext = os.path.splitext(out)
    return f"{stem}_{index:0{max(3, len(str(count - 1)))}d}{ext}"


def default_output(text, count=1, folder=""):
    """An .mp4 in `folder` named after `text` (slugified), never an existing file: `name.mp4`,
    else `name_1.mp4`, `name_2.mp4`, ... (for `count` > 1 clips, none of the numbered files exists).

    Example:
        >>> default_output("A red circle moves LEFT!", folder="")
        'a_red_circle_moves_left.mp4'
    """
    slug = _NOT_SLUG.sub("_", text.lower()).strip("_")[:MAX_SLUG].strip("_") or "clip"
    for n in itertools.count():
        path = os.path.join(folder, f"{slug}{f'_{n}' if n else ''}.mp4")
        paths = [path] if count == 1 else [numbered_path(path, i, count) for i in range(count)]
        if not any(os.path.lexists(p) for p in paths):
            return path


def resolve_model_path(path, prompts=()):
    """`--model` if given, else the shipped model that knows the prompts' words best (the default
    model on a tie); a clear error when there is none. Returns (path, the reason it was chosen)."""
    if path:
        return path, None
    from tf_t2v.loading import DEFAULT_MODEL_NAMES, choose_model, default_model_path

    chosen = choose_model(list(prompts))
    if chosen is not None:
        name, found, coverage = chosen
        return found, f"model {name} (knows {coverage:.0%} of the prompt's words; pick another with --model)"
    found = default_model_path()
    if found is None:
        raise ValueError(
            f"No model given and no shipped model found (saved_models/{'|'.join(DEFAULT_MODEL_NAMES)}/VERSION); "
            "pass --model with a SavedModel folder from `tf-t2v export` or a training run's model.keras."
        )
    return found, None


def report_prompts(model, prompts, strict=False):
    """Says on stderr which words of `prompts` the model does not know (with the closest known
    words); with `strict`, refuses such prompts (ValueError). Models without a recorded
    vocabulary are not checked."""
    from tf_t2v.text.prompt_reader import PromptReader

    vocabulary = getattr(model, "vocabulary", None)
    if vocabulary is None:
        return
    reader = PromptReader(vocabulary, lowercase=getattr(model, "metadata", {}).get("lowercase", True))
    for prompt in dict.fromkeys(prompts):  # each distinct prompt once
        line = reader.describe(prompt)
        if line is None:
            continue
        if strict:
            raise ValueError(f"--strict: {line}.")
        print(f"tf-t2v generate: warning: {line}.", file=sys.stderr)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "generate",
        help="turn a prompt (or a storyboard) into video files",
        description=__doc__.split("\n\n")[0],
        epilog="Outputs: " + ", ".join(OUTPUT_EXTENSIONS) + ". Clip i gets seed SEED + i.",
    )
    parser.add_argument("prompt", nargs="?", help="what the clip should show")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="output file: .mp4, .gif, .webm, .png (contact sheet) or .npy (raw uint8) "
                             "(default: PROMPT_AS_NAME.mp4 here, never over an existing file)")
    parser.add_argument("--storyboard", metavar="TEXT",
                        help="sentences, one clip each, joined by transitions into one output")
    parser.add_argument("--model", metavar="PATH",
                        help="SavedModel folder (or its base path) or .keras file "
                             "(default: the shipped model that knows the prompt's words best)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the first clip, an int64 (default: random)")
    parser.add_argument("--num-videos", type=int, default=1, metavar="N",
                        help="clips of the prompt, seeds SEED..SEED+N-1 (default: 1)")
    parser.add_argument("--fps", type=float, default=None,
                        help="frames a second of videos, made by motion-compensated frame interpolation "
                             f"(default: the clips' own {CLIP_FPS:g})")
    parser.add_argument("--slow-motion", type=float, default=1.0, metavar="FACTOR",
                        help="play FACTOR (>= 1) times slower, the frames in between interpolated (default: 1)")
    parser.add_argument("--reverse", action="store_true", help="play the clip backwards")
    parser.add_argument("--boomerang", action="store_true", help="play forwards then backwards, a loop")
    parser.add_argument("--scale", type=int, default=1, help="integer upscaling for viewing (default: 1)")
    parser.add_argument("--scale-filter", default=None, metavar="FILTER",
                        help=f"upscaling filter of videos and .npy: {', '.join(SCALE_FILTER_NAMES)} "
                             "(default: lanczos; contact sheets stay nearest)")
    parser.add_argument("--title", metavar="TEXT", help="a title card (white text on black) before the video")
    parser.add_argument("--title-seconds", type=float, default=2.0, metavar="SECONDS",
                        help="how long the title card shows (default: 2)")
    parser.add_argument("--truncation", type=float, default=1.0,
                        help="noise scale; below 1 trades variety for typical clips (default: 1)")
    parser.add_argument("--transition", default=None, metavar="KIND",
                        help=f"storyboard transition: {', '.join(TRANSITION_NAMES)} (default: crossfade)")
    parser.add_argument("--transition-frames", type=int, default=None, metavar="FRAMES",
                        help="clip frames each storyboard transition lasts (default: a quarter clip; cut: 0)")
    parser.add_argument("--crossfade", type=int, default=None, metavar="FRAMES",
                        help="the same as --transition crossfade --transition-frames FRAMES")
    parser.add_argument("--strict", action="store_true",
                        help="refuse prompts with words the model does not know (exit 2)")
    parser.add_argument("--batch-size", type=int, default=16, metavar="N",
                        help="clips generated at once; each batch is written before the next (default: 16)")
    parser.add_argument("--max-output-gb", type=float, default=MAX_OUTPUT_GB, metavar="GB",
                        help="refuse, before the model loads, a request whose frames would take more than "
                             f"GB gigabytes uncompressed (default: {MAX_OUTPUT_GB:g})")
    parser.set_defaults(func=run)


def _check_args(args):
    ext = os.path.splitext(args.output)[1].lower() if args.output is not None else ".mp4"  # the default
    if ext not in OUTPUT_EXTENSIONS:
        raise ValueError(
            f"Cannot write {args.output!r}: unknown extension {ext!r}; accepted: {', '.join(OUTPUT_EXTENSIONS)}."
        )
    if (args.prompt is None) == (args.storyboard is None):
        raise ValueError("Give either a prompt or --storyboard (one of them, not both).")
    if args.prompt is not None and not args.prompt.strip():
        raise ValueError("The prompt is empty or blank; describe the clip in a few words.")
    if args.num_videos < 1:
        raise ValueError(f"--num-videos must be >= 1; got {args.num_videos}.")
    if args.storyboard is not None and args.num_videos != 1:
        raise ValueError("--num-videos applies to a prompt; a storyboard makes one video.")
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1; got {args.batch_size}.")
    if args.scale < 1:
        raise ValueError(f"--scale must be an integer >= 1; got {args.scale}.")
    if not 0 < args.max_output_gb < float("inf"):
        raise ValueError(f"--max-output-gb must be a finite number of gigabytes > 0; got {args.max_output_gb:g}.")
    if args.fps is not None and not 0 < args.fps < float("inf"):
        raise ValueError(f"--fps must be a finite number of frames a second > 0; got {args.fps:g}.")
    if not 1 <= args.slow_motion < float("inf"):
        raise ValueError(f"--slow-motion must be a finite factor >= 1 (2: half speed); got {args.slow_motion:g}.")
    if args.scale_filter is not None and args.scale_filter not in SCALE_FILTERS:
        raise ValueError(f"Unknown --scale-filter {args.scale_filter!r}; accepted: {', '.join(SCALE_FILTERS)}.")
    if not args.truncation >= 0 or args.truncation == float("inf"):
        raise ValueError(f"--truncation must be a finite number >= 0; got {args.truncation}.")
    _check_transition(args)
    if args.title is not None and not args.title.strip():
        raise ValueError("--title is empty or blank; give the words of the title card.")
    if not 0 < args.title_seconds < float("inf"):
        raise ValueError(f"--title-seconds must be a finite number of seconds > 0; got {args.title_seconds:g}.")
    if ext == SHEET_EXTENSION:
        given = [name for name, on in (
            ("--title", args.title is not None), ("--slow-motion", args.slow_motion != 1),
            ("--reverse", args.reverse), ("--boomerang", args.boomerang),
            ("--scale-filter", args.scale_filter not in (None, "nearest")),
        ) if on]
        if given:
            raise ValueError(f"{', '.join(given)} apply to videos and .npy; a contact sheet shows the frames as generated.")
    return ext


def _check_transition(args):
    """Folds --crossfade into --transition/--transition-frames; ValueError for bad values."""
    if args.crossfade is not None:
        if args.transition not in (None, "crossfade") or args.transition_frames is not None:
            raise ValueError("--crossfade FRAMES is --transition crossfade --transition-frames FRAMES; give one or the other.")
        args.transition, args.transition_frames = "crossfade", args.crossfade
    if args.storyboard is None and (args.transition is not None or args.transition_frames is not None):
        raise ValueError("--transition and --transition-frames join the clips of a --storyboard; a prompt makes clips of its own.")
    if args.transition is not None and args.transition not in TRANSITIONS:
        raise ValueError(f"Unknown --transition {args.transition!r}; accepted: {', '.join(TRANSITIONS)}.")
    if args.transition_frames is not None and args.transition_frames < 0:
        raise ValueError(f"--transition-frames must be >= 0 (clip frames); got {args.transition_frames}.")
    if args.transition == "cut" and args.transition_frames:
        raise ValueError(f"A cut has no duration; got --transition-frames {args.transition_frames} (give 0, or another transition).")


def output_frames(args, ext, num_frames, clip_fps, clips=1):
    """Frames of one output: a video (or .npy clip) after the effects and the title card; for a
    storyboard of `clips` sentences, the clips joined (transitions only shorten it)."""
    if ext == SHEET_EXTENSION:
        return num_frames
    frames = num_frames * clips
    if args.boomerang and frames > 2:
        frames = 2 * frames - 2
    fps = args.fps if args.fps is not None else clip_fps
    if fps != clip_fps or args.slow_motion != 1:
        frames = max(1, round(frames * fps * args.slow_motion / clip_fps))  # as playback_times counts them
    if args.title is not None:
        frames += max(1, round(args.title_seconds * fps))
    return frames


def check_output_size(args, ext, count, num_frames, frame_size, clip_fps):
    """ValueError when the frames of a request would take more than --max-output-gb uncompressed.

    `count` clips of `num_frames` frames of `frame_size` (or one storyboard of `count` sentences)
    at `clip_fps`. Clips (videos, .npy, a contact sheet) are written batch by batch, so the frames
    written count; a storyboard video is made whole in memory, where it is held about
    `HELD_COPIES` times over (its clips, the joined frames, the encoder's copy).
    """
    storyboard = held = args.storyboard is not None and ext != SHEET_EXTENSION
    frames = output_frames(args, ext, num_frames, clip_fps, clips=count if storyboard else 1)
    height, width = (s * args.scale for s in frame_size)
    size = (1 if storyboard else count) * frames * height * width * 3  # uint8 RGB
    need = size * (HELD_COPIES if held else 1)
    if need > args.max_output_gb * 1e9:
        what = (f"a storyboard of {count} clips, {frames} frames" if storyboard else
                f"{count} clip(s) of {frames} frames")
        how = f"holds {need / 1e9:,.1f} GB in memory" if held else f"writes {need / 1e9:,.1f} GB"
        raise ValueError(
            f"This request {how} ({what} of {height}x{width}), more than --max-output-gb "
            f"{args.max_output_gb:g}; ask for fewer clips or a smaller --scale or --fps, or raise --max-output-gb."
        )


def _clip_shape(model_path, model=None):
    """(num_frames, (H, W), fps) of a model's clips: from a loaded `model`, else read without
    loading it from a SavedModel's metadata or a .keras file's config (its generator's);
    None when neither says."""
    if model is not None:
        return model.num_frames, tuple(model.frame_size), _clip_fps(model)
    from tf_t2v.loading import model_metadata

    if os.path.isfile(model_path) and model_path.endswith(".keras"):
        return _keras_clip_shape(model_path)
    metadata = model_metadata(model_path) if os.path.isdir(model_path) else {}
    if not metadata.get("num_frames") or not metadata.get("frame_size"):
        return None
    return int(metadata["num_frames"]), tuple(metadata["frame_size"]), float(metadata.get("fps", CLIP_FPS))


def _keras_clip_shape(path):
    """The clip shape a .keras file's config gives its generator, or None (loading it then says
    what is wrong with the file)."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))["config"]["generator"]["config"]
        return int(config["num_frames"]), (int(config["height"]), int(config["width"])), CLIP_FPS
    except (OSError, zipfile.BadZipFile, KeyError, TypeError, ValueError):
        return None


def _batches(model, prompts, seeds, truncation, batch_size):
    """Yields (first index, uint8 clips) batch by batch."""
    for start in range(0, len(prompts), batch_size):
        stop = start + batch_size
        yield start, model.generate(prompts[start:stop], seed=seeds[start:stop], truncation=truncation)


class _Finisher:
    """Turns a generated clip (T, H, W, 3) uint8 into the frames written: reversed or
    boomeranged, played at --fps (and --slow-motion) by frame interpolation, upscaled by
    --scale-filter, after a --title card."""

    def __init__(self, args, clip_fps):
        from tf_t2v.synthesis import FrameInterpolator

        self.args, self.clip_fps = args, clip_fps
        self.fps = args.fps if args.fps is not None else clip_fps
        self.interpolator = FrameInterpolator()

    def __call__(self, clip):
        import numpy as np

        from tf_t2v.synthesis import effects
        from tf_t2v.synthesis.title_card import title_card

        args = self.args
        if args.reverse:
            clip = effects.reverse(clip)
        if args.boomerang:
            clip = effects.boomerang(clip)
        if self.fps != self.clip_fps or args.slow_motion != 1:
            clip = self.interpolator.resample(clip, self.clip_fps, self.fps, args.slow_motion)
        clip = effects.upscale(clip, args.scale, args.scale_filter or "lanczos")
        if args.title is not None:
            count = max(1, round(args.title_seconds * self.fps))
            clip = np.concatenate([title_card(args.title, count, clip.shape[1], clip.shape[2]), clip])
        return clip


def _clip_fps(model):
    return float((getattr(model, "metadata", None) or {}).get("fps", CLIP_FPS))


def _write_sheet(args, model, prompts, seeds, captions):
    """Streams the clips of `prompts` into one contact sheet, a row per clip, batch by batch."""
    from tqdm import tqdm

    from tf_t2v.data.contact_sheet import ContactSheetWriter

    count = len(prompts)
    with ContactSheetWriter(args.output, captions, model.num_frames, model.frame_size, scale=args.scale) as sheet, \
            tqdm(total=count, unit="clip", desc="generating", disable=count < 2) as progress:
        for _, clips in _batches(model, prompts, seeds, args.truncation, args.batch_size):
            for clip in clips:
                sheet.add(clip)
            progress.update(len(clips))
    return [args.output]


def _write_clips(args, ext, model, prompts, seeds):
    """Streams the clips of `prompts` to disk, batch by batch; returns the paths written."""
    import numpy as np
    from tqdm import tqdm

    from tf_t2v.io import video_io
    from tf_t2v.io.files import atomic_output

    if ext == SHEET_EXTENSION:
        return _write_sheet(args, model, prompts, seeds, [f"{p} (seed {s})" for p, s in zip(prompts, seeds)])
    count = len(prompts)
    finish = _Finisher(args, _clip_fps(model))
    written = []
    with tqdm(total=count, unit="clip", desc="generating", disable=count < 2) as progress:
        if ext == ARRAY_EXTENSION:
            with atomic_output(args.output) as tmp, open(tmp, "wb") as f:
                for start, clips in _batches(model, prompts, seeds, args.truncation, args.batch_size):
                    clips = np.stack([finish(c) for c in clips])  # (B, T, H, W, 3) uint8
                    if start == 0:  # the header, then each batch as it comes: memory stays one batch
                        np.lib.format.write_array_header_1_0(f, {
                            "descr": np.lib.format.dtype_to_descr(clips.dtype), "fortran_order": False,
                            "shape": (count,) + clips.shape[1:]})
                    f.write(np.ascontiguousarray(clips).data)
                    progress.update(len(clips))
            return [args.output]
        for start, clips in _batches(model, prompts, seeds, args.truncation, args.batch_size):
            for i, clip in enumerate(clips, start=start):
                path = args.output if count == 1 else numbered_path(args.output, i, count)
                video_io.write_video(path, finish(clip), fps=finish.fps)
                written.append(path)
            progress.update(len(clips))
    return written


def _write_storyboard(args, ext, model, sentences, seeds):
    import numpy as np

    from tf_t2v.io import video_io
    from tf_t2v.io.files import atomic_output
    from tf_t2v.synthesis.transitions import join_clips

    if ext == SHEET_EXTENSION:
        captions = [f"{i + 1}. {s} (seed {seed})" for i, (s, seed) in enumerate(zip(sentences, seeds))]
        return _write_sheet(args, model, sentences, seeds, captions)
    clips = np.concatenate([c for _, c in _batches(model, sentences, seeds, args.truncation, args.batch_size)])

    transition = args.transition or "crossfade"
    frames = args.transition_frames
    if frames is None:
        frames = 0 if transition == "cut" else max(1, clips.shape[1] // 4)
    if len(clips) == 1:
        frames = 0
    finish = _Finisher(args, _clip_fps(model))
    joined = finish(join_clips(list(clips), transition, frames))
    if ext == ARRAY_EXTENSION:
        with atomic_output(args.output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, joined)
    else:
        video_io.write_video(args.output, joined, fps=finish.fps)
    return [args.output]


def check_output_file(path):
    """ValueError unless output file `path` can be made (checked before the model loads)."""
    from tf_t2v.cli.paths import check_writable

    if os.path.isdir(path):
        raise ValueError(f"Cannot write {path!r}: it is a folder; give a file name such as {os.path.join(path, 'clip.mp4')!r}.")
    check_writable(os.path.dirname(os.path.abspath(path)), shown=path)


def run(args):
    ext = _check_args(args)
    if args.storyboard is not None:
        distinct = split_storyboard(args.storyboard)
        if not distinct:
            raise ValueError("The storyboard holds no sentence; separate sentences with '.', '!' or '?'.")
    else:
        distinct = [args.prompt]
    count = len(distinct) if args.storyboard is not None else args.num_videos

    if args.output is not None:
        check_output_file(args.output)
    model_path, reason = resolve_model_path(args.model, distinct)
    shape = _clip_shape(model_path)  # known without loading the model
    if shape is not None:
        check_output_size(args, ext, count, *shape)
    if args.output is None:  # named once the count is known to fit: no name is tried per clip before
        args.output = default_output(args.prompt or args.storyboard, 1 if args.storyboard is not None else count)
        check_output_file(args.output)

    import numpy as np

    from tf_t2v.export.text_to_video_sampler import seeds_for
    from tf_t2v.loading import load

    seed = args.seed if args.seed is not None else int(np.random.default_rng().integers(0, 2**31))
    seeds = seeds_for(seed, count)  # int64 seeds: checked before the model loads
    if reason:
        print(f"tf-t2v generate: {reason}", file=sys.stderr)
    model = load(model_path)
    logging.debug("model: %s", model_path)
    if shape is None:  # a model that does not say its clip shape: known once loaded
        check_output_size(args, ext, count, *_clip_shape(model_path, model))
    prompts = distinct if args.storyboard is not None else distinct * count
    report_prompts(model, prompts, strict=args.strict)
    if args.storyboard is not None:
        written = _write_storyboard(args, ext, model, prompts, seeds)
    else:
        written = _write_clips(args, ext, model, prompts, seeds)
    shown = written[0] if len(written) == 1 else f"{len(written)} files {written[0]} ... {written[-1]}"
    seeds_text = f"seed {seed}" if len(prompts) == 1 else f"seeds {seed}..{seed + len(prompts) - 1}"
    print(f"tf-t2v generate: wrote {shown} ({seeds_text})")
