"""`check_finite_weights`: NaN and Inf weights refused where a model is saved, exported or loaded."""

import numpy as np


def non_finite_weights(variables):
    """Names (Keras paths, else TF names) of the floating-point variables holding a NaN or an Inf."""
    bad = []
    for variable in variables:
        value = np.asarray(variable.numpy())
        if value.dtype.kind in "biuSUO":  # counters, seeds, strings: nothing to check
            continue
        if not np.isfinite(value.astype(np.float32)).all():
            bad.append(getattr(variable, "path", None) or variable.name)
    return bad


def check_finite_weights(variables, what, fix):
    """Raises ValueError unless every floating-point variable of `variables` is finite.

    Args:
        variables: iterable of `keras.Variable` or `tf.Variable`, e.g. `model.weights` (which
            holds the EMA copies too) or a loaded SavedModel's `.variables`.
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
    variables = list(variables)
    bad = non_finite_weights(variables)
    if bad:
        shown = ", ".join(bad[:3]) + (", ..." if len(bad) > 3 else "")
        raise ValueError(
            f"{what} has NaN or infinite weights in {len(bad)} of its {len(variables)} variables "
            f"({shown}); {fix}"
        )
