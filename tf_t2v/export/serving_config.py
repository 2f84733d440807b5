"""`ServingConfig`: the `models.config` file that lists every model under a serving root."""

import os
import re

CONFIG_FILE = "models.config"
DEFAULT_CONTAINER_ROOT = "/models"


def check_model_name(name):
    """Raises ValueError unless `name` can be a TF Serving model name (it goes into request URLs)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name.startswith("."):
        raise ValueError(
            f"Model folder name {name!r} must use only letters, digits, '_', '.' and '-', and not "
            "start with '.' (it becomes the model name in request URLs)."
        )


def version_folders(base_path):
    """{int version: folder} of the SavedModel versions under a model's base path (TF Serving layout)."""
    versions = {}
    if not os.path.isdir(base_path):
        return versions
    for name in os.listdir(base_path):
        folder = os.path.join(base_path, name)
        if name.isdigit() and os.path.isfile(os.path.join(folder, "saved_model.pb")):
            versions[int(name)] = folder
    return versions


class ServingConfig:
    """The text-format ModelServerConfig for the models under one serving root.

    A serving root holds one folder per model, each with integer version folders
    (`root/NAME/VERSION/saved_model.pb`); TF Serving serves the highest version of each. The config
    names every such model with its base path as the server sees it: `container_root/NAME`, the
    path where the root is mounted in the tensorflow/serving container.

    Args:
        root: str. The local serving root, e.g. "saved_models".
        container_root: str. Where the server sees `root`: the mount target in the container.

    Example:
    ```python
    from tf_t2v.export import ServingConfig

    config = ServingConfig("saved_models")
    config.model_names()  # ["moving_shapes"]
    config.write()        # saved_models/models.config
    # docker run -p 8501:8501 -v "$PWD/saved_models:/models" tensorflow/serving \
    #     --model_config_file=/models/models.config
    ```
    """

    def __init__(self, root, container_root=DEFAULT_CONTAINER_ROOT):
        self.root = os.fspath(root)
        self.container_root = str(container_root).rstrip("/") or "/"

    @property
    def path(self):
        return os.path.join(self.root, CONFIG_FILE)

    def model_names(self):
        """Sorted names of the folders under `root` that hold at least one SavedModel version."""
        if not os.path.isdir(self.root):
            return []
        return sorted(
            name for name in os.listdir(self.root)
            if not name.startswith(".") and version_folders(os.path.join(self.root, name))
        )

    def to_text(self):
        names = self.model_names()
        if not names:
            raise ValueError(
                f"No model under {self.root!r}: expected folders NAME/VERSION/saved_model.pb "
                "with integer VERSION."
            )
        for name in names:
            check_model_name(name)
        blocks = "".join(
            "  config {\n"
            f'    name: "{name}"\n'
            f'    base_path: "{self.container_root.rstrip("/")}/{name}"\n'
            '    model_platform: "tensorflow"\n'
            "  }\n"
            for name in names
        )
        return "model_config_list {\n" + blocks + "}\n"

    def write(self):
        """Writes `root/models.config` atomically; returns its path."""
        from tf_t2v.io.files import atomic_output

        text = self.to_text()
        with atomic_output(self.path) as tmp:
            with open(tmp, "w") as f:
                f.write(text)
        return self.path
