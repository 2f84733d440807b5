"""`check_finite_weights`: NaN and Inf weights refused where a model is saved, exported or loaded."""

import numpy as np


def _labelled(variables):
    """(label, variable) pairs. A model or layer (anything with `.weights`) labels its variables
    by the attribute holding them, so the EMA copy of a generator reads `ema_generator/...`
    although its layers bear the generator's names; other variables keep their Keras path or TF name."""
    if not hasattr(variables, "weights"):
        return [(getattr(v, "path", None) or v.name, v) for v in variables]
    labels = {}
    for attribute, value in vars(variables).items():
        if attribute.startswith("_") or not hasattr(value, "weights") or not hasattr(value, "name"):
            continue
        for v in value.weights:
            path = getattr(v, "path", None) or v.name
            inner = path[len(value.name):] if path.startswith(value.name + "/") else "/" + path
            labels.setdefault(id(v), attribute + inner)
    return [(labels.get(id(v)) or getattr(v, "path", None) or v.name, v) for v in variables.weights]


def non_finite_weights(variables):
    """Labels of the floating-point variables holding a NaN or an Inf (see `check_finite_weights`)."""
    bad = []
    for label, variable in _labelled(variables):
        value = np.asarray(variable.numpy())
        if value.dtype.kind in "biuSUO":  # counters, seeds, strings: nothing to check
            continue
        if not np.isfinite(value.astype(np.float32)).all():
            bad.append(label)
    return bad


def check_finite_weights(variables, what, fix):
    """Raises ValueError unless every floating-point variable of `variables` is finite.

    Args:
        variables: a Keras model or layer (its `.weights`, the EMA copies included, named by the
            attribute holding them: `ema_generator/...`), or an iterable of `keras.Variable` or
            `tf.Variable`, e.g. a loaded SavedModel's `.variables`.
        what: str. What holds them, the start of the message, e.g. "'runs/x/model.keras'".
        fix: str. The end of the message: what was (not) done and what to do.

    Example:
    ```python
    import keras
    from tf_t2v.io.finite_weights import check_finite_weights

    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    check_finite_weights(layer.weights, "The layer", "nothing was saved.")  # passes
    ```
    """
    if not hasattr(variables, "weights"):
        variables = list(variables)
    bad = non_finite_weights(variables)
    if bad:
        shown = ", ".join(bad[:3]) + (", ..." if len(bad) > 3 else "")
        count = len(variables.weights) if hasattr(variables, "weights") else len(variables)
        raise ValueError(
            f"{what} has NaN or infinite weights in {len(bad)} of its {count} variables "
            f"({shown}); {fix}"
        )
