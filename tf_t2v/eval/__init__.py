"""Evaluation: measuring generated clips against their prompts."""

from tf_t2v.eval.caption_parser import parse_caption
from tf_t2v.eval.shape_measurer import ShapeMeasurer

__all__ = [
    "ShapeMeasurer",
    "parse_caption",
]
