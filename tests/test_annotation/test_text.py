"""Class files, prompts, thresholds and class text embeddings."""
import pytest
import torch

from mmseg_zsl.annotation import (ClassVocabulary, encode_class_prompts,
                                  read_class_file)


def write(tmp_path, text):
    path = tmp_path / 'classes.txt'
    path.write_text(text)
    return str(path)


def test_class_file_with_display_names_and_comments(tmp_path):
    names, display = read_class_file(
        write(tmp_path, '# VOC subset\nbackground\n\npottedplant\n'
              'tvmonitor: television\n'))
    assert names == ['background', 'pottedplant', 'tvmonitor']
    assert display == ['background', 'potted plant', 'television']


@pytest.mark.parametrize('text,message', [
    ('cat\ndog\ncat\n', "'cat' repeats line 1"),
    ('cat\ndog:\n', 'expected "name" or "name: display name"'),
    ('# only a comment\n\n', 'lists no class names'),
])
def test_bad_class_files(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_class_file(write(tmp_path, text))


def test_missing_class_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='one class name per line'):
        read_class_file(str(tmp_path / 'nope.txt'))


def test_vocabulary_skips_background_and_fills_templates():
    vocab = ClassVocabulary.build(
        ['background', 'cat', 'diningtable'],
        templates=['a photo of a {}.', 'a {} in the scene.'],
        class_prompts={'cat': ['a photo of a kitten.']})
    assert vocab.text_class_ids == [1, 2]
    assert vocab.prompts == [['a photo of a kitten.'],
                             ['a photo of a dining table.',
                              'a dining table in the scene.']]


@pytest.mark.parametrize('kwargs,error,message', [
    (dict(names=['cat', 'cat']), ValueError, 'unique'),
    (dict(names=['cat'], templates=['a photo of a cat']), ValueError,
     "exactly once"),
    (dict(names=['cat'], class_prompts={'dog': ['a dog']}), ValueError,
     r"unknown classes \['dog'\]"),
    (dict(names=['background']), ValueError, 'No class is left'),
])
def test_vocabulary_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        ClassVocabulary.build(**kwargs)


def test_thresholds_global_and_per_class():
    vocab = ClassVocabulary.build(['background', 'cat', 'dog', 'cow'])
    torch.testing.assert_close(vocab.thresholds(0.2), torch.full((3, ), 0.2))
    torch.testing.assert_close(
        vocab.thresholds({'default': 0.2, 'dog': 0.3}),
        torch.tensor([0.2, 0.3, 0.2]))
    with pytest.raises(ValueError, match=r"unknown or background.*'horse'"):
        vocab.thresholds({'horse': 0.1, 'default': 0.2})
    with pytest.raises(ValueError, match=r"No threshold for classes \['dog'"):
        vocab.thresholds({'cat': 0.1, 'cow': 0.1})


def test_class_embedding_is_normalised_mean_of_prompts():
    table = {
        'a': torch.tensor([1.0, 0.0]),
        'b': torch.tensor([0.0, 1.0]),
        'c': torch.tensor([0.6, 0.8]),
    }

    def encode(texts):
        return torch.stack([table[t] for t in texts])

    out = encode_class_prompts(encode, [['a', 'b'], ['c']])
    half = 0.5**0.5
    torch.testing.assert_close(out, torch.tensor([[half, half], [0.6, 0.8]]))
