"""`WarmupWriter`: the `assets.extra/tf_serving_warmup_requests` file TF Serving replays on load."""

import os

import numpy as np

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
MAX_WARMUP_RECORDS = 1000  # TF Serving reads at most this many


def _serving_protos():
    try:
        from tensorflow_serving.apis import predict_pb2, prediction_log_pb2
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Writing TF Serving warmup requests needs the tensorflow-serving-api package: "
            "pip install 'tensorflow-serving-api>=2.19,<2.22'."
        ) from e
    return predict_pb2, prediction_log_pb2


class WarmupWriter:
    """Writes PredictRequests as a TFRecord of `PredictionLog`s, the format TF Serving warms up with.

    TF Serving runs every record once when it loads a version, before the version takes traffic,
    so the first real request does not pay for graph optimisation. Each request names its model
    and signature; its inputs are numpy arrays converted with `tf.make_tensor_proto`.

    Args:
        model_name: str. The model name requests carry (the folder name under the serving root).

    Example:
    ```python
    import numpy as np
    from tf_t2v.export import WarmupWriter

    writer = WarmupWriter("moving_shapes")
    writer.add("serving_default", {"prompt": np.array([b"a red circle moves up"]),
                                   "seed": np.array([0], np.int64)})
    writer.write("saved_models/moving_shapes/1")  # assets.extra/tf_serving_warmup_requests
    WarmupWriter.read("saved_models/moving_shapes/1")  # [PredictRequest]
    ```
    """

    def __init__(self, model_name):
        self.model_name = str(model_name)
        self.requests = []

    def add(self, signature_name, inputs):
        """Adds one PredictRequest for `signature_name` with `inputs` {name: array-like}; returns it."""
        import tensorflow as tf

        predict_pb2, _ = _serving_protos()
        if len(self.requests) >= MAX_WARMUP_RECORDS:
            raise ValueError(f"TF Serving replays at most {MAX_WARMUP_RECORDS} warmup records.")
        request = predict_pb2.PredictRequest()
        request.model_spec.name = self.model_name
        request.model_spec.signature_name = signature_name
        for name, value in inputs.items():
            request.inputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(value)))
        self.requests.append(request)
        return request

    def write(self, export_dir):
        """Writes the records to `export_dir/assets.extra/tf_serving_warmup_requests`; returns that path."""
        import tensorflow as tf

        _, prediction_log_pb2 = _serving_protos()
        if not self.requests:
            raise ValueError("No warmup requests to write; add() at least one.")
        path = os.path.join(export_dir, WARMUP_FILE)
        tf.io.gfile.makedirs(os.path.dirname(path))
        with tf.io.TFRecordWriter(path) as writer:
            for request in self.requests:
                log = prediction_log_pb2.PredictionLog(
                    predict_log=prediction_log_pb2.PredictLog(request=request)
                )
                writer.write(log.SerializeToString())
        return path

    @staticmethod
    def read(export_dir):
        """The PredictRequests of a SavedModel's warmup file, in order (as TF Serving replays them)."""
        import tensorflow as tf

        _, prediction_log_pb2 = _serving_protos()
        path = os.path.join(export_dir, WARMUP_FILE)
        if not tf.io.gfile.exists(path):
            raise FileNotFoundError(f"No warmup requests at {path!r}.")
        requests = []
        for record in tf.data.TFRecordDataset(path).as_numpy_iterator():
            log = prediction_log_pb2.PredictionLog.FromString(record)
            if log.WhichOneof("log_type") != "predict_log":
                raise ValueError(f"{path!r} holds a {log.WhichOneof('log_type')} record; expected predict_log.")
            requests.append(log.predict_log.request)
        return requests
