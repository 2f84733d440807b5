"""The seed rule: one int64 seed per clip, from an int, a list or None."""

import numpy as np

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def is_integer(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def seeds_for(seed, count):
    """One int64 seed per clip: the one seed rule of every sampling path (`TextToVideo.generate`,
    the SavedModel sampler, the serving client and the CLI).

    Args:
        seed: int, sequence of `count` ints, or None (a random base seed). Every seed must fit
            in int64; one int gives the seeds `seed .. seed + count - 1`, which must all fit.
        count: int. Number of clips.

    Returns:
        np.ndarray. int64 (count,): `seed + i` for an int, the given seeds for a sequence.

    Raises:
        ValueError: a seed that is not an integer, does not fit in int64, or a seed count that
            differs from `count`.

    Example:
        >>> seeds_for(7, 3).tolist()
        [7, 8, 9]
    """
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**62))
    if is_integer(seed):
        seed = int(seed)
        if seed < INT64_MIN or seed + max(count, 1) - 1 > INT64_MAX:
            if count <= 1:
                raise ValueError(f"seed must be an integer from -2**63 to 2**63 - 1 (int64); got {seed}.")
            raise ValueError(
                f"seed must be an integer from -2**63 to 2**63 - {count}, so that the {count} seeds "
                f"seed..seed+{count - 1} fit in int64; got {seed}."
            )
        return np.int64(seed) + np.arange(count, dtype=np.int64)
    if isinstance(seed, (str, bytes, float, np.floating, bool, np.bool_)) or np.ndim(seed) > 1:
        raise ValueError(f"seed must be an int, a list of ints (one per prompt) or None; got {seed!r}.")
    seeds = np.asarray(seed).reshape(-1).tolist() if hasattr(seed, "__array__") else list(seed)
    for i, value in enumerate(seeds):
        if not is_integer(value) or not INT64_MIN <= value <= INT64_MAX:
            raise ValueError(f"Seeds must be integers from -2**63 to 2**63 - 1; seed {i} is {value!r}.")
    if len(seeds) != count:
        raise ValueError(f"Got {len(seeds)} seeds for {count} prompts; give one per prompt.")
    return np.asarray(seeds, np.int64).reshape(-1)
