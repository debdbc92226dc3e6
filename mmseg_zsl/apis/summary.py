"""Counting what a run did and saying it in one line."""
from dataclasses import asdict, dataclass, field
from typing import Dict, List


@dataclass
class RunSummary:
    """What one rank (or all ranks, merged) did.

    Attributes:
        mode (str): 'annotate', 'relabel' or a mode with its own tool
            ('refine').
        total (int): Images given to this rank.
        done (int): Images labelled by this run.
        skipped (int): Images already done (resumed) and left as they were.
        failed (list[list[str]]): ``[path, reason]`` of images that could not
            be read (annotate) or have no cache (relabel).
        num_masks (int): Masks of the images done.
        seconds (float): Wall time of the loop.
        untrained_models (bool): Labels come from random-init models.
        ranks (int): Number of merged ranks.
    """
    mode: str
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: List[List[str]] = field(default_factory=list)
    num_masks: int = 0
    seconds: float = 0.0
    untrained_models: bool = False
    ranks: int = 1

    @property
    def masks_per_image(self) -> float:
        return self.num_masks / self.done if self.done else 0.0

    @property
    def seconds_per_image(self) -> float:
        return self.seconds / self.done if self.done else 0.0

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        text = (f'{self.mode}: {self.done} done, {self.skipped} skipped '
                f'(already done), {len(self.failed)} failed of {self.total} '
                f'images; {self.masks_per_image:.1f} masks/image, '
                f'{self.seconds_per_image:.2f} s/image, {self.seconds:.1f} s')
        if self.ranks > 1:
            text += f' over {self.ranks} processes'
        if self.untrained_models:
            text += ' [UNTRAINED random-init models: labels are meaningless]'
        return text

    def to_dict(self) -> Dict:
        return dict(
            asdict(self),
            masks_per_image=self.masks_per_image,
            seconds_per_image=self.seconds_per_image)

    @classmethod
    def merge(cls, summaries: List['RunSummary']) -> 'RunSummary':
        """All ranks together; seconds is the slowest rank's wall time.

        s/image is then the wall time per image of the whole job.
        """
        merged = cls(
            mode=summaries[0].mode,
            untrained_models=summaries[0].untrained_models,
            ranks=sum(s.ranks for s in summaries))
        for summary in summaries:
            merged.total += summary.total
            merged.done += summary.done
            merged.skipped += summary.skipped
            merged.failed += summary.failed
            merged.num_masks += summary.num_masks
            merged.seconds = max(merged.seconds, summary.seconds)
        return merged
