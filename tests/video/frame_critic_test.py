import numpy as np
import pytest

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video import FrameCritic


class FrameCriticTest(TestCase):
    def test_scores_patches_of_the_chosen_frames(self):
        critic = FrameCritic(channels=[8, 16], frames=3)
        logits = critic(np.zeros((2, 8, 16, 16, 3), np.float32))
        self.assertEqual(tuple(logits.shape), (2 * 3, 4, 4))
        self.assertEqual(critic.compute_output_shape((None, 8, 16, 16, 3)), (None, 4, 4))
        self.assertEqual(critic.frame_indices(8), [0, 3, 6])  # the last pair is frames 6 and 7

    def test_sees_motion_not_only_frames(self):
        critic = FrameCritic(channels=[8], frames=1, spectral_norm=False)
        still = np.zeros((1, 2, 8, 8, 3), np.float32)
        moving = still.copy()
        moving[:, 1] = 0.5  # the first frame is the same; only its change to the next differs
        self.assertGreater(np.abs(np.asarray(critic(moving)) - np.asarray(critic(still))).max(), 0)

    def test_refuses_clips_without_motion_and_empty_settings(self):
        with pytest.raises(ValueError, match="at least 2 frames"):
            FrameCritic(channels=[8])(np.zeros((1, 1, 8, 8, 3), np.float32))
        with pytest.raises(ValueError, match="positive"):
            FrameCritic(channels=[])

    def test_a_conditional_critic_reads_the_caption_once_per_clip(self):
        critic = FrameCritic(channels=[8, 16], frames=2, spectral_norm=False, cond_dim=5)
        rng = np.random.default_rng(0)
        clips = rng.normal(size=(2, 4, 16, 16, 3)).astype(np.float32)
        cond = rng.normal(size=(2, 5)).astype(np.float32)
        logits = np.asarray(critic(clips, cond))
        self.assertEqual(logits.shape, (2 * 2, 4, 4))
        other = np.asarray(critic(clips, cond[::-1]))
        # Another caption moves every patch of a clip by one amount: the projection term.
        shift = (other - logits).reshape(2, -1)
        self.assertGreater(np.abs(shift).min(), 1e-6)
        self.assertAllClose(shift, np.repeat(shift[:, :1], shift.shape[1], axis=1), atol=1e-5)
        with pytest.raises(ValueError, match="exactly when it has a cond_dim"):
            critic(clips)
        with pytest.raises(ValueError, match="exactly when it has a cond_dim"):
            FrameCritic(channels=[8])(clips, cond)
        with pytest.raises(ValueError, match="cond_dim must be >= 0"):
            FrameCritic(channels=[8], cond_dim=-1)

    def test_config_round_trip(self):
        critic = FrameCritic(channels=[8, 16], frames=2, spectral_norm=False)
        clone = FrameCritic.from_config(critic.get_config())
        self.assertEqual((clone.channels, clone.frames, clone.spectral_norm), ([8, 16], 2, False))
        self.assertEqual(FrameCritic.from_config(FrameCritic(channels=[8], cond_dim=3).get_config()).cond_dim, 3)
        clip = np.random.default_rng(0).normal(size=(1, 4, 16, 16, 3)).astype(np.float32)
        critic(clip)
        clone(clip)
        clone.set_weights(critic.get_weights())
        self.assertAllClose(clone(clip), critic(clip))
