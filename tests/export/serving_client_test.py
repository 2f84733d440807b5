import json

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2

import fake_model_server
from tf_t2v.export import ServingClient
from tiny_text_to_video import (
    MODEL_NAME, PROMPTS, SEEDS, keras_clips, keras_sampler, loaded_signatures
)


def signatures():
    return dict(loaded_signatures().loaded.signatures)


@pytest.fixture(scope="module")
def server():
    with fake_model_server.serve(signatures(), MODEL_NAME) as ports:
        yield ports


def client_for(ports):
    rest_port, grpc_port = ports
    return ServingClient(MODEL_NAME, host="127.0.0.1", rest_port=rest_port, grpc_port=grpc_port, timeout=120)


def test_rest_body_is_json_that_gives_the_keras_models_clips():
    client = ServingClient(MODEL_NAME)
    body = client.rest_body("serving_default", client.inputs("serving_default", PROMPTS, seed=SEEDS))
    assert body["inputs"]["prompt"] == PROMPTS and body["inputs"]["seed"] == SEEDS
    status, answer = fake_model_server.rest_predict(signatures(), json.loads(json.dumps(body)))
    assert status == 200
    np.testing.assert_array_equal(client.decode_rest(json.dumps(answer)), keras_clips())


def test_rest_floats_travel_exactly():
    client = ServingClient(MODEL_NAME)
    embedding = keras_sampler().encode_text(PROMPTS)
    inputs = client.inputs("generate_from_embedding", embedding=embedding, seed=SEEDS, truncation=0.5)
    body = json.loads(json.dumps(client.rest_body("generate_from_embedding", inputs)))
    assert body["inputs"]["truncation"] == 0.5
    np.testing.assert_array_equal(np.array(body["inputs"]["embedding"], np.float32), embedding)
    status, answer = fake_model_server.rest_predict(signatures(), body)
    np.testing.assert_array_equal(client.decode_rest(answer), keras_clips(0.5))


def test_grpc_request_gives_the_keras_models_clips():
    client = ServingClient(MODEL_NAME, version=1)
    request = predict_pb2.PredictRequest.FromString(
        client.predict_request("serving_default", client.inputs("serving_default", PROMPTS, seed=SEEDS))
        .SerializeToString()
    )
    assert (request.model_spec.name, request.model_spec.signature_name, request.model_spec.version.value) == (
        MODEL_NAME, "serving_default", 1)
    inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
    video = signatures()["serving_default"](**inputs)["video"]
    response = predict_pb2.PredictResponse()
    response.outputs["video"].CopyFrom(tf.make_tensor_proto(video.numpy()))
    np.testing.assert_array_equal(client.decode_predict_response(response), keras_clips())


def test_invalid_utf8_prompts_go_as_base64():
    body = ServingClient.rest_body("encode_text", {"prompt": np.array([b"red \xff", b"blue"], object)})
    assert body["inputs"]["prompt"] == [{"b64": "cmVkIP8="}, "blue"]


@pytest.mark.parametrize("answer", [
    {"outputs": [[1, 2]]},
    {"outputs": {"video": [[1, 2]], "other": [0]}},
    {"predictions": [[1, 2]]},
    {"predictions": [{"video": [1, 2], "other": 0}]},
])
def test_decode_rest_reads_every_answer_format(answer):
    clips = ServingClient.decode_rest(answer)
    assert clips.dtype == np.uint8 and clips.tolist() == [[1, 2]]


def test_decode_rest_raises_the_servers_error():
    with pytest.raises(ValueError, match="answered: bad prompt"):
        ServingClient.decode_rest('{"error": "bad prompt"}')
    with pytest.raises(ValueError, match="outside"):
        ServingClient.decode_rest({"outputs": [[-1, 300]]})


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_client_round_trip_through_a_model_server(server, protocol):
    client = client_for(server)
    np.testing.assert_array_equal(client.generate(PROMPTS, seed=SEEDS, protocol=protocol), keras_clips())
    embedding = client.encode_text(PROMPTS, protocol=protocol)
    np.testing.assert_array_equal(embedding, keras_sampler().encode_text(PROMPTS))
    halfway = (embedding[:1] + embedding[1:2]) / 2  # interpolating between two prompts
    np.testing.assert_array_equal(
        client.generate_from_embedding(halfway, seed=[3], truncation=0.5, protocol=protocol),
        keras_sampler().generate_from_embedding(halfway, seed=[3], truncation=0.5),
    )


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_client_reports_invalid_arguments(server, protocol):
    with pytest.raises(ValueError, match="must not be empty or blank"):
        client_for(server).generate(["  "], seed=1, protocol=protocol)


def test_unknown_signature_and_protocol_are_rejected():
    with pytest.raises(ValueError, match="Unknown signature"):
        ServingClient.inputs("serve", PROMPTS)
    with pytest.raises(ValueError, match="protocol must be one of"):
        ServingClient().generate(PROMPTS, seed=1, protocol="smoke")


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_a_refused_connection_is_the_same_clear_error_both_ways(protocol):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ServingClient(host="127.0.0.1", rest_port=port, grpc_port=port, timeout=10)
    with pytest.raises(ValueError, match=r"^The model server answered UNAVAILABLE: .*(refused|connect)"):
        client.generate(PROMPTS[:1], seed=1, protocol=protocol)
