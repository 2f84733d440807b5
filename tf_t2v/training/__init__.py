"""Training: run configs, callbacks, distribution strategy choice and the training loop."""

from tf_t2v.training.atomic_backup_and_restore import AtomicBackupAndRestore
from tf_t2v.training.atomic_checkpoint import AtomicCheckpoint
from tf_t2v.training.config import DataConfig, RunConfig, TrainConfig
from tf_t2v.training.contact_sheet_preview import ContactSheetPreview
from tf_t2v.training.shape_evaluation import ShapeEvaluation
from tf_t2v.training.terminate_on_nan import NonFiniteLossError, TerminateOnNaN
from tf_t2v.training.trainer import train
from tf_t2v.training.video_tensor_board import VideoTensorBoard

__all__ = [
    "AtomicBackupAndRestore",
    "AtomicCheckpoint",
    "ContactSheetPreview",
    "DataConfig",
    "NonFiniteLossError",
    "RunConfig",
    "ShapeEvaluation",
    "TerminateOnNaN",
    "TrainConfig",
    "VideoTensorBoard",
    "train",
]
