"""Visual reports of pseudo labels: sheets, charts and an HTML index.

Only matplotlib (Agg, no pyplot state), numpy and Pillow are needed; mmseg
is imported only to read class names from a dataset config.
"""
from .charts import plot_class_frequency, plot_confusion_matrix, plot_iou_bars
from .class_names import load_class_names, metainfo_from_config
from .files import MatchedFiles, match_files, read_image, read_label
from .html_index import write_index_html
from .metrics import (confusion_matrix, iou_from_confusion, mean_iou,
                      row_normalize)
from .palette import colorize_label, load_palette, resolve_palette, voc_palette
from .report import report_pseudo_labels, select_images
from .scan import ScanResult, scan_labels
from .sheet import SheetLayout, SheetRow, render_sheet, sheet_layout

__all__ = [
    'MatchedFiles', 'ScanResult', 'SheetLayout', 'SheetRow', 'colorize_label',
    'confusion_matrix', 'iou_from_confusion', 'load_class_names',
    'load_palette', 'match_files', 'mean_iou', 'metainfo_from_config',
    'plot_class_frequency', 'plot_confusion_matrix', 'plot_iou_bars',
    'read_image', 'read_label', 'render_sheet', 'report_pseudo_labels',
    'resolve_palette', 'row_normalize', 'scan_labels', 'select_images',
    'sheet_layout', 'voc_palette', 'write_index_html'
]
