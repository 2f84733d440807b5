"""moving_shapes: the built-in captioned-video benchmark."""
