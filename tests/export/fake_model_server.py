"""A stand-in for tensorflow_model_server: its REST and gRPC predict APIs over a loaded SavedModel.

It decodes requests as TF Serving documents them (REST: columnar "inputs" or row "instances",
strings as text or {"b64": ...}; gRPC: TensorProtos) and answers in TF Serving's formats, so the
client's payloads and decoders are checked end to end without the server binary.
"""

import base64
import contextlib
import json
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc


def _json_to_tensor(value, spec):
    if spec.dtype == tf.string:
        def to_bytes(v):
            return base64.b64decode(v["b64"]) if isinstance(v, dict) else v.encode("utf-8")
        value = np.vectorize(to_bytes, otypes=[object])(np.array(value, object)) if np.ndim(value) else to_bytes(value)
    return tf.constant(value, dtype=spec.dtype)


def run_signature(signatures, name, inputs):
    """Calls signature `name`; an InvalidArgument error becomes (None, message)."""
    try:
        return {k: v.numpy() for k, v in signatures[name](**inputs).items()}, None
    except tf.errors.InvalidArgumentError as e:
        return None, e.message


def rest_predict(signatures, body):
    """(HTTP status, answer dict) for a REST predict body, as TF Serving answers it."""
    name = body.get("signature_name", "serving_default")
    specs = signatures[name].structured_input_signature[1]
    if "inputs" in body:
        columns = body["inputs"] if isinstance(body["inputs"], dict) else {next(iter(specs)): body["inputs"]}
        row_format = False
    else:
        rows = body["instances"]
        columns = {k: [row[k] for row in rows] for k in specs}
        row_format = True
    inputs = {k: _json_to_tensor(columns[k], specs[k]) for k in specs}
    outputs, error = run_signature(signatures, name, inputs)
    if error is not None:
        return 400, {"error": error}
    if row_format:
        if len(outputs) == 1:
            return 200, {"predictions": next(iter(outputs.values())).tolist()}
        batch = len(next(iter(outputs.values())))
        return 200, {"predictions": [{k: v[i].tolist() for k, v in outputs.items()} for i in range(batch)]}
    if len(outputs) == 1:
        return 200, {"outputs": next(iter(outputs.values())).tolist()}
    return 200, {"outputs": {k: v.tolist() for k, v in outputs.items()}}


class _PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, signatures, model_name):
        self.signatures = signatures
        self.model_name = model_name

    def Predict(self, request, context):
        if request.model_spec.name != self.model_name:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Servable not found: {request.model_spec.name}")
        name = request.model_spec.signature_name or "serving_default"
        inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
        outputs, error = run_signature(self.signatures, name, inputs)
        if error is not None:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, error)
        response = predict_pb2.PredictResponse()
        response.model_spec.CopyFrom(request.model_spec)
        for k, v in outputs.items():
            response.outputs[k].CopyFrom(tf.make_tensor_proto(v))
        return response


@contextlib.contextmanager
def serve(signatures, model_name):
    """Runs REST and gRPC servers on free local ports; yields (rest_port, grpc_port)."""
    prefix = f"/v1/models/{model_name}"

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            path = self.path
            if not (path.startswith(prefix) and path.endswith(":predict")):
                status, answer = 404, {"error": f"Could not find {path}"}
            else:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, answer = rest_predict(signatures, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2),
                         options=[("grpc.max_send_message_length", 1 << 30)])
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        _PredictionService(signatures, model_name), server)
    grpc_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield http.server_address[1], grpc_port
    finally:
        server.stop(None)
        http.shutdown()
        http.server_close()
