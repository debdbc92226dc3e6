"""Figures drawn without pyplot's state, and written atomically."""
from typing import Optional

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mmseg_zsl.utils.files import atomic_write


def new_figure(width: float,
               height: float,
               dpi: int,
               layout: Optional[str] = None) -> Figure:
    """Create a figure drawn by the Agg backend, without pyplot's state.

    Args:
        width (float): Width in inches.
        height (float): Height in inches.
        dpi (int): Pixels per inch.
        layout (str, optional): matplotlib layout engine, e.g.
            'constrained'. Defaults to None (axes placed by the caller).

    Returns:
        Figure: A figure whose ``savefig`` renders with Agg, whatever
        backend pyplot uses in the calling process.
    """
    fig = Figure(
        figsize=(width, height), dpi=dpi, facecolor='white', layout=layout)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str) -> None:
    """Save ``fig`` as a PNG at its own dpi, atomically."""
    # No bbox_inches='tight': the layout is computed, and pixel positions
    # must stay where it put them.
    atomic_write(
        path, lambda file: fig.savefig(
            file, format='png', dpi=fig.dpi, facecolor='white'))
