"""SAM wrapper: defaults in one place, errors, tiny-SAM generation."""
import numpy as np
import pytest

from mmseg_zsl.annotation import (ImageRecord, SamMaskGenerator, build_sam,
                                  sam_generator_defaults)


def test_defaults_are_sams_own():
    defaults = sam_generator_defaults()
    assert defaults['points_per_side'] == 32
    assert defaults['points_per_batch'] == 64
    assert defaults['pred_iou_thresh'] == 0.88
    assert defaults['stability_score_thresh'] == 0.95
    assert defaults['box_nms_thresh'] == 0.7
    assert defaults['crop_n_layers'] == 0
    assert defaults['min_mask_region_area'] == 0
    assert 'output_mode' not in defaults and 'model' not in defaults


def test_unknown_generator_parameter(tiny_sam):
    with pytest.raises(TypeError, match="Unknown SAM generator parameters"):
        SamMaskGenerator(tiny_sam, points_per_sid=8)


def test_missing_checkpoint_says_where_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='dl.fbaipublicfiles.com/segment_anything/'
                       'sam_vit_b_01ec64.pth'):
        build_sam('vit_b', str(tmp_path / 'sam_vit_b_01ec64.pth'))
    with pytest.raises(FileNotFoundError, match='No SAM checkpoint'):
        build_sam('vit_h', None)
    with pytest.raises(ValueError, match='vit_h'):
        build_sam('vit_x', None)


def test_tiny_sam_generates_rles_of_the_image_size(tiny_sam, rgb_image):
    generator = SamMaskGenerator(
        tiny_sam, points_per_side=4, pred_iou_thresh=0,
        stability_score_thresh=0)
    assert generator.settings()['points_per_side'] == 4
    assert generator.settings()['box_nms_thresh'] == 0.7
    out = generator.generate(rgb_image)
    assert len(out.rles) == len(out.predicted_iou) > 0
    masks = ImageRecord((40, 56), out.rles).decode_masks()
    assert masks.shape == (len(out.rles), 40, 56)
    assert masks.dtype == np.bool_
