"""Joining clips with transitions: cut, crossfade, fade through black, wipe and slide."""

import numpy as np

TRANSITIONS = ("cut", "crossfade", "fade_black", "wipe", "slide")


def join_clips(clips, transition="crossfade", frames=0):
    """Joins clips (each (T, H, W, 3) uint8) into one, with `transition` between neighbours.

    "cut": plain concatenation (`frames` must be 0). "crossfade", "wipe" (the next clip
    uncovered from the left edge) and "slide" (the next clip pushing the last one out to the
    left) overlap neighbours by `frames` frames: `sum(T) - (len(clips) - 1) * frames` frames,
    the next clip at 1/(frames+1), ..., frames/(frames+1) of the way in. "fade_black": the
    last `frames` frames of a clip fade to black and the next clip's first `frames` fade up
    from it; `sum(T)` frames. The first frame of the first clip and the last of the last are
    kept as they are.

    Args:
        clips: list of np.ndarray. uint8 (T, H, W, 3), one size.
        transition: str. one of `TRANSITIONS`.
        frames: int. frames each transition lasts, from 0 to half the shortest clip.

    Example:
        >>> import numpy as np
        >>> from tf_t2v.synthesis.transitions import join_clips
        >>> a, b = np.zeros((4, 2, 2, 3), np.uint8), np.full((4, 2, 2, 3), 90, np.uint8)
        >>> join_clips([a, b], "crossfade", 2)[:, 0, 0, 0].tolist()
        [0, 0, 30, 60, 90, 90]
    """
    if transition not in TRANSITIONS:
        raise ValueError(f"Unknown transition {transition!r}; accepted: {', '.join(TRANSITIONS)}.")
    clips = [np.asarray(c, np.uint8) for c in clips]
    if not clips:
        raise ValueError("Joining clips needs at least one clip.")
    if len({c.shape[1:] for c in clips}) > 1:
        raise ValueError(f"Clips to join must share one frame size; got {sorted({c.shape[1:] for c in clips})}.")
    shortest = min(len(c) for c in clips)
    if int(frames) != frames or frames < 0 or (len(clips) > 1 and 2 * frames > shortest):
        raise ValueError(
            f"A transition must last from 0 to {shortest // 2} frames (half the shortest clip); got {frames}."
        )
    frames = int(frames)
    if transition == "cut" and frames:
        raise ValueError(f"A cut has no duration; got {frames} transition frames (give 0, or another transition).")
    if not frames or len(clips) == 1:
        return np.concatenate(clips)
    progress = np.arange(1, frames + 1, dtype=np.float32) / (frames + 1)  # (F,) how far into the next clip
    out = [clips[0]]
    for clip in clips[1:]:
        tail, head = out[-1][-frames:], clip[:frames]
        if transition == "fade_black":
            out[-1] = np.concatenate([out[-1][:-frames], _scaled(tail, progress[::-1])])
            out.append(_scaled(head, progress))
            out.append(clip[frames:])
            continue
        out[-1] = out[-1][:-frames]
        out.append(_overlap(tail, head, progress, transition))
        out.append(clip[frames:])
    return np.concatenate(out)


def _scaled(frames, weights):
    return np.round(frames.astype(np.float32) * weights[:, None, None, None]).astype(np.uint8)


def _overlap(tail, head, progress, transition):
    """The overlapping frames of one transition: (F, H, W, 3) uint8."""
    if transition == "crossfade":
        w = progress[:, None, None, None]
        return np.round((1.0 - w) * tail.astype(np.float32) + w * head.astype(np.float32)).astype(np.uint8)
    width = tail.shape[2]
    out = np.empty_like(tail)
    for k, p in enumerate(progress):
        edge = int(round(p * width))  # columns of the next clip on screen
        if transition == "wipe":
            out[k, :, :edge], out[k, :, edge:] = head[k, :, :edge], tail[k, :, edge:]
        else:  # slide: the last clip moves out to the left, the next follows it in
            out[k, :, :width - edge], out[k, :, width - edge:] = tail[k, :, edge:], head[k, :, :edge]
    return out
