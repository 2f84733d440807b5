"""TFDS dataset builders shipped with tf_t2v (one folder per dataset, `tfds new` layout)."""
