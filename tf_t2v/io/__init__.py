"""The lowest layer: file and video I/O shared by tfds_builders and every tf_t2v package."""
