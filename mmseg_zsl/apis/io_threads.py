"""Reading ahead and writing behind the annotation loop, on threads.

The engine's loop keeps the device busy with SAM and CLIP while
:class:`ImagePrefetcher` reads and decodes the next images and
:class:`OutputWriter` serialises and writes the finished ones (cache first,
then label, each atomically: the resume rule of
:mod:`mmseg_zsl.annotation.output_dir` holds at every moment). With
``threads=0`` both work inline, in the calling thread; the files are the
same either way. An error on a worker thread is raised in the loop's
thread, at its next call or at :meth:`OutputWriter.close`.
"""
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Deque, Optional, Sequence

import numpy as np

from mmseg_zsl.annotation.cache import ImageRecord
from mmseg_zsl.annotation.output_dir import write_label


class ImagePrefetcher:
    """Reads ``paths`` in order, up to ``threads`` images ahead.

    Args:
        paths (Sequence[str]): The images, in the order :meth:`next` is
            called for them.
        read (Callable): Path -> image.
        threads (int): Reader threads (0: read in :meth:`next`).
    """

    def __init__(self, paths: Sequence[str], read: Callable[[str], np.ndarray],
                 threads: int) -> None:
        from collections import deque
        self._paths = list(paths)
        self._read = read
        self._next = 0
        self._pending: Deque[Future] = deque()
        self._pool = ThreadPoolExecutor(threads) if threads > 0 else None
        self._ahead = max(1, threads)
        self._fill()

    def _fill(self) -> None:
        while self._pool is not None and len(self._pending) < self._ahead \
                and self._next + len(self._pending) < len(self._paths):
            path = self._paths[self._next + len(self._pending)]
            self._pending.append(self._pool.submit(self._read, path))

    def next(self, path: str) -> np.ndarray:
        """The image of ``path``, the next one of the list (its read error
        is raised here)."""
        if self._paths[self._next] != path:
            raise RuntimeError(f'images must be taken in order: expected '
                               f'{self._paths[self._next]}, got {path}')
        self._next += 1
        if self._pool is None:
            return self._read(path)
        future = self._pending.popleft()
        self._fill()
        return future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> 'ImagePrefetcher':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class OutputWriter:
    """Writes caches and labels in submission order, on one thread.

    Args:
        threads (int): 0 writes inline in :meth:`submit`; more uses one
            writer thread with that many jobs queued at most.
    """

    def __init__(self, threads: int) -> None:
        self._error: Optional[BaseException] = None
        self._raised = False
        self._queue: Optional[queue.Queue] = None
        if threads > 0:
            self._queue = queue.Queue(maxsize=threads)
            self._thread = threading.Thread(
                target=self._work, name='annotation-writer', daemon=True)
            self._thread.start()

    @staticmethod
    def _write(cache_file: Optional[str], record: Optional[ImageRecord],
               label_file: str, label_map: np.ndarray) -> None:
        if record is not None:  # the cache first: a label implies a cache
            record.save(cache_file)
        write_label(label_file, label_map)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._error is None:  # after an error, drain without work
                try:
                    self._write(*job)
                except BaseException as error:  # raised in the loop
                    self._error = error

    def _raise(self) -> None:
        """Raise the writer's error, once (the writer stays stopped)."""
        if self._error is not None and not self._raised:
            self._raised = True
            raise self._error

    def submit(self, cache_file: Optional[str],
               record: Optional[ImageRecord], label_file: str,
               label_map: np.ndarray) -> None:
        """Write ``record`` to ``cache_file`` (None: keep the cache), then
        ``label_map`` to ``label_file``."""
        self._raise()
        if self._queue is None:
            self._write(cache_file, record, label_file, label_map)
        else:
            self._queue.put((cache_file, record, label_file, label_map))

    def close(self) -> None:
        """Write what is queued, stop the thread, raise its error if any."""
        if self._queue is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise()

    def __enter__(self) -> 'OutputWriter':
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None:
            self.close()
        else:  # finish what was queued, keep the loop's own error
            try:
                self.close()
            except BaseException:
                pass
