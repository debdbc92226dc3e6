"""The prompted mode and its command-line flags (no SAM run)."""
import argparse
import json

import pytest

from mmseg_zsl.apis import ImageSource, get_mode
from mmseg_zsl.apis.cli import (add_input_arguments, add_label_arguments,
                                add_model_arguments, add_prompted_arguments,
                                add_usam_arguments, mode_options)
from mmseg_zsl.apis.modes.prompted import (build_prompt_source,
                                           guess_prompt_format)

CLASSES = ['background', 'cat', 'car']
NO_IMAGES = ImageSource(paths=[], kind='folder', location='.')


def build(kind, **options):
    return get_mode(kind).build(kind, NO_IMAGES, 'cpu', **options)


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
        build('boxes', prompt_file=str(tmp_path), classes=CLASSES,
              random_init='tiny', scribble_ratio=0.5)
    with pytest.raises(ValueError, match="Unknown annotation mode 'clicks'"):
        build('clicks', prompt_file=str(tmp_path), classes=CLASSES)
    with pytest.raises(ValueError, match=r"\['threshold'\] do not apply"):
        build('points', prompt_file=str(tmp_path), threshold=0.2)


def parse(argv):
    """tools/annotate.py's flags (the CLI layer)."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--prompts')
    parser.add_argument('--settings')
    add_label_arguments(parser)
    add_input_arguments(parser)
    add_model_arguments(parser)
    add_prompted_arguments(parser)
    add_usam_arguments(parser)
    return parser.parse_args(argv)


def test_cli_flags_default_to_none_and_reach_the_annotator(tmp_path):
    args = parse(['--prompts', 'points'])
    flags = ('prompt_file', 'prompt_format', 'mask_choice', 'scribble_ratio',
             'prompt_seed', 'negative_points', 'iterative',
             'points_per_round', 'boxes_per_batch', 'skip_difficult',
             'include_crowd', 'on_missing_prompts')
    assert all(getattr(args, name) is None for name in flags)
    with pytest.raises(ValueError, match='needs --prompt-file'):
        build('points', classes=CLASSES, **mode_options(args))
    classes = tmp_path / 'classes.txt'
    classes.write_text('\n'.join(CLASSES) + '\n')
    args = parse([
        '--prompts', 'scribbles', '--classes',
        str(classes), '--random-init', 'tiny', '--device', 'cpu',
        '--prompt-file',
        str(tmp_path), '--mask-choice', 'best', '--scribble-ratio', '0.5',
        '--prompt-seed', '3', '--no-negative-points', '--iterative'
    ])
    setup = build('scribbles', **mode_options(args))
    annotator, settings = setup.annotator, setup.manifest
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
        build('points', classes=CLASSES, **mode_options(
            parse(['--prompts', 'points', '--prompt-file',
                   str(tmp_path), '--boxes-per-batch', '8'])))
    # flags of another mode are an error of the command line
    with pytest.raises(ValueError, match=r"\['--usam-checkpoint'\] do not"):
        mode_options(parse(['--prompts', 'points', '--usam-checkpoint', 'x']))
    with pytest.raises(ValueError, match=r"\['--points-per-side'\]"):
        mode_options(parse(['--prompts', 'boxes', '--points-per-side', '4']))
