"""tools/benchmark_annotate.py: stock, exact and fast tiers side by side."""
import importlib.util
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.e2e
def test_compare_stock_and_fast_tier(capsys, tmp_path):
    spec = importlib.util.spec_from_file_location(
        'benchmark_annotate', osp.join(ROOT, 'tools', 'benchmark_annotate.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    results = tool.main([
        '--random-init', 'tiny', '--num-images', '2', '--warmup', '0',
        '--height', '60', '--width', '80', '--compare-stock', '--precision',
        'fast', '--device', 'cpu', '--out', str(tmp_path / 'r.json')
    ])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].startswith('speedup ')
    assert lines[-2].endswith('outputs identical: yes')
    assert lines[-1].startswith('fast tier ') and 'agreement' in lines[-1]
    assert results['identical'] is True
    agreement = results['fast_agreement']
    assert 0.0 <= agreement['label_pixel_agreement'] <= 1.0
    assert set(results['tiers']) == {'stock', 'exact', 'fast'}
    assert (tmp_path / 'r.json').is_file()
