"""U-SAM (Kundu et al.): SAM's mask tokens + a classifier learnt from
example images per class, labelling SAM's grid masks without CLIP."""
from .annotator import USamAnnotator
from .classifier import DEFAULT_HIDDEN_CHANNELS, MaskClassifier
from .evaluation import (ImageInstances, average_precision,
                         mask_average_precision)
from .examples import (EXAMPLE_EXTENSIONS, EmbeddingCache, ExampleSet,
                       list_examples, read_rgb)
from .labeler import Detections, USamLabeler, match_class_names
from .losses import (mask_entropy, mil_class_scores, mil_loss,
                     normalised_targets, select_bad_masks, student_loss,
                     topk_count, uncertainty_loss)
from .mask_ops import mask_iou, mask_nms
from .tokens import (MaskEmbeddings, SamMaskEmbedder, capture_mask_tokens,
                     uniform_point_grid)
from .trainer import USamTrainConfig, USamTrainer, load_classifier

__all__ = [
    'Detections', 'USamAnnotator', 'USamLabeler', 'match_class_names',
    'DEFAULT_HIDDEN_CHANNELS', 'MaskClassifier', 'ImageInstances',
    'average_precision', 'mask_average_precision', 'EXAMPLE_EXTENSIONS',
    'EmbeddingCache', 'ExampleSet', 'list_examples', 'read_rgb',
    'mask_entropy', 'mil_class_scores', 'mil_loss', 'normalised_targets',
    'select_bad_masks', 'student_loss', 'topk_count', 'uncertainty_loss',
    'mask_iou', 'mask_nms', 'MaskEmbeddings', 'SamMaskEmbedder',
    'capture_mask_tokens', 'uniform_point_grid', 'USamTrainConfig',
    'USamTrainer', 'load_classifier'
]
