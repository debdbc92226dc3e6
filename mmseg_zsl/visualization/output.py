"""Atomic writes of the report's files (a crash never leaves half a file)."""
import os
from typing import Optional

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


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


def _temp_path(path: str) -> str:
    # Same directory (os.replace must not cross file systems); created by
    # the writer, so it gets the usual umask permissions.
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f'.{name}.{os.getpid()}.tmp')


def save_figure(fig: Figure, path: str) -> None:
    """Save ``fig`` as a PNG at its own dpi, atomically."""
    tmp = _temp_path(path)
    try:
        # No bbox_inches='tight': the layout is computed, and pixel
        # positions must stay where it put them.
        fig.savefig(tmp, format='png', dpi=fig.dpi, facecolor='white')
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_text(path: str, text: str) -> None:
    """Write ``text`` as UTF-8, atomically."""
    tmp = _temp_path(path)
    try:
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
