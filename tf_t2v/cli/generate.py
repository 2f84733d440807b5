"""`tf-t2v generate`: prompts to video files, contact sheets or storyboards.

    tf-t2v generate "a small red circle moves slowly to the left" -o out.mp4 --seed 7
    tf-t2v generate "a blue square moves up" -o clips.mp4 --num-videos 8     # clips_000.mp4 ...
    tf-t2v generate "a blue square moves up" -o sheet.png --num-videos 8     # one contact sheet
    tf-t2v generate --storyboard "a red circle moves left. a blue square moves up." -o story.gif
    tf-t2v generate "a red circle moves left" -o clip.npy --model saved_models/moving_shapes/1

The output kind follows the extension: .mp4 (H.264), .gif, .webm, a contact-sheet .png, or .npy
(the uint8 clips as they are, (N, T, H, W, 3)). Clip i gets seed `--seed + i`, so a seed always
gives the same clip, whichever model file (SavedModel or .keras) and batch it comes from.
"""

import logging
import os
import re
import sys

VIDEO_EXTENSIONS = (".mp4", ".gif", ".webm")
SHEET_EXTENSION = ".png"
ARRAY_EXTENSION = ".npy"
OUTPUT_EXTENSIONS = VIDEO_EXTENSIONS + (SHEET_EXTENSION, ARRAY_EXTENSION)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def split_storyboard(text):
    """The sentences of a storyboard, end punctuation and surrounding space removed.

    Example:
        >>> split_storyboard("a red circle moves left. A blue square moves up!")
        ['a red circle moves left', 'A blue square moves up']
    """
    sentences = (s.strip().rstrip(".!?;").strip() for s in _SENTENCE_END.split(text))
    return [s for s in sentences if s]


def cross_fade(clips, frames):
    """Joins clips (each (T, H, W, 3) uint8) into one, each pair overlapping by a linear cross-fade.

    Over the `frames` overlapping frames, clip k+1 fades in with weights 1/(frames+1), ...,
    frames/(frames+1); the result has `sum(T) - (len(clips) - 1) * frames` frames.

    Example:
        >>> import numpy as np
        >>> a, b = np.zeros((4, 2, 2, 3), np.uint8), np.full((4, 2, 2, 3), 90, np.uint8)
        >>> cross_fade([a, b], 2)[:, 0, 0, 0].tolist()
        [0, 0, 30, 60, 90, 90]
    """
    import numpy as np

    clips = [np.asarray(c, np.uint8) for c in clips]
    if not clips:
        raise ValueError("cross_fade needs at least one clip.")
    shortest = min(len(c) for c in clips)
    if frames < 0 or (len(clips) > 1 and 2 * frames > shortest):
        raise ValueError(
            f"The cross-fade must last from 0 to {shortest // 2} frames (half the shortest clip); got {frames}."
        )
    out = [clips[0]]
    weights = (np.arange(1, frames + 1, dtype=np.float32) / (frames + 1))[:, None, None, None]
    for clip in clips[1:]:
        if frames:
            tail = out[-1][-frames:].astype(np.float32)
            blend = (1.0 - weights) * tail + weights * clip[:frames].astype(np.float32)
            out[-1] = out[-1][:-frames]
            out.append(np.round(blend).astype(np.uint8))
        out.append(clip[frames:])
    return np.concatenate(out)


def numbered_path(out, index, count):
    """`out` with `_000`-style numbering before the extension: clips.mp4 -> clips_007.mp4."""
    stem, ext = os.path.splitext(out)
    return f"{stem}_{index:0{max(3, len(str(count - 1)))}d}{ext}"


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
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="output file: .mp4, .gif, .webm, .png (contact sheet) or .npy (raw uint8)")
    parser.add_argument("--storyboard", metavar="TEXT",
                        help="sentences, one clip each, joined by cross-fades into one output")
    parser.add_argument("--model", metavar="PATH",
                        help="SavedModel folder (or its base path) or .keras file "
                             "(default: the shipped model that knows the prompt's words best)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the first clip, an int64 (default: random)")
    parser.add_argument("--num-videos", type=int, default=1, metavar="N",
                        help="clips of the prompt, seeds SEED..SEED+N-1 (default: 1)")
    parser.add_argument("--fps", type=float, default=8.0, help="frames per second of videos (default: 8)")
    parser.add_argument("--scale", type=int, default=1,
                        help="integer nearest-neighbour upscaling for viewing (default: 1)")
    parser.add_argument("--truncation", type=float, default=1.0,
                        help="noise scale; below 1 trades variety for typical clips (default: 1)")
    parser.add_argument("--crossfade", type=int, default=None, metavar="FRAMES",
                        help="frames each storyboard transition lasts (default: a quarter clip)")
    parser.add_argument("--strict", action="store_true",
                        help="refuse prompts with words the model does not know (exit 2)")
    parser.add_argument("--batch-size", type=int, default=16, metavar="N",
                        help="clips generated at once; each batch is written before the next (default: 16)")
    parser.set_defaults(func=run)


def _check_args(args):
    ext = os.path.splitext(args.output)[1].lower()
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
    if args.fps <= 0:
        raise ValueError(f"--fps must be > 0; got {args.fps}.")
    if not args.truncation >= 0 or args.truncation == float("inf"):
        raise ValueError(f"--truncation must be a finite number >= 0; got {args.truncation}.")
    return ext


def _batches(model, prompts, seeds, truncation, batch_size):
    """Yields (first index, uint8 clips) batch by batch."""
    for start in range(0, len(prompts), batch_size):
        stop = start + batch_size
        yield start, model.generate(prompts[start:stop], seed=seeds[start:stop], truncation=truncation)


def _write_clips(args, ext, model, prompts, seeds):
    """Streams the clips of `prompts` to disk; returns the paths written."""
    import numpy as np
    from tqdm import tqdm

    from tf_t2v.data import video_io
    from tf_t2v.data.contact_sheet import write_contact_sheet

    count = len(prompts)
    sheet_clips, written = [], []
    with tqdm(total=count, unit="clip", desc="generating", disable=count < 2) as progress:
        if ext == ARRAY_EXTENSION:
            with video_io.atomic_output(args.output) as tmp:
                array = None
                for start, clips in _batches(model, prompts, seeds, args.truncation, args.batch_size):
                    clips = video_io.upscale(clips, args.scale)
                    if array is None:  # written batch by batch: memory stays one batch
                        array = np.lib.format.open_memmap(tmp, "w+", np.uint8, (count,) + clips.shape[1:])
                    array[start:start + len(clips)] = clips
                    progress.update(len(clips))
                array.flush()
                del array
            return [args.output]
        for start, clips in _batches(model, prompts, seeds, args.truncation, args.batch_size):
            for i, clip in enumerate(clips, start=start):
                if ext == SHEET_EXTENSION:
                    sheet_clips.append(clip)
                else:
                    path = args.output if count == 1 else numbered_path(args.output, i, count)
                    video_io.write_video(path, clip, fps=args.fps, scale=args.scale)
                    written.append(path)
            progress.update(len(clips))
    if ext == SHEET_EXTENSION:
        captions = [f"{p} (seed {s})" for p, s in zip(prompts, seeds)]
        write_contact_sheet(args.output, sheet_clips, captions, scale=args.scale)
        written.append(args.output)
    return written


def _write_storyboard(args, ext, model, sentences, seeds):
    import numpy as np

    from tf_t2v.data import video_io
    from tf_t2v.data.contact_sheet import write_contact_sheet

    clips = np.concatenate([c for _, c in _batches(model, sentences, seeds, args.truncation, args.batch_size)])
    if ext == SHEET_EXTENSION:
        captions = [f"{i + 1}. {s} (seed {seed})" for i, (s, seed) in enumerate(zip(sentences, seeds))]
        write_contact_sheet(args.output, clips, captions, scale=args.scale)
        return [args.output]
    frames = args.crossfade if args.crossfade is not None else max(1, clips.shape[1] // 4)
    if len(clips) == 1:
        frames = 0
    joined = cross_fade(list(clips), frames)
    if ext == ARRAY_EXTENSION:
        with video_io.atomic_output(args.output) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, video_io.upscale(joined, args.scale))
    else:
        video_io.write_video(args.output, joined, fps=args.fps, scale=args.scale)
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
        prompts = split_storyboard(args.storyboard)
        if not prompts:
            raise ValueError("The storyboard holds no sentence; separate sentences with '.', '!' or '?'.")
    else:
        prompts = [args.prompt] * args.num_videos

    check_output_file(args.output)

    import numpy as np

    from tf_t2v.export.text_to_video_sampler import seeds_for
    from tf_t2v.loading import load

    seed = args.seed if args.seed is not None else int(np.random.default_rng().integers(0, 2**31))
    seeds = seeds_for(seed, len(prompts))  # int64 seeds: checked before the model loads
    model_path, reason = resolve_model_path(args.model, prompts)
    if reason:
        print(f"tf-t2v generate: {reason}", file=sys.stderr)
    model = load(model_path)
    logging.debug("model: %s", model_path)
    report_prompts(model, prompts, strict=args.strict)
    if args.storyboard is not None:
        written = _write_storyboard(args, ext, model, prompts, seeds)
    else:
        written = _write_clips(args, ext, model, prompts, seeds)
    shown = written[0] if len(written) == 1 else f"{len(written)} files {written[0]} ... {written[-1]}"
    seeds_text = f"seed {seed}" if len(prompts) == 1 else f"seeds {seed}..{seed + len(prompts) - 1}"
    print(f"tf-t2v generate: wrote {shown} ({seeds_text})")
