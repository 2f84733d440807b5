"""A stand-in for a trained moving_digits model: it renders what a caption says, as the dataset does."""

import numpy as np

from tfds_builders.moving_digits import render, spec


class DigitsRenderingModel:
    """Draws a caption's digit moving along its axis with the moving_digits renderer.

    The handwriting (one of the test images of the digit) and the motion come from the seed.
    `override` forces "digit" or "axis" (index) whatever the caption says, e.g. {"axis": 0} for a
    model that only ever moves digits horizontally; `still` draws the digit without moving it.

    Args:
        override: dict "digit"/"axis" -> index, or None.
        still: bool. Keep the digit at its first position.

    Example:
    ```python
    from tf_t2v.testing.digits_rendering_model import DigitsRenderingModel
    clips = DigitsRenderingModel().generate(["the digit 3 is moving up and down"], seed=3)  # (1, 16, 64, 64, 3)
    ```
    """

    def __init__(self, override=None, still=False):
        self.override = dict(override or {})
        self.still = bool(still)

    def generate(self, prompts, seed=0):
        """uint8 clips (B, 16, 64, 64, 3); `seed` an int (prompt i gets seed + i) or a list."""
        seeds = list(seed) if isinstance(seed, (list, tuple)) else [int(seed) + i for i in range(len(prompts))]
        images, _ = render.digit_images()
        clips = []
        for prompt, s in zip(prompts, seeds):
            rng = np.random.default_rng(s)
            clause = (spec.parse_caption(prompt) or [{"digit": 0, "axis": None}])[0]
            digit = self.override.get("digit", clause["digit"])
            axis = self.override.get("axis", spec.AXES.index(clause["axis"] or "horizontal"))
            source = render.sample_sources(rng, [[digit]], "test")[0]
            track = render.tracks(np.array([[axis]]), render.sample_motion(rng, (1, 1)))[0]
            if self.still:
                track = np.repeat(track[:, :1], track.shape[1], axis=1)
            clips.append(render.render_clip(images[source], track))
        return np.stack(clips)
