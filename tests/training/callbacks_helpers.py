"""Small models and readers shared by the callback tests."""

import glob
import os

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.eval import parse_caption
from tfds_builders.moving_shapes import render
from tfds_builders.moving_shapes import spec

CAPTIONS = [
    "a large red circle moves slowly to the right",
    "a small blue square moves quickly up",
    "a large green triangle moves slowly down and to the left",
    "a large yellow diamond moves quickly to the left",
]


@keras.saving.register_keras_serializable(package="tf_t2v_tests")
class RenderingModel(keras.Model):
    """A Dense regressor whose `generate` renders the caption exactly (or a blank clip)."""

    def __init__(self, height=16, num_frames=4, blank=False, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.height, self.num_frames, self.blank = height, num_frames, blank
        self.generate_calls = []

    def call(self, x):
        return self.dense(x)

    def generate(self, prompts, seed=None, truncation=1.0):
        self.generate_calls.append((list(prompts), seed))
        if self.blank:
            return np.zeros((len(prompts), self.num_frames, self.height, self.height, 3), np.uint8)
        labels = [parse_caption(p) for p in prompts]
        attrs = np.array([[label[a] for a in spec.ATTRIBUTE_COLUMNS] for label in labels])
        starts = np.full((len(prompts), 2), self.height / 2, np.float32)
        return render.render_clips(attrs, starts, self.height, num_frames=self.num_frames)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "num_frames": self.num_frames,
                "blank": self.blank}


def fit(model, callbacks, epochs=2, steps_per_epoch=3, initial_epoch=0):
    model.compile("sgd", "mse")
    x, y = np.zeros((steps_per_epoch, 2), np.float32), np.zeros((steps_per_epoch, 1), np.float32)
    return model.fit(x, y, batch_size=1, epochs=epochs, initial_epoch=initial_epoch, verbose=0,
                     callbacks=callbacks)


def read_events(folder):
    """[(tag, step, plugin, value)] of every summary in the event files of `folder`."""
    events = []
    for path in sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*"))):
        for record in tf.data.TFRecordDataset(path):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                tensor = tf.make_ndarray(value.tensor)
                events.append((value.tag, event.step, value.metadata.plugin_data.plugin_name, tensor,
                               value.metadata.summary_description))
    return events
