import os

import numpy as np
import tensorflow as tf

from callbacks_helpers import CAPTIONS, RenderingModel, fit, read_events
from tf_t2v.training import VideoTensorBoard
from tf_t2v.training.video_tensor_board import frame_strips


def test_frame_strips_puts_frames_side_by_side_and_upscales():
    clips = np.arange(2 * 3 * 16 * 16 * 3, dtype=np.int64).reshape(2, 3, 16, 16, 3).astype(np.uint8)
    strips = frame_strips(clips, min_height=32)
    assert strips.shape == (2, 32, 3 * 32, 3)
    np.testing.assert_array_equal(strips[1, ::2, 64::2], clips[1, 2])


def test_video_tensor_board_writes_losses_and_preview_images(tmp_path):
    log_dir = str(tmp_path)
    model = RenderingModel()
    callback = VideoTensorBoard(log_dir, CAPTIONS[:2], log_every_steps=2, video_every_epochs=1, seed=7)
    fit(model, [callback], epochs=2, steps_per_epoch=3)
    events = read_events(os.path.join(log_dir, "train"))
    scalars = {(tag, step) for tag, step, plugin, _, _ in events if plugin == "scalars"}
    assert {("loss", 2), ("loss", 4), ("loss", 6), ("epoch_loss", 3), ("epoch_loss", 6)} <= scalars
    images = [(tag, step, value, text) for tag, step, plugin, value, text in events if plugin == "images"]
    assert sorted((tag, step) for tag, step, _, _ in images) == [
        ("preview/0", 3), ("preview/0", 6), ("preview/1", 3), ("preview/1", 6)
    ]
    tag, _, value, description = images[0]
    assert description == CAPTIONS[int(tag[-1])]
    width, height = int(value[0]), int(value[1])
    image = tf.io.decode_png(value[2]).numpy()
    assert image.shape == (height, width, 3) == (64, 4 * 64, 3)  # 4 frames of 16x16, upscaled to 64
    assert model.generate_calls[0] == (CAPTIONS[:2], 7)
