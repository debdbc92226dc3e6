"""The U-SAM classifier head: a 4-layer MLP on flattened mask tokens."""
from typing import Any, Dict, Sequence

from torch import Tensor, nn

#: Hidden widths of the 4-layer MLP (the paper gives only the depth).
DEFAULT_HIDDEN_CHANNELS = (512, 256, 128)


class MaskClassifier(nn.Module):
    """MLP ``theta``: one mask-token vector -> C class logits.

    Four linear layers with ReLU between them (U-SAM Sec. 3.5). It works on
    any leading shape, e.g. ``(N, d, 1024) -> (N, d, C)``.

    Args:
        in_channels (int): Length of a mask embedding (4 x 256 = 1024 for
            the real SAMs).
        num_classes (int): C, the user's object classes.
        hidden_channels (Sequence[int]): Widths of the 3 hidden layers.
            Defaults to (512, 256, 128).
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 hidden_channels: Sequence[int] = DEFAULT_HIDDEN_CHANNELS
                 ) -> None:
        super().__init__()
        hidden_channels = tuple(int(c) for c in hidden_channels)
        if len(hidden_channels) != 3:
            raise ValueError('The U-SAM head is a 4-layer MLP: give 3 hidden '
                             f'widths, got {hidden_channels}.')
        if in_channels < 1 or num_classes < 1 or min(hidden_channels) < 1:
            raise ValueError(
                'in_channels, num_classes and hidden widths must be '
                f'positive, got {in_channels}, {num_classes}, '
                f'{hidden_channels}.')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.hidden_channels = hidden_channels
        widths = (in_channels, ) + hidden_channels
        layers = []
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(width_in, width_out), nn.ReLU(inplace=True)]
        layers.append(nn.Linear(widths[-1], num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, embeddings: Tensor) -> Tensor:
        return self.layers(embeddings)

    def config(self) -> Dict[str, Any]:
        """Constructor arguments (stored in checkpoints)."""
        return dict(
            in_channels=self.in_channels,
            num_classes=self.num_classes,
            hidden_channels=list(self.hidden_channels))
