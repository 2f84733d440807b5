import os
import shutil
import tempfile

import cv2
import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.data import contact_sheet
from tf_t2v.data.contact_sheet import make_contact_sheet, wrap_caption, write_contact_sheet

GAP = contact_sheet.GAP


def ramp(t, h=8, w=8, start=0):
    # Frame i is flat grey start + 10 * i.
    return np.stack([np.full((h, w, 3), start + 10 * i, np.uint8) for i in range(t)])


def frame_at(sheet, row_top, i, fh, fw):
    x = GAP + i * (fw + GAP)
    return sheet[row_top:row_top + fh, x:x + fw]


def ink_rows(sheet, x0, x1):
    """Indices of sheet rows with dark (caption) pixels between columns x0 and x1."""
    return np.nonzero((sheet[:, x0:x1] < 128).any(axis=(1, 2)))[0]


class ContactSheetTest(tf.test.TestCase):
    def test_layout_frames_left_to_right_rows_top_to_bottom(self):
        clips = [ramp(4, start=10), ramp(4, start=150)]
        sheet = make_contact_sheet(clips, ["first clip", "second clip"], scale=2)
        self.assertEqual(sheet.dtype, np.uint8)
        self.assertEqual(sheet.shape[1], contact_sheet.MIN_WIDTH)  # 4 * (16 + 2) + 2 is narrower
        fh = fw = 16
        self.assertAllEqual(frame_at(sheet, GAP, 0, fh, fw), np.full((fh, fw, 3), 10, np.uint8))
        self.assertAllEqual(frame_at(sheet, GAP, 3, fh, fw), np.full((fh, fw, 3), 40, np.uint8))
        # The second row starts below the first caption, which has ink between the rows.
        second_top = int(np.argmax(sheet[:, GAP, 0] == 150))
        self.assertNotEmpty(ink_rows(sheet[GAP + fh:second_top], 0, sheet.shape[1]))
        self.assertAllEqual(frame_at(sheet, second_top, 0, fh, fw), np.full((fh, fw, 3), 150, np.uint8))
        self.assertAllEqual(frame_at(sheet, second_top, 3, fh, fw), np.full((fh, fw, 3), 180, np.uint8))
        # The second caption is drawn under the second row.
        self.assertNotEmpty(ink_rows(sheet[second_top + fh:], 0, sheet.shape[1]))

    def test_long_captions_wrap_and_truncate(self):
        long = "a red circle moves quickly to the left " * 20
        lines = wrap_caption(long, 200)
        self.assertLen(lines, contact_sheet.MAX_CAPTION_LINES)
        self.assertTrue(lines[-1].endswith("..."))
        for line in lines:
            self.assertLessEqual(cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)[0][0], 200)
        self.assertEqual(wrap_caption("a cat,\n  sleeping", 200), ["a cat, sleeping"])
        self.assertEqual(wrap_caption("caf\u00e9 \u65e5\u672c", 200), ["cafe ??"])
        short = make_contact_sheet([ramp(2)], ["short"])
        tall = make_contact_sheet([ramp(2)], [long])
        self.assertGreater(tall.shape[0], short.shape[0])
        self.assertEqual(tall.shape[1], short.shape[1])

    def test_max_frames_picks_evenly(self):
        sheet = make_contact_sheet([ramp(10)], ["ten frames"], max_frames=4)
        picked = [frame_at(sheet, GAP, i, 8, 8)[0, 0, 0] for i in range(4)]
        self.assertEqual(picked, [0, 30, 60, 90])  # frames 0, 3, 6, 9
        # Only four frames are drawn: the fifth slot is background.
        self.assertAllEqual(frame_at(sheet, GAP, 4, 8, 8), np.full((8, 8, 3), 255, np.uint8))

    def test_mixed_lengths_sizes_and_floats(self):
        clips = [ramp(6, 16, 16), np.zeros((3, 8, 32, 3), np.float32) - 1.0]
        sheet = make_contact_sheet(clips, ["a", "b"], scale=1)
        self.assertEqual(sheet.shape[1], contact_sheet.MIN_WIDTH)
        wide = make_contact_sheet([ramp(20, 16, 16)], ["a"], scale=2)
        self.assertEqual(wide.shape[1], 20 * (32 + GAP) + GAP)

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "2 clips but 1 captions"):
            make_contact_sheet([ramp(2), ramp(2)], ["only one"])
        with self.assertRaisesRegex(ValueError, r"Clip 0 must have shape \(T, H, W, 3\)"):
            make_contact_sheet([np.zeros((8, 8, 3), np.uint8)], ["x"])
        with self.assertRaisesRegex(ValueError, "at least one clip"):
            make_contact_sheet([], [])

    def test_write_png_atomically(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        path = os.path.join(folder, "sheets", "sheet.png")
        clips = [ramp(4, start=10), ramp(4, start=150)]
        write_contact_sheet(path, clips, ["one", "two"], max_frames=3, scale=2)
        self.assertEqual(os.listdir(os.path.dirname(path)), ["sheet.png"])
        written = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
        self.assertAllEqual(written, make_contact_sheet(clips, ["one", "two"], max_frames=3, scale=2))
        with self.assertRaisesRegex(ValueError, r"sheet\.jpg.*must end in \.png"):
            write_contact_sheet(os.path.join(folder, "sheet.jpg"), clips, ["one", "two"])
        with self.assertRaisesRegex(ValueError, "captions"):
            write_contact_sheet(os.path.join(folder, "bad.png"), clips, ["one"])
        self.assertEqual(sorted(os.listdir(folder)), ["sheets"])


def test_a_sheet_written_clip_by_clip_is_the_whole_sheet(tmp_path):
    clips = [ramp(4, start=10), ramp(3, start=100, h=6, w=10), ramp(4, start=150)]
    captions = ["first clip", "a second, longer caption " * 4, "third"]
    path = str(tmp_path / "sheet.png")
    with contact_sheet.ContactSheetWriter(path, captions, num_frames=4, frame_size=(8, 8), scale=2) as sheet:
        for clip in clips:
            sheet.add(clip)
    written = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(written, make_contact_sheet(clips, captions, scale=2))


def test_a_sheet_left_unfinished_leaves_no_file(tmp_path):
    path = str(tmp_path / "sheet.png")
    with pytest.raises(ValueError, match="The contact sheet has 2 captions but 1 clips were added"):
        with contact_sheet.ContactSheetWriter(path, ["a", "b"], num_frames=4, frame_size=(8, 8)) as sheet:
            sheet.add(ramp(4))
    with pytest.raises(RuntimeError, match="killed"):
        with contact_sheet.ContactSheetWriter(path, ["a", "b"], num_frames=4, frame_size=(8, 8)) as sheet:
            sheet.add(ramp(4))
            raise RuntimeError("killed")
    assert os.listdir(tmp_path) == []
