"""`ServingClient`: requests to a TF Serving text-to-video model, and its answers as uint8 clips."""

import base64
import json
import urllib.error
import urllib.request

import numpy as np

from tf_t2v.export.serving_endpoints import (
    EMBEDDING,
    ENCODE_TEXT,
    GENERATE_FROM_EMBEDDING,
    PROMPT,
    SEED,
    SERVING_DEFAULT,
    TRUNCATION,
    VIDEO,
)
from tf_t2v.export.text_to_video_sampler import as_prompt_bytes, seeds_for

PROTOCOLS = ("grpc", "rest")
_OUTPUT_DTYPES = {VIDEO: np.uint8, EMBEDDING: np.float32}
# Clips are large: a batch of 64 clips of 16 x 64 x 64 is 12 MiB, above gRPC's default 4 MiB.
_MAX_MESSAGE_BYTES = 1 << 30


def _json_string(value):
    """A prompt as TF Serving's REST API takes it: text as is, other bytes as {"b64": ...}."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(value).decode("ascii")}


def _decode_output(value, name):
    dtype = _OUTPUT_DTYPES.get(name)
    array = np.asarray(value)
    if dtype is np.uint8 and (array.size and (array.min() < 0 or array.max() > 255)):
        raise ValueError(f"Output {name!r} holds values outside [0, 255]; not a video.")
    return array.astype(dtype) if dtype is not None else array


class ServingClient:
    """Builds TF Serving requests for a `tf-t2v export`ed model and decodes the answers.

    Payloads are plain data, so they can be sent by any HTTP or gRPC client: `rest_body(...)`
    gives the JSON body for `POST rest_url()` (columnar "inputs" format, which the scalar
    `truncation` needs); `predict_request(...)` gives a `tensorflow_serving.apis.PredictRequest`
    for `PredictionService/Predict`. `decode_rest` and `decode_predict_response` turn answers into
    numpy arrays: video as uint8 (B, T, H, W, 3), embeddings as float32 (B, D). `generate`,
    `encode_text` and `generate_from_embedding` send requests themselves (urllib for REST, grpcio
    for gRPC) and give the same arrays as `tf_t2v.load(path)` does for the same seeds.

    Args:
        model_name: str. The model's name on the server (its folder under the serving root).
        host: str. Server host.
        rest_port: int. TF Serving's REST port (8501 by default).
        grpc_port: int. TF Serving's gRPC port (8500 by default).
        version: int or None. A model version to ask for; None asks for the highest served.
        timeout: float. Seconds to wait for an answer.

    Example:
    ```python
    from tf_t2v.export import ServingClient

    client = ServingClient("moving_shapes", host="localhost")
    clips = client.generate(["a small red circle moves slowly to the left"], seed=7)  # gRPC
    clips = client.generate(["a small red circle moves slowly to the left"], seed=7, protocol="rest")
    body = client.rest_body("serving_default", {"prompt": ["a red circle"], "seed": [7]})
    # {"signature_name": "serving_default", "inputs": {"prompt": ["a red circle"], "seed": [7]}}
    ```
    """

    def __init__(self, model_name="moving_shapes", host="localhost", rest_port=8501, grpc_port=8500,
                 version=None, timeout=60.0):
        self.model_name = str(model_name)
        self.host = host
        self.rest_port = int(rest_port)
        self.grpc_port = int(grpc_port)
        self.version = None if version is None else int(version)
        self.timeout = float(timeout)

    # === Inputs ===
    @staticmethod
    def inputs(signature_name, prompts=None, seed=None, embedding=None, truncation=1.0):
        """{input name: numpy array} for a signature: prompts as bytes, seeds int64 (as `generate`)."""
        if signature_name == SERVING_DEFAULT:
            prompts = as_prompt_bytes(prompts)
            return {PROMPT: np.array(prompts, object), SEED: seeds_for(seed, len(prompts))}
        if signature_name == ENCODE_TEXT:
            return {PROMPT: np.array(as_prompt_bytes(prompts), object)}
        if signature_name == GENERATE_FROM_EMBEDDING:
            embedding = np.asarray(embedding, np.float32)
            if embedding.ndim != 2:
                raise ValueError(f"embedding must have shape (B, D); got {embedding.shape}.")
            return {
                EMBEDDING: embedding,
                SEED: seeds_for(seed, len(embedding)),
                TRUNCATION: np.float32(truncation),
            }
        raise ValueError(
            f"Unknown signature {signature_name!r}; accepted: "
            f"{SERVING_DEFAULT}, {ENCODE_TEXT}, {GENERATE_FROM_EMBEDDING}."
        )

    # === REST ===
    def rest_url(self):
        version = f"/versions/{self.version}" if self.version is not None else ""
        return f"http://{self.host}:{self.rest_port}/v1/models/{self.model_name}{version}:predict"

    @staticmethod
    def rest_body(signature_name, inputs):
        """The JSON-ready body of a REST predict request (columnar format) for {name: array-like}."""
        columns = {}
        for name, value in inputs.items():
            array = np.asarray(value)
            if array.dtype.kind in "OSU":
                strings = np.empty(array.shape, object)
                for index, v in np.ndenumerate(array):
                    strings[index] = _json_string(v.encode("utf-8") if isinstance(v, str) else bytes(v))
                columns[name] = strings.tolist()
            elif array.dtype.kind == "f":
                # float32 values as float64 text round-trip exactly to the same float32.
                columns[name] = array.astype(np.float32).astype(np.float64).tolist()
            else:
                columns[name] = array.tolist()
        return {"signature_name": signature_name, "inputs": columns}

    @staticmethod
    def decode_rest(response, output=VIDEO):
        """The `output` tensor of a REST predict answer (a dict or JSON text) as a numpy array."""
        if isinstance(response, (str, bytes)):
            response = json.loads(response)
        if "error" in response:
            raise ValueError(f"The model server answered: {response['error']}")
        if "outputs" in response:  # columnar answer: one output maps to its value directly
            outputs = response["outputs"]
            value = outputs[output] if isinstance(outputs, dict) else outputs
        elif "predictions" in response:  # row answer: a list of instances
            rows = response["predictions"]
            value = [row[output] for row in rows] if rows and isinstance(rows[0], dict) else rows
        else:
            raise ValueError(f"Not a TF Serving predict answer: keys {sorted(response)}.")
        return _decode_output(value, output)

    def _post_rest(self, body):
        data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.rest_url(), data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                message = json.loads(text).get("error", text)
            except ValueError:
                message = text
            raise ValueError(f"The model server answered HTTP {e.code}: {message}") from e
        except (urllib.error.URLError, ConnectionError) as e:  # refused, unreachable: as gRPC says it
            reason = getattr(e, "reason", e)
            raise ValueError(
                f"The model server answered UNAVAILABLE: cannot connect to {self.rest_url()} ({reason})."
            ) from e

    # === gRPC ===
    def predict_request(self, signature_name, inputs):
        """A `tensorflow_serving.apis.predict_pb2.PredictRequest` for {name: array-like}."""
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2

        request = predict_pb2.PredictRequest()
        request.model_spec.name = self.model_name
        request.model_spec.signature_name = signature_name
        if self.version is not None:
            request.model_spec.version.value = self.version
        for name, value in inputs.items():
            request.inputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(value)))
        return request

    @staticmethod
    def decode_predict_response(response, output=VIDEO):
        """The `output` tensor of a gRPC `PredictResponse` as a numpy array."""
        import tensorflow as tf

        if output not in response.outputs:
            raise ValueError(f"The answer has no output {output!r}; it has {sorted(response.outputs)}.")
        return _decode_output(tf.make_ndarray(response.outputs[output]), output)

    def _predict_grpc(self, request):
        import grpc
        from tensorflow_serving.apis import prediction_service_pb2_grpc

        options = [("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
                   ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES)]
        with grpc.insecure_channel(f"{self.host}:{self.grpc_port}", options=options) as channel:
            stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            try:
                return stub.Predict(request, timeout=self.timeout)
            except grpc.RpcError as e:
                raise ValueError(f"The model server answered {e.code().name}: {e.details()}") from e

    # === Requests ===
    def predict(self, signature_name, inputs, output, protocol="grpc"):
        """Sends one request and returns its `output` as a numpy array."""
        if protocol == "grpc":
            response = self._predict_grpc(self.predict_request(signature_name, inputs))
            return self.decode_predict_response(response, output)
        if protocol == "rest":
            return self.decode_rest(self._post_rest(self.rest_body(signature_name, inputs)), output)
        raise ValueError(f"protocol must be one of {PROTOCOLS}; got {protocol!r}.")

    def generate(self, prompts, seed=None, protocol="grpc"):
        """uint8 clips (B, T, H, W, 3) from `serving_default`; seeds as `TextToVideoGAN.generate`."""
        inputs = self.inputs(SERVING_DEFAULT, prompts=prompts, seed=seed)
        return self.predict(SERVING_DEFAULT, inputs, VIDEO, protocol)

    def encode_text(self, prompts, protocol="grpc"):
        """float32 sentence embeddings (B, D) from `encode_text`."""
        return self.predict(ENCODE_TEXT, self.inputs(ENCODE_TEXT, prompts=prompts), EMBEDDING, protocol)

    def generate_from_embedding(self, embedding, seed=None, truncation=1.0, protocol="grpc"):
        """uint8 clips (B, T, H, W, 3) from `generate_from_embedding`."""
        inputs = self.inputs(GENERATE_FROM_EMBEDDING, embedding=embedding, seed=seed, truncation=truncation)
        return self.predict(GENERATE_FROM_EMBEDDING, inputs, VIDEO, protocol)
