"""`VideoTensorBoard`: loss scalars and frame strips of fixed prompts, for TensorBoard."""

import os

import cv2
import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from tf_t2v.io import video_io


def _metadata(plugin, description=""):
    metadata = summary_pb2.SummaryMetadata(summary_description=description)
    metadata.plugin_data.plugin_name = plugin
    return metadata


def write_scalar(name, value, step):
    """A TensorBoard scalar, written with TF core ops only (the tensorboard package is optional)."""
    tf.summary.write(name, tf.constant(float(value), tf.float32), step=step, metadata=_metadata("scalars"))


def write_image(name, image, step, description=""):
    """A TensorBoard image of one (H, W, 3) uint8 array, stored as PNG; TF core ops only."""
    image = np.ascontiguousarray(image, np.uint8)
    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f"OpenCV could not encode the image summary {name!r}.")
    h, w = image.shape[:2]
    tensor = tf.constant([str(w).encode(), str(h).encode(), png.tobytes()])  # the images plugin layout
    tf.summary.write(name, tensor, step=step, metadata=_metadata("images", description))


def frame_strips(clips, min_height=64):
    """(N, T, H, W, 3) uint8 clips -> (N, H', T * W', 3) uint8 images, frames side by side.

    Frames smaller than `min_height` are upscaled by an integer factor (nearest neighbour).
    """
    clips = np.asarray(clips, np.uint8)
    n, t, h, w, c = clips.shape
    clips = video_io.upscale(clips, max(1, -(-min_height // h)))  # ceil(min_height / h)
    _, _, h, w, _ = clips.shape
    return clips.transpose(0, 2, 1, 3, 4).reshape(n, h, t * w, c)


def global_step(epoch, batch, steps_per_epoch):
    """Training steps done at the end of `batch` (0-based) of `epoch` (0-based)."""
    return epoch * steps_per_epoch + batch + 1


class VideoTensorBoard(keras.callbacks.Callback):
    """Writes TensorBoard summaries: step logs as scalars, and clips of fixed prompts as images.

    Summaries are written with TF core ops, so training needs no `tensorboard` package (viewing
    does). Scalars go to `<log_dir>/train`: every `log_every_steps` steps each float in the step logs
    (e.g. `g_loss`, `d_loss`) and, at epoch ends, the epoch logs as `epoch_<name>`. Every
    `video_every_epochs` epochs the model generates `prompts` with a fixed seed and each clip is
    written as one image, its frames side by side (`preview/<i>`, the prompt in the description).
    Steps count from the start of the run, so a resumed run continues the curves.

    Args:
        log_dir: str. TensorBoard folder; any tf.io.gfile path.
        prompts: list of str. Fixed prompts for the video summaries (empty: none).
        log_every_steps: int. Steps between scalar summaries.
        video_every_epochs: int. Epochs between video summaries.
        seed: int. Noise seed of the generated clips.
        truncation: float. Passed to `model.generate`.

    Example:
    ```python
    from tf_t2v.training import VideoTensorBoard

    callback = VideoTensorBoard("runs/demo/tensorboard", ["a red circle moves left"], log_every_steps=10)
    # model.fit(dataset, epochs=2, steps_per_epoch=100, callbacks=[callback])
    ```
    """

    def __init__(self, log_dir, prompts=(), log_every_steps=50, video_every_epochs=1, seed=0, truncation=1.0):
        super().__init__()
        if int(log_every_steps) < 1 or int(video_every_epochs) < 1:
            raise ValueError(
                f"log_every_steps and video_every_epochs must be ints >= 1; got {log_every_steps!r}, "
                f"{video_every_epochs!r}."
            )
        self.log_dir = os.fspath(log_dir)
        self.prompts = [str(p) for p in prompts]
        self.log_every_steps = int(log_every_steps)
        self.video_every_epochs = int(video_every_epochs)
        self.seed = seed
        self.truncation = truncation
        self._writer = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _scalars(self, logs, step, prefix=""):
        with self._writer.as_default(step=step):
            for name, value in (logs or {}).items():
                value = np.asarray(value)
                if value.size == 1 and np.issubdtype(value.dtype, np.number):
                    write_scalar(prefix + name, value.reshape(()), step)

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self._epoch, batch, self.params["steps"])
        if step % self.log_every_steps == 0:
            self._scalars(logs, step)

    def on_epoch_end(self, epoch, logs=None):
        step = (epoch + 1) * self.params["steps"]
        self._scalars(logs, step, prefix="epoch_")
        if self.prompts and (epoch + 1) % self.video_every_epochs == 0:
            self.write_videos(step)
        self._writer.flush()

    def write_videos(self, step):
        clips = self.model.generate(self.prompts, seed=self.seed, truncation=self.truncation)
        strips = frame_strips(clips)  # (N, H, T * W, 3)
        with self._writer.as_default(step=step):
            for i, (prompt, strip) in enumerate(zip(self.prompts, strips)):
                write_image(f"preview/{i}", strip, step, description=prompt)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
