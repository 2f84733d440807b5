"""Motion-compensated frame interpolation with OpenCV's DIS optical flow."""

import cv2
import numpy as np

METHODS = ("flow", "blend")
PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
_SNAP = 1e-6  # times this close to a whole frame are that frame


def playback_times(num_frames, clip_fps, fps, slow_motion=1.0):
    """Source times (in frames) of the frames that play a `num_frames` clip at `fps`.

    Output frame k is on screen at k / fps seconds and shows the clip at k * clip_fps /
    (fps * slow_motion) frames; the output lasts as long as the clip would, times `slow_motion`
    (round(num_frames * fps * slow_motion / clip_fps) frames), and times past the last frame hold it.
    Equal rates and no slow motion give 0, 1, ..., num_frames - 1.

    Example:
        >>> playback_times(4, 8, 24).tolist()[:5]
        [0.0, 0.3333333333333333, 0.6666666666666666, 1.0, 1.3333333333333333]
    """
    if num_frames < 1:
        raise ValueError(f"A clip needs at least one frame; got {num_frames}.")
    if not clip_fps > 0 or not fps > 0 or not np.isfinite(fps):
        raise ValueError(f"Frame rates must be finite numbers > 0; got clip {clip_fps!r}, output {fps!r}.")
    if not slow_motion >= 1 or not np.isfinite(slow_motion):
        raise ValueError(f"The slow-motion factor must be a finite number >= 1; got {slow_motion!r}.")
    count = max(1, int(round(num_frames * fps * slow_motion / clip_fps)))
    times = np.minimum(np.arange(count) * clip_fps / (fps * slow_motion), num_frames - 1.0)
    whole = np.round(times)
    return np.where(np.abs(times - whole) < _SNAP, whole, times)


class FrameInterpolator:
    """In-between frames by motion-compensated interpolation, or by plain blending.

    "flow": DIS optical flow both ways between neighbouring frames; each pixel's motion is
    carried (splatted) to the in-between time, both neighbours are warped there with
    `cv2.remap` and blended with time weights. Occlusion: a pixel whose forward and backward
    flows disagree by more than `occlusion_threshold` pixels has no match in the other frame;
    where the warped sample of one neighbour is such a pixel, the other neighbour's sample is
    dropped (the content is being covered, or uncovered, and only one frame shows it), and
    such pixels carry their motion only where no matched pixel does. Where the two warped
    samples disagree more than the unwarped neighbours (no texture, noise), the result leans
    toward the plain blend, in proportion. "blend": the two
    neighbours mixed by time, the baseline. Whole times return the frames themselves.

    Args:
        method: str. "flow" (default) or "blend".
        preset: str. DIS preset: "ultrafast", "fast" or "medium" (default).
        occlusion_threshold: float. forward-backward flow disagreement, in pixels, above which
            a pixel counts as occluded in the other frame.

    Example:
        >>> import numpy as np
        >>> from tf_t2v.synthesis import FrameInterpolator
        >>> clip = np.random.default_rng(0).integers(0, 256, (16, 64, 64, 3), dtype=np.uint8)
        >>> FrameInterpolator().interpolate(clip, 3).shape
        (46, 64, 64, 3)
    """

    def __init__(self, method="flow", preset="medium", occlusion_threshold=1.0):
        if method not in METHODS:
            raise ValueError(f"Unknown interpolation method {method!r}; accepted: {', '.join(METHODS)}.")
        if preset not in PRESETS:
            raise ValueError(f"Unknown DIS preset {preset!r}; accepted: {', '.join(PRESETS)}.")
        if not occlusion_threshold > 0:
            raise ValueError(f"occlusion_threshold must be > 0 pixels; got {occlusion_threshold!r}.")
        self.method = method
        self.preset = preset
        self.occlusion_threshold = float(occlusion_threshold)
        self._dis = None
        if method == "flow":
            self._dis = cv2.DISOpticalFlow_create(PRESETS[preset])
            self._dis.setFinestScale(0)  # flow at full resolution: clips are small

    def get_config(self):
        return {"method": self.method, "preset": self.preset, "occlusion_threshold": self.occlusion_threshold}

    def interpolate(self, frames, factor):
        """`factor - 1` frames between each pair: (factor * (T - 1) + 1, H, W, 3) uint8."""
        if int(factor) != factor or factor < 1:
            raise ValueError(f"The interpolation factor must be an integer >= 1; got {factor!r}.")
        frames = _check_frames(frames)
        return self.retime(frames, np.arange((len(frames) - 1) * int(factor) + 1) / factor)

    def resample(self, frames, clip_fps, fps, slow_motion=1.0):
        """The clip played at `fps` (and `slow_motion` times slower): see `playback_times`."""
        frames = _check_frames(frames)
        return self.retime(frames, playback_times(len(frames), clip_fps, fps, slow_motion))

    def retime(self, frames, times):
        """Frames at source times `times` (in frames, from 0 to T - 1): (len(times), H, W, 3) uint8."""
        frames = _check_frames(frames)
        times = np.asarray(times, np.float64)
        if times.ndim != 1 or not ((times >= 0) & (times <= len(frames) - 1)).all():
            raise ValueError(f"Times must be a 1-D array of values from 0 to {len(frames) - 1} (the last frame).")
        out = np.empty((len(times),) + frames.shape[1:], np.uint8)
        flows = {}  # pair index -> flows, computed once per pair
        for k, time in enumerate(times):
            i = min(int(np.floor(time)), len(frames) - 2) if len(frames) > 1 else 0
            t = time - i
            if t < _SNAP or len(frames) == 1:
                out[k] = frames[i]
            elif t > 1 - _SNAP:
                out[k] = frames[i + 1]
            else:
                if self.method == "flow" and i not in flows:
                    flows[i] = self._flows(frames[i], frames[i + 1])
                out[k] = self._between(frames[i], frames[i + 1], t, flows.get(i))
        return out

    def between(self, a, b, t):
        """The frame at time t in [0, 1] between frames a (t = 0) and b (t = 1), (H, W, 3) uint8."""
        return self.retime(np.stack([a, b]), [t])[0]

    # ------------------------------------------------------------ flow

    def _flows(self, a, b):
        """(F01, F10, occluded0, occluded1): flows (H, W, 2) and where each frame has no match."""
        ga, gb = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
        f01 = self._dis.calc(ga, gb, None)
        f10 = self._dis.calc(gb, ga, None)
        return f01, f10, self._occluded(f01, f10), self._occluded(f10, f01)

    def _occluded(self, forward, backward):
        """Pixels whose forward flow, followed back, does not return: (H, W) bool."""
        back = _warp(backward, forward)  # backward flow at x + forward(x)
        return np.linalg.norm(forward + back, axis=-1) > self.occlusion_threshold

    def _between(self, a, b, t, flows):
        if self.method == "blend":
            return _round((1.0 - t) * a.astype(np.float32) + t * b.astype(np.float32))
        f01, f10, occluded0, occluded1 = flows
        motion = _motion_at(f01, -f10, occluded0, occluded1, t)  # (H, W, 2): motion 0 -> 1 through p
        warped0 = _warp(a.astype(np.float32), -t * motion)
        warped1 = _warp(b.astype(np.float32), (1.0 - t) * motion)
        # Occlusion: a sample of frame 0 with no match in frame 1 is being covered, so frame 1
        # shows something else there (and the other way round).
        hidden0 = _warp(occluded0.astype(np.float32), -t * motion) > 0.5
        hidden1 = _warp(occluded1.astype(np.float32), (1.0 - t) * motion) > 0.5
        w0 = np.where(hidden1 & ~hidden0, 0.0, 1.0 - t)
        w1 = np.where(hidden0 & ~hidden1, 0.0, t)
        w0, w1 = w0[..., None], w1[..., None]
        flowed = (w0 * warped0 + w1 * warped1) / (w0 + w1)
        # Where the warped neighbours disagree more than the neighbours themselves (the flow is
        # wrong there: no texture, noise, sub-pixel motion), blending is the better guess.
        blended = (1.0 - t) * a.astype(np.float32) + t * b.astype(np.float32)
        both = (hidden0 == hidden1)[..., None]
        misfit = cv2.blur(np.abs(warped0 - warped1).mean(-1), (3, 3))
        still = cv2.blur(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean(-1), (3, 3))
        trust = (still ** 2 / (still ** 2 + misfit ** 2 + 1e-6))[..., None]  # 1: the flow explains the change
        return _round(np.where(both, trust * flowed + (1.0 - trust) * blended, flowed))


def _check_frames(frames):
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3 or 0 in frames.shape:
        raise ValueError(f"Frames must be uint8 with shape (T, H, W, 3), T >= 1; got {frames.dtype} {frames.shape}.")
    return frames


def _round(x):
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def _warp(image, flow):
    """`image` sampled at x + flow(x) (bilinear, edges repeated): backward warping."""
    h, w = flow.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    flow = flow.astype(np.float32)
    return cv2.remap(image, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def _motion_at(f01, f01_from_1, occluded0, occluded1, t):
    """The motion from frame 0 to frame 1 of the content at each pixel p at time t, (H, W, 2).

    Each pixel x of frame 0 moves to x + t·F01(x) at time t, each pixel y of frame 1 comes
    from y - (1 - t)·F01'(y) (F01' = -F10); their motions are splatted there bilinearly,
    matched pixels with full weight and unmatched ones faintly, so they count only where no
    matched pixel lands. Pixels nothing lands on take the flow of frame 0 at p.
    """
    h, w = f01.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    total = np.zeros((h * w, 2), np.float64)
    weight = np.zeros(h * w, np.float64)
    for flow, occluded, step in ((f01, occluded0, t), (f01_from_1, occluded1, -(1.0 - t))):
        x, y = gx + step * flow[..., 0], gy + step * flow[..., 1]
        confidence = np.where(occluded, 1e-3, 1.0).ravel()
        x0, y0 = np.floor(x).ravel(), np.floor(y).ravel()
        fx, fy = x.ravel() - x0, y.ravel() - y0
        for dx, dy, corner in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                               (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            cx, cy = (x0 + dx).astype(np.int64), (y0 + dy).astype(np.int64)
            inside = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
            index = (cy * w + cx)[inside]
            wgt = (corner * confidence)[inside]
            weight += np.bincount(index, wgt, h * w)
            for c in range(2):
                total[:, c] += np.bincount(index, wgt * flow[..., c].ravel()[inside], h * w)
    landed = weight > 1e-8
    motion = f01.reshape(-1, 2).astype(np.float64).copy()
    motion[landed] = total[landed] / weight[landed, None]
    return motion.reshape(h, w, 2).astype(np.float32)
