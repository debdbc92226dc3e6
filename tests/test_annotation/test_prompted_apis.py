"""Library entry points of prompted annotation (no SAM run)."""
import argparse
import json

import pytest

from mmseg_zsl.apis.prompted import (add_prompted_arguments,
                                     build_prompt_source,
                                     build_prompted_annotation,
                                     guess_prompt_format,
                                     make_prompted_annotation)

CLASSES = ['background', 'cat', 'car']


def test_prompt_format_is_guessed_from_the_path(tmp_path):
    voc = tmp_path / 'Annotations'
    voc.mkdir()
    (voc / 'a.xml').write_text('<annotation/>')
    coco = tmp_path / 'instances.json'
    coco.write_text(json.dumps(dict(images=[], annotations=[],
                                    categories=[])))
    single = tmp_path / 'prompts.json'
    single.write_text(json.dumps({'images': {'a': {}}}))
    folder = tmp_path / 'prompts'
    folder.mkdir()
    assert guess_prompt_format(str(voc)) == 'voc-xml'
    assert guess_prompt_format(str(coco)) == 'coco-json'
    assert guess_prompt_format(str(single)) == 'prompt-json'
    assert guess_prompt_format(str(folder)) == 'prompt-json'
    with pytest.raises(FileNotFoundError, match='--prompt-file'):
        guess_prompt_format(str(tmp_path / 'nope'))
    with pytest.raises(ValueError, match=r"\['include_crowd'\] do not apply"):
        build_prompt_source(str(voc), CLASSES, include_crowd=True)


def test_options_that_do_not_apply_are_errors(tmp_path):
    with pytest.raises(ValueError, match=r"\['scribble_ratio'\].*boxes"):
        make_prompted_annotation(
            'boxes', str(tmp_path), CLASSES, random_init='tiny',
            annotator_options=dict(scribble_ratio=0.5))
    with pytest.raises(ValueError, match='prompts must be one of'):
        make_prompted_annotation('clicks', str(tmp_path), CLASSES)


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('--prompts')
    parser.add_argument('--classes', nargs='+')
    parser.add_argument('--random-init')
    parser.add_argument('--device')
    add_prompted_arguments(parser)
    return parser.parse_args(argv)


def test_cli_flags_default_to_none_and_reach_the_annotator(tmp_path):
    args = parse(['--prompts', 'points'])
    flags = ('prompt_file', 'prompt_format', 'mask_choice', 'scribble_ratio',
             'prompt_seed', 'negative_points', 'iterative',
             'points_per_round', 'boxes_per_batch', 'skip_difficult',
             'include_crowd', 'on_missing_prompts')
    assert all(getattr(args, name) is None for name in flags)
    with pytest.raises(ValueError, match='needs --prompt-file'):
        build_prompted_annotation(args)
    args = parse([
        '--prompts', 'scribbles', '--classes', *CLASSES, '--random-init',
        'tiny', '--device', 'cpu', '--prompt-file',
        str(tmp_path), '--mask-choice', 'best', '--scribble-ratio', '0.5',
        '--prompt-seed', '3', '--no-negative-points', '--iterative'
    ])
    annotator, labeler, settings = build_prompted_annotation(args)
    assert annotator.kind == 'scribbles'
    assert (annotator.mask_choice, annotator.scribble_ratio, annotator.seed,
            annotator.negative_points, annotator.iterative) == ('best', 0.5,
                                                                3, False,
                                                                True)
    assert annotator.points_per_round == 1  # the class default
    assert settings['annotator'] == 'scribbles'
    assert settings['labels'] == dict(
        classes=CLASSES, background_names=['background'],
        unassigned_label=0)
    assert settings['models']['sam']['checkpoint'] is None
    with pytest.raises(ValueError, match=r"\['boxes_per_batch'\]"):
        build_prompted_annotation(
            parse(['--prompts', 'points', '--prompt-file',
                   str(tmp_path), '--boxes-per-batch', '8']))
