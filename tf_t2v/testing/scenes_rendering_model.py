"""A stand-in for a trained scenes model: it renders what a caption names, as the dataset does."""

import numpy as np

from tfds_builders.scenes import render, spec


class ScenesRenderingModel:
    """Draws a caption's named attributes with the scenes renderer; the rest as real clips have them.

    An unnamed weather, camera or style is its default and an unnamed subject none; an unnamed
    time or place is drawn uniformly from the seed. `override` forces attributes whatever the
    caption says (a model with a systematic error, e.g. {"time": "night"}).

    Args:
        size: int. Frame height = width.
        override: dict attribute -> value name, or None.

    Example:
    ```python
    from tf_t2v.testing.scenes_rendering_model import ScenesRenderingModel
    clips = ScenesRenderingModel().generate(["a beautiful sunset over the ocean"], seed=3)  # (1, 16, 64, 64, 3)
    ```
    """

    def __init__(self, size=64, override=None):
        self.size = size
        self.override = dict(override or {})

    def attributes(self, prompt, rng):
        """(7,) attribute indices for a prompt, in `spec.ATTRIBUTE_COLUMNS` order."""
        named = spec.parse_caption(prompt)
        values = {**spec.DEFAULTS, "heading": "none", **named, **self.override}
        return np.array([
            spec.ATTRIBUTES[a].index(values[a]) if a in values else int(rng.integers(len(spec.ATTRIBUTES[a])))
            for a in spec.ATTRIBUTE_COLUMNS
        ], np.int64)

    def generate(self, prompts, seed=0):
        """uint8 clips (B, 16, size, size, 3); `seed` an int (prompt i gets seed + i) or a list."""
        seeds = list(seed) if isinstance(seed, (list, tuple)) else [int(seed) + i for i in range(len(prompts))]
        clips = []
        for prompt, s in zip(prompts, seeds):
            rng = np.random.default_rng(s)
            attrs = self.attributes(prompt, rng)[None]
            clips.append(render.render_clips(attrs, render.sample_scenes(rng, attrs), self.size)[0])
        return np.stack(clips)
