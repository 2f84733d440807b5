"""TF Serving export: SavedModel endpoints, warmup requests, models.config, loading and a client.

Each name is imported on first use, so `import tf_t2v.export` itself loads nothing heavy.
"""

import importlib

_MODULES = {
    "SavedModelExporter": "tf_t2v.export.saved_model_exporter",
    "ServingClient": "tf_t2v.export.serving_client",
    "ServingConfig": "tf_t2v.export.serving_config",
    "ServingEndpoints": "tf_t2v.export.serving_endpoints",
    "TextToVideoSampler": "tf_t2v.export.text_to_video_sampler",
    "WarmupWriter": "tf_t2v.export.warmup_writer",
}

__all__ = sorted(_MODULES)


def __getattr__(name):
    if name in _MODULES:
        return getattr(importlib.import_module(_MODULES[name]), name)
    raise AttributeError(f"module 'tf_t2v.export' has no attribute {name!r}")
