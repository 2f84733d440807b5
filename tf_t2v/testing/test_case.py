"""Shared test helpers: every layer test calls these."""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.testing.saved_model_ops import ops_not_servable, saved_model_op_types


class TestCase(tf.test.TestCase):
    """`tf.test.TestCase` with the checks every tf_t2v layer and model must pass."""

    def setUp(self):
        super().setUp()
        keras.config.set_floatx("float32")
        keras.mixed_precision.set_global_policy("float32")
        keras.utils.set_random_seed(1337)

    def tearDown(self):
        keras.mixed_precision.set_global_policy("float32")
        keras.backend.clear_session()
        super().tearDown()

    def assertAllTensorsClose(self, actual, expected, atol=1e-6, rtol=1e-6):
        tf.nest.map_structure(
            lambda a, e: self.assertAllClose(
                keras.ops.convert_to_numpy(a),
                keras.ops.convert_to_numpy(e),
                atol=atol,
                rtol=rtol,
            ),
            actual,
            expected,
        )

    def run_serialization_test(self, instance):
        """`get_config` -> `from_config` gives an equal config, and configs are plain JSON."""
        config = instance.get_config()
        serialized = keras.saving.serialize_keras_object(instance)
        revived = keras.saving.deserialize_keras_object(serialized)
        self.assertEqual(type(revived), type(instance))
        self.assertEqual(revived.get_config(), config)
        # Plain JSON only: no numpy or tensor values hide in a config.
        import json

        json.dumps(config)
        return revived

    def run_keras_saving_test(self, model, inputs, call=None, atol=1e-6):
        """Save to `.keras`, reload with safe_mode on, and get the same outputs."""
        call = call or (lambda m, x: m(x, training=False))
        expected = call(model, inputs)
        path = os.path.join(tempfile.mkdtemp(), "model.keras")
        model.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
        actual = call(restored, inputs)
        self.assertAllTensorsClose(actual, expected, atol=atol, rtol=atol)
        return restored

    def run_mixed_precision_test(self, cls, init_kwargs, inputs, expected_output_dtype=None):
        """Under `mixed_bfloat16`, variables stay float32 and compute runs in bfloat16.

        `inputs` is one input, or a tuple of positional inputs.
        """
        layer = cls(**init_kwargs, dtype="mixed_bfloat16")
        outputs = layer(*inputs) if isinstance(inputs, tuple) else layer(inputs)
        for v in layer.weights:
            if v.dtype in ("float16", "bfloat16", "float32", "float64"):
                self.assertEqual(v.dtype, "float32")
        if expected_output_dtype is not None:
            for out in tf.nest.flatten(outputs):
                self.assertEqual(keras.backend.standardize_dtype(out.dtype), expected_output_dtype)
        for out in tf.nest.flatten(outputs):
            if keras.backend.is_float_dtype(out.dtype):
                self.assertTrue(np.all(np.isfinite(keras.ops.convert_to_numpy(out).astype("float32"))))
        return outputs

    def assertSavedModelServable(self, export_dir, min_serving_version="2.10"):
        """Every op of the SavedModel is a TF core op or a TF Text op that stock TF Serving carries.

        Returns the sorted op types, so a test can check more (e.g. which TF Text ops appear).
        """
        op_types = saved_model_op_types(export_dir)
        self.assertEqual(
            ops_not_servable(op_types, min_serving_version),
            [],
            f"Ops a stock TF Serving {min_serving_version} may lack (all ops: {op_types})",
        )
        return op_types
