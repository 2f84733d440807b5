"""Evaluation: measuring generated clips against their prompts."""

from tf_t2v.eval.attribute_evaluator import AttributeEvaluator
from tf_t2v.eval.caption_parser import parse_caption
from tf_t2v.eval.digit_reader import DigitReader
from tf_t2v.eval.frechet_distance import frechet_distance
from tf_t2v.eval.shape_measurer import ShapeMeasurer
from tf_t2v.eval.shipped_evaluators import load_evaluator
from tf_t2v.eval.text_video_matcher import TextVideoMatcher

__all__ = [
    "AttributeEvaluator",
    "DigitReader",
    "ShapeMeasurer",
    "TextVideoMatcher",
    "frechet_distance",
    "load_evaluator",
    "parse_caption",
]
