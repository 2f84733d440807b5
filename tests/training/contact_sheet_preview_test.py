import os

import cv2
import pytest

from callbacks_helpers import CAPTIONS, RenderingModel, fit
from tf_t2v.training import ContactSheetPreview


def test_contact_sheet_preview_writes_a_png_every_n_epochs(tmp_path):
    folder = os.path.join(str(tmp_path), "previews")
    model = RenderingModel()
    fit(model, [ContactSheetPreview(folder, CAPTIONS[:3], every_epochs=2, seed=3)], epochs=4)
    assert sorted(os.listdir(folder)) == ["epoch-0002.png", "epoch-0004.png"]
    sheet = cv2.imread(os.path.join(folder, "epoch-0004.png"))
    assert sheet.shape[0] > 3 * 48  # three rows of upscaled frames, captions underneath
    assert all(call == (CAPTIONS[:3], 3) for call in model.generate_calls)
    with pytest.raises(ValueError, match="at least one prompt"):
        ContactSheetPreview(folder, [])
