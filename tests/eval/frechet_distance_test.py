import numpy as np
import pytest

from tf_t2v.eval.frechet_distance import frechet_distance


def test_zero_for_the_same_set_and_squared_shift_for_a_shifted_one():
    x = np.random.default_rng(0).normal(size=(400, 6))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    # Same covariance, mean moved by (1, 2, 0, ...): the distance is |shift|^2 = 5.
    shift = np.zeros(6)
    shift[:2] = [1.0, 2.0]
    assert frechet_distance(x, x + shift) == pytest.approx(5.0, rel=1e-9)


def test_matches_the_closed_form_for_scaled_gaussians():
    # N(0, I) against N(0, 4 I) in D dims: tr(I + 4I - 2 * 2I) = D, up to sampling error.
    rng = np.random.default_rng(1)
    a = rng.normal(size=(20000, 3))
    b = 2.0 * rng.normal(size=(20000, 3))
    assert frechet_distance(a, b) == pytest.approx(3.0, rel=0.05)


def test_symmetric():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(300, 4)), rng.gamma(2.0, size=(300, 4))
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="same D"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
