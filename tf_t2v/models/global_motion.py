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
"""

from keras import ops


def _shifts(max_shift):
    return [(float(dy), float(dx)) for dy in range(-max_shift, max_shift + 1) for dx in range(-max_shift, max_shift + 1)]


def shift_log_probs(clips, max_shift=2, regions=2, temperature=0.02):
    """Log-probabilities (B, T - 1, regions^2, (2 max_shift + 1)^2) of frame-to-frame shifts, float32.

    For each pair of consecutive frames (the channel mean of each) and each of regions x regions
    blocks of the frame's interior (`max_shift` pixels in from every edge), the normalised
    cross-correlation of the block of frame t with frame t + 1 shifted by every (dy, dx) in
    [-max_shift, max_shift]^2 (in the row-major order of (dy, dx)); a log-softmax over the shifts
    at `temperature`. Differentiable everywhere.

    Args:
        clips: (B, T, H, W, C) float tensor.
        max_shift: int >= 1. Largest shift tried, in pixels a frame.
        regions: int >= 1. Blocks per side.
        temperature: float > 0. Of the softmax over shifts (correlations are in [-1, 1]).
    """
    if max_shift < 1 or regions < 1 or not temperature > 0:
        raise ValueError(f"max_shift and regions must be >= 1 and temperature > 0; got {max_shift}, {regions}, "
                         f"{temperature}.")
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
    return ops.log_softmax(ops.stack(correlations, axis=-1) / temperature, axis=-1)


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
