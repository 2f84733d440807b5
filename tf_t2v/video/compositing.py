"""Placing a sprite in a frame at a sub-pixel position, differentiably."""

from keras import ops


def shift_kernels(centres, frame_size, sprite_size, dtype):
    """Bilinear (tent) interpolation matrices that move a sprite's centre to `centres`.

    Args:
        centres: (B, T, 2) tensor. Sprite centre (x, y) per frame, in pixels.
        frame_size: (int, int). Frame (height, width).
        sprite_size: int. Side of the square sprite.
        dtype: dtype of the result.

    Returns:
        (ky, kx): (B, T, H, S) and (B, T, W, S). Frame pixel y takes sprite row i with weight
        ky[..., y, i]; a frame is `ky @ sprite @ kx^T` per channel.
    """
    height, width = frame_size
    offsets = ops.arange(sprite_size, dtype="float32") + 0.5 - sprite_size / 2.0  # (S,)
    centres = ops.cast(centres, "float32")

    def kernel(size, centre):  # centre: (B, T)
        pixels = ops.arange(size, dtype="float32") + 0.5  # (N,)
        d = pixels[None, None, :, None] - centre[:, :, None, None] - offsets[None, None, None, :]
        return ops.cast(ops.relu(1.0 - ops.abs(d)), dtype)  # (B, T, N, S)

    return kernel(height, centres[..., 1]), kernel(width, centres[..., 0])


def composite(sprite, centres, background):
    """Moves an RGBA sprite over a background along per-frame centres.

    Args:
        sprite: (B, S, S, 4) tensor. Premultiplied RGB and alpha in [0, 1].
        centres: (B, T, 2) tensor. Sprite centre per frame, in pixels.
        background: (B, H, W, 3) tensor, or (B, T, H, W, 3) clips to draw over.

    Returns:
        (B, T, H, W, 3) clips: `rgb + (1 - alpha) * background`.
    """
    if len(background.shape) == 4:
        background = background[:, None]  # (B, 1, H, W, 3)
    height, width = background.shape[2], background.shape[3]
    ky, kx = shift_kernels(centres, (height, width), sprite.shape[1], sprite.dtype)
    layer = ops.einsum("btyi,bijc,btxj->btyxc", ky, sprite, kx)  # (B, T, H, W, 4)
    return layer[..., :3] + (1.0 - layer[..., 3:]) * background
