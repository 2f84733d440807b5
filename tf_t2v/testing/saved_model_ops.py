"""List the op types a SavedModel runs, and check them against what TF Serving carries."""

import os

import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

# TF Text ops that the stock tensorflow_model_server (and its Docker image) carries, with the
# first Serving release that has them. Serving links all of TF Text's ops since 2.2; some ops
# are newer than that. Extend this table only with ops checked against TF Text's release notes.
TF_TEXT_SERVING_OPS = {
    "CaseFoldUTF8": "2.2",
    "NormalizeUTF8": "2.2",
    "UnicodeScriptTokenizeWithOffsets": "2.2",
    "WhitespaceTokenizeWithOffsets": "2.2",
    "WordpieceTokenizeWithOffsets": "2.2",
    "TFText>WhitespaceTokenizeWithOffsetsV2": "2.10",
    "FastWordpieceTokenizeWithOffsets": "2.10",
}


def saved_model_op_types(export_dir):
    """Every op type in a SavedModel's graphs and functions, as a sorted list of str.

    Calls of the SavedModel's own functions (nodes whose op type is a function name) are left out,
    so the list holds registered ops only.

    Args:
        export_dir: str. A SavedModel directory (holding `saved_model.pb`).
    """
    saved_model = saved_model_pb2.SavedModel()
    with tf.io.gfile.GFile(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        saved_model.ParseFromString(f.read())
    op_types, function_names = set(), set()
    for meta_graph in saved_model.meta_graphs:
        graph_def = meta_graph.graph_def
        op_types.update(node.op for node in graph_def.node)
        for function in graph_def.library.function:
            function_names.add(function.signature.name)
            op_types.update(node.op for node in function.node_def)
    return sorted(op_types - function_names)


def is_tf_core_op(op_type):
    """True for ops built into TensorFlow itself (those `tf.raw_ops` exposes)."""
    return hasattr(tf.raw_ops, op_type)


def ops_not_servable(op_types, min_serving_version="2.10"):
    """The op types that a stock TF Serving of `min_serving_version` may lack.

    An op is servable if it is a TF core op or a TF Text op in `TF_TEXT_SERVING_OPS` available
    in `min_serving_version`. Returns a sorted list; empty means the SavedModel needs no custom
    server build.
    """

    def version(v):
        return tuple(int(part) for part in v.split("."))

    return sorted(
        op
        for op in op_types
        if not is_tf_core_op(op)
        and not (
            op in TF_TEXT_SERVING_OPS
            and version(TF_TEXT_SERVING_OPS[op]) <= version(min_serving_version)
        )
    )
