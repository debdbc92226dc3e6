"""End-to-end runs of tools/report_pseudo_labels.py as a user runs it."""
import json
import os
import re
import runpy
import subprocess
import sys

import numpy as np
import pytest

from ..test_visualization._data import blank_image, dirs, write_item

TOOL = os.path.join(
    os.path.dirname(__file__), '..', '..', 'tools', 'report_pseudo_labels.py')


def _run(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.e2e
def test_tool_with_dataset_config(tmp_path):
    person = np.full((6, 8), 15, np.uint8)  # VOC class 15 = person
    person[:, :4] = 0
    write_item(tmp_path, 'a', blank_image(6, 8), person, person)
    write_item(tmp_path, 'b', blank_image(6, 8), np.zeros_like(person),
               person)
    config = tmp_path / 'voc.py'
    config.write_text("train_dataloader = dict(dataset=dict("
                      "type='PascalVOCDataset', ann_file='x.txt'))\n")
    pseudo, img, gt = dirs(tmp_path)
    out = tmp_path / 'report'
    result = _run(pseudo, '--img-dir', img, '--gt-dir', gt, '--out', out,
                  '--config', config, '--num', 1)
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    # a is perfect; b: background IoU 24/48 = 50, person 0 -> 25 (worst).
    # Both images: background TP 48 / union (48 + 72 - 48) = 66.67, person
    # TP 24 / union (48 + 24 - 24) = 50 -> mIoU 58.33.
    assert summary.startswith('Report: 1 of 2 images shown on 1 sheet, '
                              'pseudo-label mIoU 58.33% over 2 images')
    report = json.loads((out / 'report.json').read_text())
    assert report['shown'] == ['b'] and report['classes'][15] == 'person'
    assert (out / 'index.html').is_file()


@pytest.mark.e2e
def test_unreadable_label_is_listed_and_the_others_reported(tmp_path):
    """Before: the first unreadable label stopped the whole report (1)."""
    person = np.full((6, 8), 15, np.uint8)
    person[:, :4] = 0
    write_item(tmp_path, 'a', blank_image(6, 8), person, person)
    write_item(tmp_path, 'b', blank_image(6, 8), person, person)
    write_item(tmp_path, 'c', blank_image(6, 8), np.zeros_like(person),
               person)
    pseudo, img, gt = dirs(tmp_path)
    broken = os.path.join(pseudo, 'b.png')
    with open(broken, 'wb') as file:
        file.write(b'not a png')
    out = tmp_path / 'report'
    args = [pseudo, '--img-dir', img, '--gt-dir', gt, '--out', out,
            '--classes', tmp_path / 'classes.txt']
    (tmp_path / 'classes.txt').write_text('\n'.join(
        ['background'] + [f'c{i}' for i in range(1, 16)]) + '\n')
    result = _run(*args)
    assert result.returncode == 3, result.stderr
    # a and c are the two images of the test above: mIoU 58.33 (by hand
    # there); without b, which would have added a perfect image.
    summary = result.stdout.strip().splitlines()[-1]
    assert 'pseudo-label mIoU 58.33% over 2 images' in summary
    failures = json.loads((out / 'failures.json').read_text())
    assert (failures['total'], failures['failed']) == (3, 1)
    assert failures['items'][0]['path'] == broken
    assert str(out / 'failures.json') in result.stderr
    report = json.loads((out / 'report.json').read_text())
    assert sorted(report['shown']) == ['a', 'c']
    assert _run(*args, '--allow-failures').returncode == 0


def test_tool_reports_bad_index_with_advice(tmp_path, monkeypatch, capsys):
    # Run in-process (runpy, as `python tools/...` would) to save a second
    # interpreter start; the error reaches the user as one line.
    write_item(tmp_path, 'a', blank_image(4, 4), np.full((4, 4), 7,
                                                         np.uint8))
    names = tmp_path / 'classes.txt'
    names.write_text('background\ncat\n')
    pseudo, img, _ = dirs(tmp_path)
    monkeypatch.setattr(sys, 'path', list(sys.path))  # the tool edits it
    monkeypatch.setattr(sys, 'argv', [
        TOOL, pseudo, '--img-dir', img, '--out',
        str(tmp_path / 'out'), '--classes',
        str(names)
    ])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(TOOL, run_name='__main__')
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert re.search(r'holds class index \[7\], but only 2 class', error)
    assert len(error.strip().splitlines()) == 1
