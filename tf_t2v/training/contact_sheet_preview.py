"""`ContactSheetPreview`: a PNG of the model's clips for fixed prompts, every N epochs."""

import os

import keras

from tf_t2v.data.contact_sheet import write_contact_sheet


class ContactSheetPreview(keras.callbacks.Callback):
    """Generates fixed prompts with a fixed seed and writes `<directory>/epoch-<epoch>.png`.

    One row of frames per prompt, the prompt printed underneath (`tf_t2v.data.contact_sheet`);
    the same seed every time, so the sheets of successive epochs show the same noise.

    Args:
        directory: str. Folder of the sheets; any tf.io.gfile path.
        prompts: list of str. At least one prompt.
        every_epochs: int. Epochs between sheets.
        seed: int. Noise seed of the generated clips.
        truncation: float. Passed to `model.generate`.
        min_frame_size: int. Frames smaller than this many pixels are upscaled (nearest neighbour).

    Example:
    ```python
    from tf_t2v.training import ContactSheetPreview

    callback = ContactSheetPreview("runs/demo/previews", ["a red circle moves left", "a blue square moves up"])
    # model.fit(dataset, epochs=2, steps_per_epoch=100, callbacks=[callback])
    # -> runs/demo/previews/epoch-0001.png, epoch-0002.png
    ```
    """

    def __init__(self, directory, prompts, every_epochs=1, seed=0, truncation=1.0, min_frame_size=48):
        super().__init__()
        if not prompts:
            raise ValueError("ContactSheetPreview needs at least one prompt.")
        if int(every_epochs) < 1:
            raise ValueError(f"every_epochs must be an int >= 1; got {every_epochs!r}.")
        self.directory = os.fspath(directory)
        self.prompts = [str(p) for p in prompts]
        self.every_epochs = int(every_epochs)
        self.seed = seed
        self.truncation = truncation
        self.min_frame_size = int(min_frame_size)

    def path(self, epoch):
        """The sheet written after `epoch` epochs (counted from 1)."""
        return os.path.join(self.directory, f"epoch-{epoch:04d}.png")

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_epochs == 0:
            clips = self.model.generate(self.prompts, seed=self.seed, truncation=self.truncation)
            scale = max(1, -(-self.min_frame_size // clips.shape[2]))  # ceil(min / H)
            write_contact_sheet(self.path(epoch + 1), clips, self.prompts, scale=scale)
