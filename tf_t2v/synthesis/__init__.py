"""Video synthesis from generated clips: frame interpolation, transitions, title cards, effects.

A low layer: numpy, OpenCV and PIL only, nothing from the models, training, eval, export or cli.
"""

from tf_t2v.synthesis.frame_interpolator import FrameInterpolator
from tf_t2v.synthesis.frame_interpolator import playback_times
