"""``index.html`` of a report: summary, charts, sheets, per-image scores."""
import html
import math
from typing import Dict, List, Optional, Sequence, Tuple

from mmseg_zsl.utils.files import atomic_write_text

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
img { max-width: 100%; border: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
.charts a { display: inline-block; margin: 0 1em 1em 0; vertical-align: top; }
.charts img { max-height: 600px; }
"""


def _link_image(href: str, caption: str) -> str:
    href = html.escape(href, quote=True)
    return (f'<a href="{href}"><img src="{href}" alt="{html.escape(caption)}"'
            f' title="{html.escape(caption)}"></a>')


def _score(value: Optional[float]) -> str:
    if value is None or math.isnan(value):
        return 'n/a'
    return f'{value:.2f}'


def write_index_html(out_file: str,
                     summary: Sequence[Tuple[str, str]],
                     charts: Dict[str, str],
                     sheets: Sequence[str],
                     rows: Sequence[Tuple[str, Optional[float], str]],
                     title: str = 'Pseudo-label report') -> None:
    """Write a static page that shows and links every chart and sheet.

    Args:
        out_file (str): The ``index.html`` to write; links are relative to
            its directory.
        summary (Sequence[tuple[str, str]]): ``(field, value)`` lines shown
            at the top.
        charts (dict[str, str]): Caption to chart file name.
        sheets (Sequence[str]): Sheet file names, in order.
        rows (Sequence[tuple]): ``(stem, mIoU or None, sheet file)`` of each
            shown image, in order.
        title (str): Page title. Defaults to 'Pseudo-label report'.
    """
    parts: List[str] = [
        '<!DOCTYPE html>', '<html><head><meta charset="utf-8">',
        f'<title>{html.escape(title)}</title>',
        f'<style>{_STYLE}</style></head><body>',
        f'<h1>{html.escape(title)}</h1>', '<table>'
    ]
    parts += [
        f'<tr><th>{html.escape(key)}</th><td>{html.escape(value)}</td></tr>'
        for key, value in summary
    ]
    parts.append('</table>')
    if charts:
        parts.append('<h2>Charts</h2><div class="charts">')
        parts += [_link_image(path, caption)
                  for caption, path in charts.items()]
        parts.append('</div>')
    parts.append('<h2>Sheets</h2><p>')
    parts.append(' &middot; '.join(
        f'<a href="{html.escape(sheet, quote=True)}">{html.escape(sheet)}</a>'
        for sheet in sheets))
    parts.append('</p>')
    for sheet in sheets:
        parts.append(f'<h3>{html.escape(sheet)}</h3>')
        parts.append(_link_image(sheet, sheet))
    parts.append('<h2>Images shown</h2><table>'
                 '<tr><th>#</th><th>image</th><th>mIoU (%)</th>'
                 '<th>sheet</th></tr>')
    for number, (stem, miou, sheet) in enumerate(rows, 1):
        link = html.escape(sheet, quote=True)
        parts.append(f'<tr><td>{number}</td><td>{html.escape(stem)}</td>'
                     f'<td>{_score(miou)}</td><td><a href="{link}">'
                     f'{html.escape(sheet)}</a></td></tr>')
    parts.append('</table></body></html>')
    atomic_write_text(out_file, '\n'.join(parts) + '\n')
