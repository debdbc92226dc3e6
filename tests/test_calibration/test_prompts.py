"""Synonym files and prompt candidates."""
import pytest

from mmseg_zsl.calibration import PromptSpace, class_candidates, read_synonyms
from ._cache import FakeEncoder


def test_read_synonyms(tmp_path):
    path = tmp_path / 'syn.txt'
    path.write_text('# comment\n\npottedplant: potted plant, house plant,'
                    ' potted plant\ntvmonitor : television\n')
    assert read_synonyms(str(path)) == {
        'pottedplant': ['potted plant', 'house plant'],
        'tvmonitor': ['television']
    }


@pytest.mark.parametrize('text, match', [
    ('cat\n', "expected 'class: synonym1"),
    ('cat:\n', "expected 'class: synonym1"),
    ('cat: kitty\ncat: feline\n', 'listed twice'),
    ('horse: pony\n', 'not a class queried with text'),
])
def test_read_synonyms_rejects_bad_lines(tmp_path, text, match):
    path = tmp_path / 'syn.txt'
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        read_synonyms(str(path), known=['cat', 'dog'])


def test_missing_synonym_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='class: synonym1'):
        read_synonyms(str(tmp_path / 'none.txt'))


def test_class_candidates_cross_templates_and_names():
    names = [
        c.name for c in class_candidates('cat', ['a photo of a cat.'],
                                         ['kitty'],
                                         ['a photo of a {}.', 'a {}.'])
    ]
    # The single-template 'a photo of a cat.' repeats the default: dropped.
    assert names == [
        'default', 'cat: all templates', 'a cat.', 'kitty: all templates',
        'a photo of a kitty.', 'a kitty.'
    ]


def test_prompt_space_encodes_every_candidate_once():
    encoder = FakeEncoder()
    space = PromptSpace.build(['cat', 'dog'], ['cat', 'dog'],
                              [['a photo of a cat.'], ['a photo of a dog.']],
                              encoder, {'dog': ['puppy']},
                              ['a photo of a {}.'])
    assert [len(c) for c in space.candidates] == [1, 2]
    assert encoder.calls == 1
    assert space.prompts([0, 1]) == [['a photo of a cat.'],
                                     ['a photo of a puppy.']]
    assert tuple(space.text_embeddings([0, 1]).shape) == (2, 8)
    off = PromptSpace.build(['cat'], ['cat'], [['x {}'.format('cat')]],
                            encoder, search=False)
    assert [c.name for c in off.candidates[0]] == ['default']


def test_prompt_space_rejects_synonyms_of_unknown_classes():
    with pytest.raises(ValueError, match='not queried with text'):
        PromptSpace.build(['cat'], ['cat'], [['a photo of a cat.']],
                          FakeEncoder(), {'background': ['sky']})
