"""Run a trained segmentor on an image and refine its zero-shot label.

The model runs as ``tools/test.py`` runs it: the config's test pipeline
(without its loading steps) and ``predict`` with the config's ``test_cfg``
(whole image or slide), probabilities at the image's size. ``flip`` averages
them with those of the mirrored image.
"""
import os.path as osp
from typing import Any, Callable, Dict, Optional

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from torch import Tensor

from mmseg_zsl.datasets.transforms import ZeroShotPseudoLabel
from mmseg_zsl.utils.files import image_stem
from ..base import AnnotationResult, BaseAnnotator
from ..cache import ImageRecord
from .rules import refine_label

#: Segments of ``--segments``: an annotation output directory holds them in
#: this subfolder (a bare folder of cache files works too).
SEGMENT_CACHE_SUBDIR = 'cache'


def segment_cache_file(segments_dir: str, stem: str) -> str:
    """The cache file holding an image's segments."""
    inner = osp.join(segments_dir, SEGMENT_CACHE_SUBDIR)
    folder = inner if osp.isdir(inner) else segments_dir
    return osp.join(folder, stem + '.npz')


class RefineAnnotator(BaseAnnotator):
    """Image -> refined label, cached as one mask per label value.

    Args:
        model (torch.nn.Module): The trained model (a semi-supervised
            wrapper predicts with the model it wraps), in eval mode.
        pipeline (Callable): The test transforms after image loading.
        data_infos (dict[str, dict]): Image path -> its data info in the
            unlabeled dataset (``pseudo_label_path``,
            ``pseudo_label_classes``), read with the training transform
            ``ZeroShotPseudoLabel`` (the same file, checks and errors as
            training).
        conf_thresh (float): The threshold tau.
        flip (bool): Average with the horizontally flipped image.
        segments_dir (str, optional): Annotation cache directory whose
            masks are decided as a whole. Defaults to None.
        ignore_index (int): Label of ignored pixels. Defaults to 255.
    """
    kind = 'refine'

    def __init__(self,
                 model: torch.nn.Module,
                 pipeline: Callable[[Dict], Dict],
                 data_infos: Dict[str, Dict],
                 conf_thresh: float,
                 flip: bool,
                 segments_dir: Optional[str] = None,
                 ignore_index: int = 255) -> None:
        self.model = model
        self.segmentor = getattr(model, 'segmentor', model)
        self.pipeline = pipeline
        self.data_infos = data_infos
        self.load_zero_shot = ZeroShotPseudoLabel()
        self.conf_thresh = conf_thresh
        self.flip = flip
        self.segments_dir = segments_dir
        self.ignore_index = ignore_index

    def settings(self) -> Dict[str, Any]:
        return dict(
            tau=self.conf_thresh,
            flip=self.flip,
            segments=self.segments_dir,
            ignore_index=self.ignore_index)

    @torch.no_grad()
    def probabilities(self, image: np.ndarray, image_path: str) -> Tensor:
        """``(C, H, W)`` class probabilities of an RGB image."""
        probs = self._predict(image, image_path).softmax(dim=0)
        if self.flip:
            mirrored = self._predict(image[:, ::-1], image_path)
            probs = (probs + mirrored.flip(-1).softmax(dim=0)) / 2
        return probs

    def _predict(self, image: np.ndarray, image_path: str) -> Tensor:
        # mmseg's LoadImageFromFile gives BGR; the data preprocessor
        # converts, as for tools/test.py.
        bgr = np.ascontiguousarray(image[..., ::-1])
        results = self.pipeline(
            dict(img=bgr, img_path=image_path, img_shape=bgr.shape[:2],
                 ori_shape=bgr.shape[:2]))
        data = self.model.data_preprocessor(pseudo_collate([results]), False)
        sample = self.segmentor.predict(data['inputs'],
                                        data['data_samples'])[0]
        return sample.seg_logits.data

    def annotate(self,
                 image: np.ndarray,
                 image_path: Optional[str] = None) -> AnnotationResult:
        size = image.shape[:2]
        zs_label = self.load_zero_shot(
            dict(self.data_infos[image_path], img=image,
                 seg_fields=[]))['gt_seg_map']
        probs = self.probabilities(image, image_path)
        zs = torch.from_numpy(zs_label.astype(np.int64)).to(probs.device)
        segments = None
        if self.segments_dir is not None:
            segments = torch.from_numpy(
                self._segments(image_stem(image_path), size,
                               image_path)).to(probs.device)
        label = refine_label(probs, zs, self.conf_thresh, self.ignore_index,
                             segments)
        values = torch.unique(label)
        masks = (label[None] == values[:, None, None]).cpu().numpy()
        record = ImageRecord(
            size,
            ImageRecord.encode_masks(masks),
            fields=dict(
                label_value=values.cpu().numpy().astype(np.uint8),
                changed_pixels=np.array((label != zs).sum().item()),
                confident_pixels=np.array(
                    (probs.max(0).values >= self.conf_thresh).sum().item())))
        return AnnotationResult(record, masks)

    def _segments(self, stem: str, size, image_path: str) -> np.ndarray:
        path = segment_cache_file(self.segments_dir, stem)
        record = ImageRecord.from_file(path)
        if tuple(record.image_size) != tuple(size):
            raise ValueError(
                f'segments {path} are {record.image_size[0]}x'
                f'{record.image_size[1]}, the image {image_path} {size[0]}x'
                f'{size[1]}: --segments must be the annotation cache of '
                'these images.')
        return record.decode_masks()


def label_from_record(record: ImageRecord,
                      masks: Optional[np.ndarray] = None) -> np.ndarray:
    """The label map a refinement cache record holds (its masks are the
    label's values, disjoint and covering the image)."""
    masks = record.decode_masks() if masks is None else masks
    label = np.zeros(record.image_size, dtype=np.uint8)
    for mask, value in zip(masks, record.fields['label_value']):
        label[mask] = value
    return label
