"""Where the content of a clip moves from frame to frame, whatever the content.

`shift_log_probs` gives, per pair of consecutive frames and region, a distribution over shifts;
`motion_vectors` its expectation; `motion_divergence` compares two clips' distributions.

A per-pixel loss only rewards motion that lands on the right pixels, so a decoder that does not
yet know where the clouds or buildings are learns nothing from a pan (the blurred average of a
moving texture does not move). The expected shift between consecutive frames, per region of the
frame, says how the content moves without saying what it is (a pan shifts every region the
same way, a zoom shifts them apart or together): matching it between decoded and real clips is
meant to teach camera moves before the decoder knows the textures. On scenes it did not yet
(docs/general-model.md, "A camera for the decoder"). `TextToVideoVAE`'s
`motion_match_weight` uses `motion_divergence`: matching expected shifts alone is gamed by a
decoder that makes blocks flat (a flat block has no preferred shift, so its expected shift is
0, the commonest real value), while a flat block's uniform distribution is far from the peaked
distribution of a real textured clip.

`camera_path` reads the camera itself from a clip (block matching between consecutive
frames, robust medians over the blocks): the path a `tf_t2v.video.CameraWarp`
follows, so `TextToVideoVAE(camera_weight=...)` can teach the words their camera moves from the
footage's own motion, with no label.
"""

import numpy as np
import tensorflow as tf
from keras import ops

# Correlation of a block's best match above which it counts toward the camera (weighted by the
# square of the excess).
CONFIDENT_MATCH = 0.5


def _shifts(max_shift):
    return [(float(dy), float(dx)) for dy in range(-max_shift, max_shift + 1) for dx in range(-max_shift, max_shift + 1)]


def shift_correlations(clips, max_shift=2, regions=2):
    """Normalised cross-correlations (B, T - 1, regions^2, (2 max_shift + 1)^2), float32, in [-1, 1].

    For each pair of consecutive frames (the channel mean of each) and each of regions x regions
    blocks of the frame's interior (`max_shift` pixels in from every edge, in row-major order),
    the correlation of the block of frame t with frame t + 1 shifted by every (dy, dx) in
    [-max_shift, max_shift]^2 (in the row-major order of (dy, dx)). Differentiable everywhere.

    Args:
        clips: (B, T, H, W, C) float tensor.
        max_shift: int >= 1. Largest shift tried, in pixels a frame.
        regions: int >= 1. Blocks per side.
    """
    if max_shift < 1 or regions < 1:
        raise ValueError(f"max_shift and regions must be >= 1; got {max_shift}, {regions}.")
    grey = ops.mean(ops.cast(clips, "float32"), axis=-1)  # (B, T, H, W)
    height, width = grey.shape[2], grey.shape[3]
    m = max_shift
    inner_h, inner_w = (height - 2 * m) // regions * regions, (width - 2 * m) // regions * regions
    if inner_h < regions or inner_w < regions:
        raise ValueError(f"Frames of {height}x{width} are too small for max_shift {max_shift} and {regions} regions.")

    def blocks(frames):  # (B, T', inner_h, inner_w) -> (B, T', R^2, pixels), each block centred and scaled
        b, t = ops.shape(frames)[0], frames.shape[1]
        x = ops.reshape(frames, (b, t, regions, inner_h // regions, regions, inner_w // regions))
        x = ops.reshape(ops.transpose(x, (0, 1, 2, 4, 3, 5)), (b, t, regions * regions, -1))
        x = x - ops.mean(x, axis=-1, keepdims=True)
        return x / ops.sqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + 1e-6)

    first = blocks(grey[:, :-1, m:m + inner_h, m:m + inner_w])
    correlations = []
    for dy, dx in _shifts(m):
        dy, dx = int(dy), int(dx)
        second = blocks(grey[:, 1:, m + dy:m + dy + inner_h, m + dx:m + dx + inner_w])
        correlations.append(ops.mean(first * second, axis=-1))  # (B, T - 1, R^2)
    return ops.stack(correlations, axis=-1)


def shift_log_probs(clips, max_shift=2, regions=2, temperature=0.02):
    """Log-probabilities (B, T - 1, regions^2, (2 max_shift + 1)^2) of frame-to-frame shifts, float32:
    a log-softmax at `temperature` over `shift_correlations` (same arguments). Differentiable
    everywhere.

    Args:
        clips: (B, T, H, W, C) float tensor.
        max_shift: int >= 1. Largest shift tried, in pixels a frame.
        regions: int >= 1. Blocks per side.
        temperature: float > 0. Of the softmax over shifts (correlations are in [-1, 1]).
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature}.")
    return ops.log_softmax(shift_correlations(clips, max_shift, regions) / temperature, axis=-1)


def motion_vectors(clips, max_shift=2, regions=2, temperature=0.02):
    """Expected frame-to-frame shift (B, T - 1, regions^2, 2) in pixels (dy, dx), float32: the
    mean of `shift_log_probs`' distribution (same arguments). Content moving right gives dx > 0."""
    probs = ops.exp(shift_log_probs(clips, max_shift, regions, temperature))
    return ops.einsum("btrs,sk->btrk", probs, ops.convert_to_tensor(_shifts(max_shift), "float32"))


def motion_divergence(real, fake, max_shift=2, regions=2, temperature=0.02):
    """KL(real || fake) of their shift distributions (`shift_log_probs`), in nats, (B,): the mean
    over frame pairs and regions. 0 when the decoded clip moves as the real one does; no
    gradient flows into `real`."""
    target = ops.stop_gradient(shift_log_probs(real, max_shift, regions, temperature))
    log_q = shift_log_probs(fake, max_shift, regions, temperature)
    return ops.mean(ops.sum(ops.exp(target) * (target - log_q), axis=-1), axis=(1, 2))


def _weighted_median(x, weights):
    """The weighted median over the last axis of x (..., N) with weights >= 0 (..., N): the
    smallest value whose share of the weight from below reaches one half. Equal weights give
    the plain median (of an odd count)."""
    order = tf.argsort(x, axis=-1)
    values = tf.gather(x, order, batch_dims=len(x.shape) - 1)
    cumulative = tf.cumsum(tf.gather(weights, order, batch_dims=len(x.shape) - 1), axis=-1)
    index = tf.argmax(tf.cast(cumulative >= 0.5 * cumulative[..., -1:], tf.int32), axis=-1, output_type=tf.int32)
    return tf.gather(values, index[..., None], batch_dims=len(x.shape) - 1)[..., 0]


def _opened(grey, size):
    """Grey-level opening (min then max over size x size) of frames (B, T, H, W): removes bright
    specks smaller than the window (rain streaks, snowflakes, stars), which move on their own and
    would otherwise be read as the camera."""
    if size <= 1:
        return grey
    t, h, w = grey.shape[1], grey.shape[2], grey.shape[3]
    x = tf.reshape(grey, (-1, h, w, 1))
    x = tf.nn.max_pool2d(-tf.nn.max_pool2d(-x, size, 1, "SAME"), size, 1, "SAME")
    return tf.reshape(x, (-1, t, h, w))


def block_shifts(grey, max_shift, regions=3):
    """Frame-to-frame shifts of blocks, by block matching.

    Args:
        grey: (B, T, H, W) float32 frames.
        max_shift: int. Largest shift looked for, in pixels a frame (faster motion is not read).
        regions: int. Blocks per side of the frame's interior.

    Returns:
        shifts (B, T - 1, regions^2, 2) float32, (dy, dx) in pixels, how the content of each
        block moves from frame t to t + 1 (content moving right gives dx > 0): the best of the
        normalised cross-correlations at whole pixels (`shift_correlations`), refined by a
        parabola through it and its neighbours (the correlation of a smooth image is close to a
        parabola near its peak; a phase correlation with a window was biased toward no motion
        for the smooth textures of footage), the correlation at the peak (B, T - 1, regions^2)
        (how sure: a flat block under film grain matches nothing well), and the blocks' centres
        (regions^2, 2), (y, x) in pixels from the frame's centre.
    """
    height, width = grey.shape[2], grey.shape[3]
    m = max_shift
    correlations = shift_correlations(grey[..., None], m + 1, regions)  # one more pixel around for the parabola
    size = 2 * m + 3
    grid = tf.reshape(correlations, tf.concat([tf.shape(correlations)[:-1], [size, size]], 0))
    inner = np.full((size, size), -np.inf, np.float32)
    inner[1:-1, 1:-1] = 0.0
    peak = tf.argmax(tf.reshape(grid + inner, tf.shape(correlations)), axis=-1, output_type=tf.int32)
    py, px = peak // size, peak % size

    def value(yy, xx):
        return tf.gather_nd(grid, tf.stack([yy, xx], axis=-1), batch_dims=len(grid.shape) - 2)

    def refine(before, centre, after):
        curve = before - 2.0 * centre + after
        safe = tf.where(curve < -1e-6, curve, -1.0)
        return tf.clip_by_value(tf.where(curve < -1e-6, 0.5 * (before - after) / safe, 0.0), -0.5, 0.5)

    centre = value(py, px)
    oy = refine(value(py - 1, px), centre, value(py + 1, px))
    ox = refine(value(py, px - 1), centre, value(py, px + 1))
    shifts = tf.stack([tf.cast(py - m - 1, tf.float32) + oy, tf.cast(px - m - 1, tf.float32) + ox], axis=-1)
    pad = m + 1
    inner_h, inner_w = (height - 2 * pad) // regions, (width - 2 * pad) // regions
    centres = [(pad + (i + 0.5) * inner_h - height / 2, pad + (j + 0.5) * inner_w - width / 2)
               for i in range(regions) for j in range(regions)]
    return shifts, centre, np.asarray(centres, np.float32)


def camera_path(clips, max_shift=None, opening=None):
    """The camera of each clip, read from how its content moves: (log zoom, dx, dy), (B, T)
    float32 each, in `tf_t2v.video.CameraWarp`'s terms with the middle of the clip as the
    reference (the warp of frame t samples the middle frame at X = 0.5 + (u - 0.5) exp(log zoom)
    + dx, and alike for Y). No gradient; static shapes (slices, sorts, gathers).

    Per pair of consecutive frames (channel means, opened to drop small specks), 3 x 3 blocks
    are matched (`block_shifts`); the median of their shifts, weighted by how well each block
    matched, is the pan, the weighted median of their spread from it over their distance from
    the centre the zoom. Things that move on their own (a bird, rain) are outvoted by the
    blocks that move with the camera. A texture filmed along a known path (dx +-0.05, log zoom
    +-0.075 over the clip) reads within 0.012 in dx and 0.018 in log zoom per frame (tests).
    On real scenes_64 validation clips (500; the change of each parameter from first to last
    frame; `benchmarks/camera_path.py`): pans -0.242 / +0.265 of
    the frame (the spec's 0.3), zooms -0.111 / +0.106 in log zoom (the spec's 0.357: the sky's
    smooth gradient and the waves pull toward no zoom), static clips +0.016 +- 0.096 in dx
    (ocean waves move on their own). Weaker than the truth, but each move apart from the
    others, which is what teaching the words needs.

    Args:
        clips: (B, T, H, W, C) float tensor, T >= 2, H and W >= 8.
        max_shift: int. Largest motion read, in pixels a frame (default: 2 at 64 px, in
            proportion at other sizes, at least 1).
        opening: int. Side of the grey-level opening applied first (1: none; default: 3 for
            frames of 48 px or more, else none, since at small sizes it wipes the texture out).
    """
    grey = tf.reduce_mean(tf.cast(tf.stop_gradient(clips), tf.float32), axis=-1)
    frames, height, width = grey.shape[1], grey.shape[2], grey.shape[3]
    if frames < 2 or min(height, width) < 8:
        raise ValueError(f"camera_path needs clips of at least 2 frames of 8x8; got {frames} of {height}x{width}.")
    if max_shift is None:
        max_shift = max(1, round(2 * min(height, width) / 64))
    if opening is None:
        opening = 3 if min(height, width) >= 48 else 1
    shifts, peak, centres = block_shifts(_opened(grey, opening), int(max_shift))
    # Blocks that match well decide; equal weights where none does (a flat clip reads as still).
    weight = tf.square(tf.maximum(peak - CONFIDENT_MATCH, 0.0)) + 1e-6
    ty, tx = _weighted_median(shifts[..., 0], weight), _weighted_median(shifts[..., 1], weight)  # (B, T - 1)
    off_x, off_y = np.abs(centres[:, 1]) > 1e-3, np.abs(centres[:, 0]) > 1e-3
    spread_x = (tf.boolean_mask(shifts[..., 1], off_x, axis=2) - tx[..., None]) / centres[off_x, 1]
    spread_y = (tf.boolean_mask(shifts[..., 0], off_y, axis=2) - ty[..., None]) / centres[off_y, 0]
    spread_weight = tf.concat([tf.boolean_mask(weight, off_x, axis=2), tf.boolean_mask(weight, off_y, axis=2)], -1)
    expansion = tf.maximum(_weighted_median(tf.concat([spread_x, spread_y], axis=-1), spread_weight), -0.5)
    # Frame t + 1 sees what frame t saw, moved by (tx, ty) and grown by 1 + e: integrate.
    log_zoom = [tf.zeros_like(tx[:, 0])]
    dx, dy = [log_zoom[0]], [log_zoom[0]]
    for t in range(frames - 1):
        log_zoom.append(log_zoom[-1] - tf.math.log1p(expansion[:, t]))
        zoom = tf.exp(log_zoom[-1])
        dx.append(dx[-1] - zoom * tx[:, t] / width)
        dy.append(dy[-1] - zoom * ty[:, t] / height)
    log_zoom, dx, dy = (tf.stack(v, axis=1) for v in (log_zoom, dx, dy))

    def middle(v):
        return 0.5 * (v[:, (frames - 1) // 2] + v[:, frames // 2])[:, None]

    zoom = tf.exp(middle(log_zoom))
    return log_zoom - middle(log_zoom), (dx - middle(dx)) / zoom, (dy - middle(dy)) / zoom
