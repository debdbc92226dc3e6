"""Atomic file writing and image file names, shared by every package.

Every output file of the project is written through :func:`atomic_write`:
the data goes to a hidden temporary file next to the destination, which is
then renamed over it, so a killed process leaves the old file or the new
one, never a partial one (only a ``.<name>.*.tmp`` file, which
:func:`remove_stale_temp_files` clears). The new file gets the permissions
``open()`` would give it (0666 minus the umask), not ``mkstemp``'s 0600.
"""
import hashlib
import os
import os.path as osp
import tempfile
from typing import BinaryIO, Callable


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once: os.umask can only be read by setting it, which is not safe
#: while other threads create files.
_UMASK = _read_umask()


def atomic_write(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` atomically: ``write`` fills a binary file object.

    Args:
        path (str): Destination; its directory must exist.
        write (Callable): Called once with the open temporary file, e.g.
            ``lambda f: f.write(data)`` or ``lambda f: torch.save(obj, f)``.
    """
    directory = osp.dirname(osp.abspath(path))
    handle, tmp_path = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=directory)
    try:
        with os.fdopen(handle, 'wb') as file:
            write(file)
        os.chmod(tmp_path, 0o666 & ~_UMASK)
        os.replace(tmp_path, path)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda file: file.write(data))


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically."""
    atomic_write_bytes(path, text.encode('utf-8'))


def remove_stale_temp_files(directory: str) -> int:
    """Remove ``.*.tmp`` files left by killed runs; returns their count."""
    if not osp.isdir(directory):
        return 0
    stale = [
        name for name in os.listdir(directory)
        if name.startswith('.') and name.endswith('.tmp')
    ]
    for name in stale:
        try:
            os.remove(osp.join(directory, name))
        except FileNotFoundError:  # another process removed it first
            pass
    return len(stale)


def image_stem(path: str) -> str:
    """The file name of an image without its directory and extension: the
    key that links an image to its label, cache and prompts."""
    return osp.splitext(osp.basename(path))[0]


def file_sha256(path: str) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for block in iter(lambda: file.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
