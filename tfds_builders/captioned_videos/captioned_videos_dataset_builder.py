"""captioned_videos: your own captioned clips (WebVid / MSR-VTT style) as a TFDS dataset.

The TFDS manual dir holds a `videos/` folder and a `captions.csv` or `captions.jsonl` file (see
`MANUAL_DOWNLOAD_INSTRUCTIONS`). Every (video, caption) row becomes one example. Bad input never
stops a build: unusable rows and files are skipped, counted by reason, logged at the end and kept
in `skipped.json` beside the dataset. A build whose `DownloadConfig` names a Beam runner or Beam
options decodes the videos in that Beam pipeline (see `tfds_builders.beam_builds`): the same
examples and the same `skipped.json`, and the skipped rows also counted in Beam counters
(namespace `captioned_videos`, one per reason).
"""

import collections
import csv
import dataclasses
import hashlib
import io
import json
import pathlib
import re

from absl import logging
from etils import epath
import tensorflow_datasets as tfds

from tf_t2v.io import video_io
from tfds_builders import beam_builds

CAPTION_FILES = ("captions.csv", "captions.jsonl")
VIDEO_FOLDER = "videos"
SKIPPED_FILE = "skipped.json"
SPLITS = ("train", "validation", "test")
SPLIT_ALIASES = {"val": "validation", "valid": "validation"}
FALLBACK_ENCODING = "cp1252"

# Why a row was skipped. Row checks, in the order they apply:
BAD_ROW = "bad_row"  # unparsable line, wrong number of fields, no video named, bad split name
EMPTY_CAPTION = "empty_caption"
DUPLICATE_ROW = "duplicate_row"  # the same (video, caption) as an earlier row
OUTSIDE_FOLDER = "outside_folder"  # an absolute path, or one that climbs out with ..
MISSING_VIDEO = "missing_video"
# File checks, from decoding the video:
EMPTY_FILE = video_io.EMPTY_FILE
NOT_A_VIDEO = video_io.NOT_A_VIDEO
CORRUPT = video_io.CORRUPT
TOO_SHORT = video_io.TOO_SHORT
UNREADABLE = "unreadable"  # the operating system refused to read it
REASONS = (BAD_ROW, EMPTY_CAPTION, DUPLICATE_ROW, OUTSIDE_FOLDER, MISSING_VIDEO, EMPTY_FILE, NOT_A_VIDEO,
           CORRUPT, TOO_SHORT, UNREADABLE)

_SPLIT_NAME = re.compile(r"[a-z][a-z0-9_]*")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape


@dataclasses.dataclass
class Row:
    """One caption row: `line` is where it starts in the captions file (the CSV header is line 1)."""

    line: int
    video: str
    caption: str
    split: str | None = None


def hash_split(video_id, ratios=(0.9, 0.05, 0.05)):
    """The split of a video from a SHA-256 of its name: stable across runs, machines and Python versions.

    Args:
        video_id: str. the video's name as the captions file gives it.
        ratios: (float, float, float). shares of train, validation and test; they sum to 1.

    Example:
        >>> from tfds_builders.captioned_videos.captioned_videos_dataset_builder import hash_split
        >>> hash_split("clip_0001.mp4")
        'train'
    """
    digest = hashlib.sha256(video_id.encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    edge = 0.0
    for split, ratio in zip(SPLITS, ratios):
        edge += ratio
        if u < edge:
            return split
    return next(s for s, r in reversed(list(zip(SPLITS, ratios))) if r > 0)


def _split_of(value):
    """(split name or None, problem or None) for a `split` cell; empty means "hash the video name"."""
    value = (value or "").strip().lower()
    if not value:
        return None, None
    value = SPLIT_ALIASES.get(value, value)
    if not _SPLIT_NAME.fullmatch(value) or value == "all":
        return None, f"split {value!r} is not a valid split name (letters, digits and _; not 'all')"
    return value, None


def _recode(text):
    """Undoes surrogateescape and decodes the bytes as FALLBACK_ENCODING."""
    return text.encode("utf-8", "surrogateescape").decode(FALLBACK_ENCODING, errors="replace")


def _parse_csv(data, report):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    if "video" not in header or "caption" not in header:
        raise ValueError(
            f"captions.csv must start with a header naming the columns video and caption (and "
            f"optionally split); got {header}. Is the file UTF-8 CSV?"
        )
    columns = {name: header.index(name) for name in ("video", "caption", "split") if name in header}
    line = reader.line_num + 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record or not any(field.strip() for field in record):
                continue
            if any(_UNDECODABLE.search(field) for field in record):
                record = [_recode(field) for field in record]
                report["recoded_lines"].append(start)
            if len(record) != len(header):
                video = record[columns["video"]].strip() if len(record) > columns["video"] else None
                report.skip(BAD_ROW, video or None, start, (
                    f"{len(record)} fields for the {len(header)} columns of the header; quote "
                    "captions that contain commas"))
                continue
            yield start, {name: record[i] for name, i in columns.items()}
    except csv.Error as e:
        report.skip(BAD_ROW, None, line, f"the CSV cannot be parsed from here on ({e})")


def _parse_jsonl(data, report):
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode(FALLBACK_ENCODING, errors="replace")
            report["recoded_lines"].append(number)
        try:
            record = json.loads(text)
        except json.JSONDecodeError as e:
            report.skip(BAD_ROW, None, number, f"not valid JSON ({e.msg})")
            continue
        if not isinstance(record, dict):
            report.skip(BAD_ROW, None, number, "a line must hold a JSON object")
            continue
        if not all(isinstance(record.get(k, ""), (str, type(None))) for k in ("video", "caption", "split")):
            report.skip(BAD_ROW, None, number, "video, caption and split must be strings")
            continue
        yield number, record


def read_captions(path, report=None):
    """Reads a captions file into rows; rows that cannot be parsed are recorded in `report`.

    CSV: a header with `video`, `caption` and optionally `split`; captions with commas, quotes or
    newlines are quoted the CSV way. JSONL: one object per line with the same keys. UTF-8 is
    expected; rows holding other bytes are decoded as cp1252 and their lines listed in
    `report["recoded_lines"]`.

    Args:
        path: str or os.PathLike. a `.csv` or `.jsonl` file, any `tf.io.gfile`/epath path.
        report: SkipReport or None. collects skipped and recoded lines.

    Returns:
        list of Row. captions stripped; `split` None where the row gives none.

    Example:
        >>> import pathlib, tempfile
        >>> from tfds_builders.captioned_videos.captioned_videos_dataset_builder import read_captions
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "captions.csv"
        >>> _ = path.write_text('video,caption\\nclip.mp4,"a cat, sleeping"\\n')
        >>> read_captions(path)
        [Row(line=2, video='clip.mp4', caption='a cat, sleeping', split=None)]
    """
    path = epath.Path(path)
    report = SkipReport() if report is None else report
    parse = _parse_jsonl if path.suffix.lower() == ".jsonl" else _parse_csv
    rows = []
    for line, record in parse(path.read_bytes(), report):
        video = (record.get("video") or "").strip()
        if not video:
            report.skip(BAD_ROW, None, line, "no video named")
            continue
        rows.append(Row(line, video, (record.get("caption") or "").strip(), record.get("split")))
    return rows


class SkipReport(dict):
    """What a build skipped, by reason, and lines decoded with the fallback encoding; plain JSON.

    Example:
        >>> from tfds_builders.captioned_videos.captioned_videos_dataset_builder import SkipReport
        >>> report = SkipReport()
        >>> report.skip("missing_video", "gone.mp4", 7, "no such file")
        >>> report["skipped_counts"]
        {'missing_video': 1}
    """

    def __init__(self):
        super().__init__(skipped_counts={}, skipped={}, recoded_lines=[])

    def skip(self, reason, video, lines, detail):
        lines = [lines] if isinstance(lines, int) else list(lines)
        self["skipped_counts"][reason] = self["skipped_counts"].get(reason, 0) + len(lines)
        self["skipped"].setdefault(reason, []).append(dict(video=video, lines=lines, detail=detail))

    def log(self):
        counts = self["skipped_counts"]
        kept = ", ".join(f"{n} {s}" for s, n in self.get("examples", {}).items()) or "none"
        logging.info("captioned_videos: examples kept: %s.", kept)
        if self["recoded_lines"]:
            logging.warning(
                "captioned_videos: lines %s of the captions file are not UTF-8; read them as %s.",
                self["recoded_lines"], FALLBACK_ENCODING,
            )
        if not counts:
            return
        parts = []
        for reason in sorted(counts, key=REASONS.index):
            items = self["skipped"][reason]
            named = ", ".join(item["video"] or f"line {item['lines'][0]}" for item in items[:5])
            more = f" and {len(items) - 5} more" if len(items) > 5 else ""
            parts.append(f"{reason}: {counts[reason]} row(s) ({named}{more})")
        logging.warning(
            "captioned_videos: skipped %d row(s) - %s. Details in %s.",
            sum(counts.values()), "; ".join(parts), SKIPPED_FILE,
        )


def _config_name(num_frames, size, sampling, fps, split_ratios):
    how = "uniform" if sampling == "uniform" else f"fps{fps:g}"
    name = f"{how}_{num_frames}x{size[0]}x{size[1]}"
    if tuple(split_ratios) != CaptionedVideosConfig.split_ratios:
        name += "_split" + "-".join(f"{100 * r:g}" for r in split_ratios)
    return name


@dataclasses.dataclass(eq=False)
class CaptionedVideosConfig(tfds.core.BuilderConfig):
    """How clips are cut and split; the name is made from the knobs when not given.

    Args:
        name: str. the config name; "" makes one such as "uniform_16x64x64" or "fps8_16x64x64".
        num_frames: int. frames per example.
        size: (int, int). (H, W) of the frames: resized keeping the aspect ratio, centre-cropped.
        sampling: str. "uniform" (num_frames evenly over the whole clip) or "fps" (at `fps` from
            the start).
        fps: float or None. the target rate of sampling="fps".
        split_ratios: (float, float, float). train/validation/test shares for rows without a
            `split` value, assigned by a hash of the video name.

    Example:
        >>> from tfds_builders.captioned_videos import CaptionedVideosConfig
        >>> CaptionedVideosConfig(num_frames=8, size=(32, 32), sampling="fps", fps=4).name
        'fps4_8x32x32'
    """

    name: str = ""
    num_frames: int = 16
    size: tuple[int, int] = (64, 64)
    sampling: str = "uniform"
    fps: float | None = None
    split_ratios: tuple[float, float, float] = (0.9, 0.05, 0.05)

    def __post_init__(self):
        self.size = (self.size, self.size) if isinstance(self.size, int) else tuple(int(s) for s in self.size)
        self.split_ratios = tuple(float(r) for r in self.split_ratios)
        if int(self.num_frames) != self.num_frames or self.num_frames < 1:
            raise ValueError(f"num_frames must be an integer >= 1; got {self.num_frames!r}.")
        self.num_frames = int(self.num_frames)
        if len(self.size) != 2 or min(self.size) < 1:
            raise ValueError(f"size must be (H, W) with H, W >= 1; got {self.size!r}.")
        if self.sampling not in video_io.SAMPLINGS:
            raise ValueError(f"sampling must be one of {video_io.SAMPLINGS}; got {self.sampling!r}.")
        if (self.sampling == "fps") != (self.fps is not None) or (self.fps is not None and self.fps <= 0):
            raise ValueError(
                f"sampling='fps' needs fps > 0 and sampling='uniform' takes no fps; got "
                f"sampling={self.sampling!r}, fps={self.fps!r}."
            )
        if (len(self.split_ratios) != 3 or min(self.split_ratios) < 0
                or abs(sum(self.split_ratios) - 1) > 1e-6):
            raise ValueError(
                f"split_ratios must be 3 non-negative shares (train, validation, test) summing to 1; "
                f"got {self.split_ratios!r}."
            )
        args = (self.num_frames, self.size, self.sampling, self.fps, self.split_ratios)
        self.name = self.name or _config_name(*args)
        if self.description is None:
            how = "evenly over each clip" if self.sampling == "uniform" else f"at {self.fps:g} fps"
            self.description = (
                f"{self.num_frames} frames of {self.size[0]}x{self.size[1]} taken {how}."
            )


class Builder(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for captioned_videos: one example per (video, caption) row of your own data.

    Args:
        num_frames: int or None. overrides the config's frames per example.
        size: (int, int), int or None. overrides the config's (H, W).
        sampling: str or None. "uniform" or "fps"; giving only `fps` implies "fps".
        fps: float or None. the target rate of sampling="fps".
        split_ratios: (float, float, float) or None. train/validation/test shares for hashing.
        allow_outside_paths: bool. read videos that the captions name by an absolute path or a
            path climbing out of the videos folder with `..` (skipped as `outside_folder` by
            default, so a captions file cannot make a build read files elsewhere).
        **kwargs: `data_dir`, `config` (a name or a CaptionedVideosConfig), `version`, as for
            every TFDS builder. Overrides start from `config` (default: the first preset).

    Example:
        >>> import tensorflow_datasets as tfds
        >>> from tfds_builders.captioned_videos import Builder
        >>> builder = Builder(data_dir="/tmp/tfds", num_frames=8, size=(32, 32))
        >>> builder.builder_config.name
        'uniform_8x32x32'
        >>> builder.download_and_prepare(  # doctest: +SKIP
        ...     download_config=tfds.download.DownloadConfig(manual_dir="/data/my_clips"))
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        CaptionedVideosConfig(),
        CaptionedVideosConfig(sampling="fps", fps=8),
    ]
    MANUAL_DOWNLOAD_INSTRUCTIONS = """\
    Put your clips and their captions in the manual dir (`--manual_dir`, default
    `~/tensorflow_datasets/downloads/manual/`):

        <manual_dir>/
          captions.csv       (or captions.jsonl; not both)
          videos/            mp4, webm, avi, mov or gif files, subfolders allowed

    captions.csv is UTF-8 CSV with a header row `video,caption` and optionally a `split`
    column; quote captions that hold commas, quotes or newlines:

        video,caption,split
        dog_001.mp4,"A dog runs, then jumps",train
        dog_001.mp4,A brown dog playing outside,train
        cat_017.webm,A cat sleeps on a sofa,test

    captions.jsonl holds one JSON object per line with the same keys:

        {"video": "dog_001.mp4", "caption": "A dog runs, then jumps"}

    `video` is a path relative to videos/ (or to the manual dir itself when there is no
    videos/ folder); without an extension, .mp4, .webm, .avi, .mov and .gif are tried.
    Absolute paths and paths climbing out with `..` are skipped unless the build allows
    them (`--allow-outside-paths`). A
    video may have several captions: each (video, caption) row is one example. `split` may be
    train, validation (or val), test or another name made of letters, digits and _; rows
    without one are split by a hash of the video name (90% / 5% / 5% by default).

    Unusable rows and files (missing, empty, not a video, damaged, too short, duplicate
    rows, empty captions) are skipped; the build logs a summary and writes it to
    skipped.json in the dataset folder.
    """

    _beam = False  # whether the build in progress runs on Beam

    def __init__(self, *, num_frames=None, size=None, sampling=None, fps=None, split_ratios=None,
                 allow_outside_paths=False, **kwargs):
        knobs = dict(num_frames=num_frames, size=size, sampling=sampling, fps=fps,
                     split_ratios=split_ratios)
        knobs = {k: v for k, v in knobs.items() if v is not None}
        if knobs:
            kwargs["config"] = self._config_with(kwargs.get("config"), knobs)
        self.allow_outside_paths = bool(allow_outside_paths)
        super().__init__(**kwargs)
        self._original_state["allow_outside_paths"] = self.allow_outside_paths  # kept when pickled

    @classmethod
    def _config_with(cls, config, knobs):
        """`config` (a name, a config or None for the default) with `knobs` replaced."""
        if config is None:
            config = cls.BUILDER_CONFIGS[0]
        elif isinstance(config, str):
            if config not in cls.builder_configs:
                raise ValueError(f"Unknown config {config!r}; presets: {sorted(cls.builder_configs)}.")
            config = cls.builder_configs[config]
        if "fps" in knobs and "sampling" not in knobs:
            knobs["sampling"] = "fps"
        if knobs.get("sampling") == "uniform" and "fps" not in knobs:
            knobs["fps"] = None
        config = dataclasses.replace(config, name="", description=None, **knobs)
        # A preset is passed by name: TFDS refuses a new config object that shares a preset's name.
        return config.name if config.name in cls.builder_configs else config

    def _info(self) -> tfds.core.DatasetInfo:
        c = self.builder_config
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "video": tfds.features.Video((c.num_frames, *c.size, 3)),
                "caption": tfds.features.Text(),
                "video_id": tfds.features.Text(),
            }),
            supervised_keys=("caption", "video"),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        manual_dir = epath.Path(dl_manager.manual_dir)
        present = [name for name in CAPTION_FILES if (manual_dir / name).exists()]
        if len(present) != 1:
            raise ValueError(
                f"The manual dir {manual_dir} must hold exactly one of {', '.join(CAPTION_FILES)}; "
                f"found {present or 'neither'}.\n{self.MANUAL_DOWNLOAD_INSTRUCTIONS}"
            )
        report = self._report = SkipReport()
        rows = read_captions(manual_dir / present[0], report)
        unparsed = report["skipped_counts"].get(BAD_ROW, 0)
        report.update(captions_file=present[0], rows=len(rows) + unparsed)
        video_root = manual_dir / VIDEO_FOLDER
        video_root = video_root if video_root.is_dir() else manual_dir

        # {split: {video_id: (path, [row, ...])}}, in the order of the captions file.
        plan = collections.defaultdict(dict)
        seen, paths = set(), {}
        for row in rows:
            split, problem = _split_of(row.split)
            key = (row.video, " ".join(row.caption.split()))
            if problem:
                report.skip(BAD_ROW, row.video, row.line, problem)
            elif not row.caption:
                report.skip(EMPTY_CAPTION, row.video, row.line, "the caption is empty")
            elif key in seen:
                report.skip(DUPLICATE_ROW, row.video, row.line, "an earlier row has the same video and caption")
            elif not self.allow_outside_paths and _outside(row.video):
                report.skip(OUTSIDE_FOLDER, row.video, row.line, (
                    f"the path leads outside {video_root}; name videos relative to it "
                    "(or build with allow_outside_paths=True, `--allow-outside-paths`)"))
            else:
                seen.add(key)
                if row.video not in paths:
                    paths[row.video] = _find_video(video_root, row.video)
                if paths[row.video] is None:
                    report.skip(MISSING_VIDEO, row.video, row.line, f"no such file in {video_root}")
                    continue
                split = split or hash_split(row.video, self.builder_config.split_ratios)
                plan[split].setdefault(row.video, (paths[row.video], []))[1].append(row)
        several = sorted({v for s in plan.values() for v in s if sum(v in p for p in plan.values()) > 1})
        if several:
            report["videos_in_several_splits"] = several

        # A split of only bad videos would make TFDS fail on an empty split: decode each split's
        # videos until one works before promising the split. The frames decoded are reused.
        generators = {}
        for split in sorted(plan, key=lambda s: (SPLITS.index(s) if s in SPLITS else len(SPLITS), s)):
            videos, first = plan[split], None
            for video_id in list(videos):
                first = self._decode(video_id, *videos[video_id])
                if first is not None:
                    break
                del videos[video_id]
            if first is None:
                report.setdefault("empty_splits", []).append(split)
                continue
            if self._beam:
                generators[split] = self._beam_examples(split, videos)
            else:
                generators[split] = self._generate_examples(split, videos, {video_id: first})
        if not generators:
            report.log()
            raise ValueError(
                f"No usable (video, caption) rows in {manual_dir}: see the reasons logged above."
            )
        report["examples"] = {split: 0 for split in generators}
        return generators

    def _decode(self, video_id, path, rows):
        """The clip's frames, or None after recording why its rows are skipped."""
        frames, problem = decode_clip(path, self.builder_config)
        if problem is not None:
            reason, detail = problem
            self._report.skip(reason, video_id, [r.line for r in rows], detail)
        return frames

    def _generate_examples(self, split, videos, decoded):
        """Yields (key, example): every caption row of every video of one split."""
        for video_id, (path, rows) in videos.items():
            frames = decoded.pop(video_id, None)
            if frames is None:
                frames = self._decode(video_id, path, rows)
            if frames is None:
                continue
            for row in rows:
                self._report["examples"][split] += 1
                yield f"{video_id}#{row.line}", dict(video=frames, caption=row.caption, video_id=video_id)

    def _beam_examples(self, split, videos):
        """The examples of one split as a `beam.PTransform`: the videos decoded on the workers, each
        skipped video counted and its record written to a part file that the build merges."""
        beam = beam_builds.import_beam()
        c = self.builder_config
        jobs = [(video_id, str(path), [(r.line, r.caption) for r in rows])
                for video_id, (path, rows) in videos.items()]
        part = self._skipped_part(split)

        @beam.ptransform_fn
        def examples(pipeline):
            decoded = pipeline | beam_builds.fan_out(jobs, _beam_decode, c, tagged=(_SKIPPED_TAG,))
            _ = (decoded[_SKIPPED_TAG] | "CollectSkipped" >> beam.combiners.ToList()
                 | "WriteSkipped" >> beam.Map(_write_json, part))
            return decoded.examples

        return examples()

    def _skipped_part(self, split):
        return self.data_path / f"{SKIPPED_FILE}.{split}.part"

    def _merge_beam_skips(self, report):
        """Moves the skips the Beam workers recorded into `report`, in the order a build without
        Beam records them (by split, then by first line), and counts the examples kept."""
        for split in report["examples"]:
            part = self._skipped_part(split)
            for item in sorted(json.loads(part.read_text()), key=lambda item: item["lines"][0]):
                report.skip(item["reason"], item["video"], item["lines"], item["detail"])
            part.unlink()
            report["examples"][split] = self.info.splits[split].num_examples

    def _process_pipeline_result(self, pipeline_result):
        from apache_beam.metrics.metric import MetricsFilter

        query = pipeline_result.metrics().query(MetricsFilter().with_namespace(_BEAM_NAMESPACE))
        counts = {c.key.metric.name: c.committed for c in query["counters"]}
        logging.info("captioned_videos: Beam counters %s.", dict(sorted(counts.items())))

    def _download_and_prepare(self, dl_manager, download_config):
        self._beam = beam_builds.requested(download_config)
        super()._download_and_prepare(dl_manager=dl_manager, download_config=download_config)
        report = getattr(self, "_report", None)
        if report is not None:  # None when no example was asked for (max_examples_per_split=0).
            if self._beam:
                self._merge_beam_skips(report)
            (self.data_path / SKIPPED_FILE).write_text(json.dumps(report, indent=1, ensure_ascii=False))
            report.log()

    def load_skipped(self):
        """The `skipped.json` summary of the last build of this dataset: a dict (see SkipReport).

        Example:
            >>> from tfds_builders.captioned_videos import Builder
            >>> summary = Builder(data_dir="/tmp/tfds").load_skipped()  # doctest: +SKIP
            >>> summary["skipped_counts"]  # doctest: +SKIP
            {'missing_video': 1, 'corrupt': 2}
        """
        return json.loads((self.data_path / SKIPPED_FILE).read_text())


def decode_clip(path, config):
    """(frames (T, H, W, 3) uint8, None) of the video at `path` cut as `config` (a
    CaptionedVideosConfig) says, or (None, (reason, detail)) when it cannot be used."""
    try:
        return video_io.read_video(str(path), config.num_frames, config.size, config.sampling, config.fps), None
    except video_io.VideoReadError as e:
        return None, (e.reason, e.problem)
    except FileNotFoundError as e:
        return None, (MISSING_VIDEO, str(e))
    except OSError as e:
        return None, (UNREADABLE, str(e))


_BEAM_NAMESPACE = "captioned_videos"
_SKIPPED_TAG = "skipped"


def _beam_decode(job, config):
    """Beam: the (key, example) pairs of one video's rows, or its skip record as a tagged output.
    job = (video_id, path, [(line, caption), ...])."""
    import apache_beam as beam

    video_id, path, rows = job
    frames, problem = decode_clip(path, config)
    if problem is not None:
        reason, detail = problem
        beam.metrics.Metrics.counter(_BEAM_NAMESPACE, f"skipped_{reason}").inc(len(rows))
        yield beam.pvalue.TaggedOutput(
            _SKIPPED_TAG, dict(reason=reason, video=video_id, lines=[line for line, _ in rows], detail=detail))
        return
    beam.metrics.Metrics.counter(_BEAM_NAMESPACE, "examples").inc(len(rows))
    for line, caption in rows:
        yield f"{video_id}#{line}", dict(video=frames, caption=caption, video_id=video_id)


def _write_json(value, path):
    epath.Path(path).write_text(json.dumps(value))


def _outside(video):
    """Whether a `video` cell is an absolute path or climbs out of its folder with `..`."""
    path = pathlib.PurePosixPath(video)
    depth = 0
    for part in path.parts:
        depth += -1 if part == ".." else 1
        if depth < 0:
            return True
    return path.is_absolute()


def _find_video(root, video):
    """The file a `video` cell names under `root`, trying the known extensions when it has none."""
    path = root / video
    candidates = [path] if path.suffix else [path.with_suffix(e) for e in video_io.READ_EXTENSIONS]
    return next((p for p in candidates if p.is_file()), None)
