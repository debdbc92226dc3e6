"""Error rates of the simulated zero-shot (SAM + CLIP) pseudo labels."""
from dataclasses import asdict, dataclass, fields
from typing import Dict

#: rate = slope * (1 - quality) for each quality-driven rate.
QUALITY_SLOPES: Dict[str, float] = dict(
    swap_rate=0.3,
    miss_rate=0.25,
    small_miss_rate=1.0,
    boundary_rate=1.0,
    background_fp_rate=0.06)


@dataclass
class PseudoLabelNoise:
    """What can go wrong with a zero-shot label, and how often.

    The rates are probabilities per segment (object or background region),
    so errors are whole segments or whole rims, never pixel noise. All
    default to 0 (perfect labels); :meth:`from_quality` sets the rates from
    one knob.

    Args:
        swap_rate (float): an object's whole visible segment gets a wrong
            class (CLIP misclassifies the SAM segment). Defaults to 0.
        miss_rate (float): an object gets ``unassigned_label`` (SAM gives no
            mask, or CLIP's similarity stays under the threshold).
            Defaults to 0.
        small_miss_rate (float): an object smaller than ``small_area_frac``
            of the image is lost (SAM rarely segments tiny objects).
            Defaults to 0.
        boundary_rate (float): an object's mask is dilated (spills over its
            neighbours) or eroded (its rim becomes ``unassigned_label``).
            Defaults to 0.
        background_fp_rate (float): a background region (one of
            ``background_segments`` Voronoi cells of the background, standing
            in for SAM's background segments) gets a random object class.
            Defaults to 0.
        small_area_frac (float): "small" threshold as a fraction of the
            image's pixels (0.01 -> 92 pixels at 96x96). Defaults to 0.01.
        min_boundary_px (int): smallest dilation / erosion radius (a
            digital disk). Defaults to 1.
        max_boundary_px (int): largest radius; radii are drawn uniformly
            from min_boundary_px..max_boundary_px. Defaults to 2.
        dilate_prob (float): share of boundary errors that dilate (the
            rest erode). Defaults to 0.5.
        confusion_bias (float): share of wrong classes that go to the
            class's fixed confusable partner (CLIP's errors are systematic);
            the rest are uniform over the other object classes.
            Defaults to 0.5.
        background_segments (int): background regions per image.
            Defaults to 16.
    """
    swap_rate: float = 0.0
    miss_rate: float = 0.0
    small_miss_rate: float = 0.0
    boundary_rate: float = 0.0
    background_fp_rate: float = 0.0
    small_area_frac: float = 0.01
    min_boundary_px: int = 1
    max_boundary_px: int = 2
    dilate_prob: float = 0.5
    confusion_bias: float = 0.5
    background_segments: int = 16

    def __post_init__(self) -> None:
        for name in ('swap_rate', 'miss_rate', 'small_miss_rate',
                     'boundary_rate', 'background_fp_rate', 'small_area_frac',
                     'confusion_bias', 'dilate_prob'):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f'{name} must be in [0, 1], got {value}.')
        if not 1 <= self.min_boundary_px <= self.max_boundary_px:
            raise ValueError(
                'need 1 <= min_boundary_px <= max_boundary_px, got '
                f'{self.min_boundary_px} and {self.max_boundary_px}.')
        if self.background_segments < 1:
            raise ValueError('background_segments must be >= 1, got '
                             f'{self.background_segments}.')

    @classmethod
    def from_quality(cls, quality: float, **overrides) -> 'PseudoLabelNoise':
        """Rates from one knob: ``rate = slope * (1 - quality)``.

        Slopes (:data:`QUALITY_SLOPES`): swap 0.3, miss 0.25, small-object
        loss 1.0, boundary 1.0, background false positive 0.06. quality 1
        gives perfect labels. Any field can be overridden by keyword.

        Args:
            quality (float): in [0, 1].
            **overrides: fields of :class:`PseudoLabelNoise` to set directly.

        Returns:
            PseudoLabelNoise: the noise model.
        """
        if not 0.0 <= quality <= 1.0:
            raise ValueError(f'quality must be in [0, 1], got {quality}.')
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f'Unknown noise options {sorted(unknown)}; '
                            f'expected some of {sorted(known)}.')
        rates = {
            name: slope * (1.0 - quality)
            for name, slope in QUALITY_SLOPES.items()
        }
        rates.update(overrides)
        return cls(**rates)

    def to_dict(self) -> Dict:
        """The fields as a plain dict."""
        return asdict(self)
