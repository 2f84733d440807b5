"""Frechet distance between two sets of feature vectors (as in FID and FVD)."""

import numpy as np


def _sqrtm_psd(matrix):
    """Square root of a symmetric positive semi-definite matrix, by eigendecomposition."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(features_a, features_b):
    """Frechet distance of Gaussians fitted to two sets of features (N, D) and (M, D).

    ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2), in float64; 0 for identical
    sets. Both sets need more rows than dimensions for a full-rank estimate; fewer still give a
    number, but a biased one.

    Example:
    ```python
    rng = np.random.default_rng(0)
    frechet_distance(rng.normal(size=(500, 4)), rng.normal(size=(500, 4)) + 1.0)  # about 4
    ```
    """
    a = np.asarray(features_a, np.float64)
    b = np.asarray(features_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(
            f"frechet_distance needs two (N, D) arrays with the same D and at least 2 rows; got "
            f"{a.shape} and {b.shape}."
        )
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _sqrtm_psd(cov_a)
    cross = _sqrtm_psd(root_a @ cov_b @ root_a)
    value = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(cross)
    return float(max(value, 0.0))
