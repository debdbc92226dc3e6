"""Atomic writes: no partial or temporary file, the umask's permissions."""
import os
import stat

import pytest

from mmseg_zsl.utils.files import (atomic_write, atomic_write_bytes,
                                   image_stem, remove_stale_temp_files)


def test_atomic_write_leaves_no_temp_file(tmp_path):
    path = str(tmp_path / 'x.bin')
    atomic_write_bytes(path, b'abc')
    atomic_write_bytes(path, b'def')
    assert os.listdir(tmp_path) == ['x.bin']
    assert open(path, 'rb').read() == b'def'


def test_a_failed_write_keeps_the_old_file_and_no_temp(tmp_path):
    path = str(tmp_path / 'x.bin')
    atomic_write_bytes(path, b'old')

    def fail(file):
        file.write(b'half')
        raise RuntimeError('disk full')

    with pytest.raises(RuntimeError, match='disk full'):
        atomic_write(path, fail)
    assert os.listdir(tmp_path) == ['x.bin']
    assert open(path, 'rb').read() == b'old'


def test_new_files_get_the_permissions_open_would_give(tmp_path):
    """0666 minus the umask (022 -> 0644), as open() creates files; the
    temporary file of mkstemp alone would leave 0600."""
    path = str(tmp_path / 'label.png')
    with open(tmp_path / 'reference', 'w'):
        pass
    atomic_write_bytes(path, b'x')
    expected = stat.S_IMODE(os.stat(tmp_path / 'reference').st_mode)
    assert stat.S_IMODE(os.stat(path).st_mode) == expected
    assert expected & 0o044  # readable by group and others under umask 022


def test_stale_temp_files_are_removed(tmp_path):
    (tmp_path / '.a.png.x1.tmp').write_bytes(b'')
    (tmp_path / 'kept.png').write_bytes(b'')
    assert remove_stale_temp_files(str(tmp_path)) == 1
    assert os.listdir(tmp_path) == ['kept.png']


def test_image_stem():
    assert image_stem('/data/JPEGImages/2007_000032.jpg') == '2007_000032'
    assert image_stem('a.b.png') == 'a.b'
