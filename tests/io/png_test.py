import io

import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.io.png import PngWriter, encode_png


def test_encode_png_round_trips_through_tensorflow():
    frames = np.random.default_rng(0).integers(0, 256, (3, 5, 7, 3), dtype=np.uint8)
    for frame, png in zip(frames, encode_png(frames)):
        np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), frame)


def test_an_image_written_band_by_band_is_the_whole_image():
    image = np.random.default_rng(1).integers(0, 256, (11, 6, 3), dtype=np.uint8)
    f = io.BytesIO()
    with PngWriter(f, width=6, height=11) as png:
        for start, stop in ((0, 1), (1, 7), (7, 11)):
            png.write(image[start:stop])
    np.testing.assert_array_equal(tf.io.decode_png(f.getvalue()).numpy(), image)


def test_bands_that_do_not_fit_are_refused():
    png = PngWriter(io.BytesIO(), width=4, height=2)
    with pytest.raises(ValueError, match=r"must be \(h, 4, 3\) and fit below row 0; got \(1, 5, 3\)"):
        png.write(np.zeros((1, 5, 3), np.uint8))
    png.write(np.zeros((1, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="The PNG needs 2 rows; 1 were written"):
        png.close()
