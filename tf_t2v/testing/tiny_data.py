"""A tiny moving_shapes build for tests."""

TINY_SPLITS = {"train": 32, "validation": 8, "test": 8, "test_unseen": 8}


def build_tiny_moving_shapes(data_dir):
    """Builds moving_shapes/single_32 with `TINY_SPLITS` into `data_dir` (about 7 s)."""
    from tfds_builders.moving_shapes import Builder

    Builder(config="single_32", data_dir=data_dir, split_sizes=TINY_SPLITS).download_and_prepare()
    return data_dir


def build_tiny_scenes(data_dir, config="scenes_64", split_sizes=None):
    """Builds scenes/<config> with `split_sizes` (default `TINY_SPLITS`) into `data_dir`, in this process."""
    from tfds_builders.scenes import Builder

    Builder(config=config, data_dir=data_dir, split_sizes=split_sizes or TINY_SPLITS,
            num_workers=1).download_and_prepare()
    return data_dir
