"""A synthetic segmentation world with known ground truth, and a simulator
of zero-shot (SAM + CLIP) pseudo labels, for demos and CPU benchmarks."""
from .examples import crop_object, cut_class_examples
from .generator import ToySample, ToyWorldGenerator
from .io import read_label_png, read_split_stems
from .noise_model import QUALITY_SLOPES, PseudoLabelNoise
from .pseudo_label_simulator import (confusion_partners, disk, object_segments,
                                     simulate_label, simulate_pseudo_labels)
from .shapes import CLASSES, PALETTE, SHAPE_NAMES
from .world import generate_toy_world, image_id, write_split_files

__all__ = [
    'CLASSES', 'PALETTE', 'SHAPE_NAMES', 'QUALITY_SLOPES', 'ToySample',
    'ToyWorldGenerator', 'PseudoLabelNoise', 'generate_toy_world',
    'write_split_files', 'image_id', 'cut_class_examples', 'crop_object',
    'simulate_label', 'simulate_pseudo_labels', 'object_segments',
    'confusion_partners', 'disk', 'read_label_png', 'read_split_stems'
]
