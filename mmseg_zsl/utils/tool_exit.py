"""How the tools end: an exit status that says how the run went, and one
line for the errors a user can act on.

Exit statuses (docs/annotation.md, "Exit status"):

- 0 (:data:`EXIT_OK`): every item done, or skipped as already done;
- 1 (:data:`EXIT_COULD_NOT_START`): an error a user can fix stopped the run;
- 2 (:data:`EXIT_BAD_ARGUMENTS`): bad command-line arguments;
- 3 (:data:`EXIT_FAILURES`): finished with failed items (listed in the
  output directory's ``failures.json``); ``--allow-failures`` makes it 0;
- 130 (:data:`EXIT_INTERRUPTED`): Ctrl-C.

Bad paths, bad options and refused resumes raise ``ValueError`` or an
``OSError`` whose message names the problem and what to do; a tool run
through :func:`run_tool` prints that message as one line and exits with
status 1, without a traceback (``MMSEG_ZSL_DEBUG=1`` shows it). Ctrl-C
prints one line too, saying whether the same command resumes the run.
"""
import argparse
import os
import os.path as osp
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, List

#: The errors library code raises for input a user can fix.
EXPECTED_ERRORS = (ValueError, OSError)

EXIT_OK = 0
EXIT_COULD_NOT_START = 1
EXIT_BAD_ARGUMENTS = 2
EXIT_FAILURES = 3
EXIT_INTERRUPTED = 130


def exit_status_help(item: str = 'image', out_dir: str = 'OUT_DIR') -> str:
    """The ``--help`` epilog of a tool with ``--allow-failures``.

    Args:
        item (str): What the tool's items are, singular ('image').
        out_dir (str): The name of its output directory in its usage.
    """
    return (f'exit status: {EXIT_OK} every {item} done or skipped as done; '
            f'{EXIT_COULD_NOT_START} could not start (one line says why); '
            f'{EXIT_BAD_ARGUMENTS} bad arguments; {EXIT_FAILURES} finished '
            f'with failures (listed in {out_dir}/failures.json); '
            f'{EXIT_INTERRUPTED} interrupted (docs/annotation.md, "Exit '
            'status")')


def allow_failures_help(item: str = 'image', out_dir: str = 'OUT_DIR') -> str:
    """Help of the ``--allow-failures`` flag (arguments as above)."""
    return (f'exit with status 0 even if some {item}s failed (default: '
            f'status {EXIT_FAILURES}; the failed {item}s and reasons are '
            f'listed in {out_dir}/failures.json either way)')


class ToolArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, not the usage.

    argparse prints the whole usage (40 lines for ``annotate.py``) above a
    bad option's message; the message and a pointer to ``--help`` are what
    a user acts on. Exits with status 2, as argparse does.
    """

    def error(self, message: str) -> None:
        self.exit(EXIT_BAD_ARGUMENTS, f'{self.prog}: error: {message} '
                  '(--help lists the options)\n')


def finished_status(summary, out_dir: str, allow_failures: bool = False,
                    report: bool = True) -> int:
    """The exit status of a finished run, and what to tell about failures.

    Args:
        summary (RunSummary): All ranks' merged summary (``failed``: a list
            of ``[path, reason]``); the engine has written ``failures.json``.
        out_dir (str): The run's output directory.
        allow_failures (bool): Return 0 even with failures.
        report (bool): Print where the list is (rank 0 only; every rank
            calls this so that every rank exits with the same status).

    Returns:
        int: :data:`EXIT_OK` or :data:`EXIT_FAILURES`.
    """
    # lazily: train.py imports this module, and training never imports the
    # annotation package (tests/test_package.py)
    from mmseg_zsl.annotation.output_dir import FAILURES_NAME
    failed = len(summary.failed)
    if not failed:
        return EXIT_OK
    if report:
        name = osp.basename(sys.argv[0])
        path = osp.join(out_dir, FAILURES_NAME)
        print(f'{name}: {failed} of {summary.total} images failed; each '
              f'with its reason in {path}', file=sys.stderr, flush=True)
        if summary.done + summary.skipped == 0:
            # Nothing worked at all: a wrong path is the likely cause, not
            # a few bad images.
            print(f'{name}: every image failed: this looks like a wrong '
                  'path (--data-root, the input, or the image folder)',
                  file=sys.stderr, flush=True)
        if not allow_failures:
            print(f'{name}: exit status {EXIT_FAILURES} (finished with '
                  'failures; --allow-failures exits with 0)',
                  file=sys.stderr, flush=True)
    return EXIT_OK if allow_failures else EXIT_FAILURES


def finish_items(out_dir: str, mode: str, done: int, failed: List[List[str]],
                 allow_failures: bool = False) -> int:
    """:func:`finished_status` for a tool outside the annotation engine:
    writes (or clears) ``out_dir/failures.json`` as the engine does.

    Args:
        out_dir (str): Where the list goes (the tool's output directory).
        mode (str): The tool, recorded in the list.
        done (int): Items done.
        failed (list[list[str]]): ``[item, reason]`` of the failed items.
        allow_failures (bool): Return 0 even with failures.

    Returns:
        int: :data:`EXIT_OK` or :data:`EXIT_FAILURES`.
    """
    from mmseg_zsl.annotation.output_dir import write_failures
    from mmseg_zsl.apis.summary import RunSummary  # apis imports this module
    total = done + len(failed)
    write_failures(out_dir, mode, total, failed)
    return finished_status(
        RunSummary(mode=mode, total=total, done=done, failed=failed),
        out_dir, allow_failures)


#: Set by tools/torchrun.sh (the dist_*.sh scripts): torchrun exits 1
#: whatever its workers' status, so a tool that ends with a non-zero status
#: writes it here for the script to exit with.
STATUS_FILE_VARIABLE = 'MMSEG_ZSL_STATUS_FILE'


def _tell_launcher(status: int) -> None:
    """Write a non-zero ``status`` for tools/torchrun.sh, if it asked."""
    from .files import atomic_write_text
    status_file = os.environ.get(STATUS_FILE_VARIABLE)
    if status and status_file:
        # Ranks that fail write the same file; atomic writes cannot mix.
        atomic_write_text(status_file, f'{status}\n')


def exit_tool(status: int) -> None:
    """End a tool with ``status`` (also under torchrun, through gloo).

    Args:
        status (int): What :func:`run_tool` returned.
    """
    from .cpu_distributed import exit_distributed_run
    _tell_launcher(status)
    exit_distributed_run(status)
    sys.exit(status)


@contextmanager
def launcher_status() -> Iterator[None]:
    """Tell tools/torchrun.sh the status a failing block ends the process
    with, and let the exception go on unchanged (its traceback too).

    For ``tools/train.py`` and ``tools/test.py``, which keep mmseg's
    tracebacks rather than :func:`run_tool`'s one line: argparse's 2, 130 for
    Ctrl-C (what Python exits with when it dies of SIGINT), 1 for an error.
    """
    try:
        yield
    except SystemExit as stop:
        code = stop.code
        _tell_launcher(code if isinstance(code, int) else int(bool(code)))
        raise
    except KeyboardInterrupt:
        _tell_launcher(EXIT_INTERRUPTED)
        raise
    except BaseException:
        _tell_launcher(EXIT_COULD_NOT_START)
        raise


def run_tool(main: Callable[[], Any],
             resumable: bool = False) -> int:
    """Run a tool's ``main``, ending expected errors with one line.

    Args:
        main (Callable): The tool's entry point (reads ``sys.argv``); may
            return an exit status (anything but an int means 0).
        resumable (bool): Whether running the same command again continues
            an interrupted run (said on Ctrl-C).

    Returns:
        int: ``main``'s status, for the tool to exit with (after
        :func:`mmseg_zsl.utils.exit_distributed_run`, which needs it).
    """
    name = osp.basename(sys.argv[0])
    try:
        status = main()
        # Some mains return their results (eval_pseudo_labels: a dict).
        return status if isinstance(status, int) else EXIT_OK
    except KeyboardInterrupt:
        how = ('run the same command again to resume' if resumable else
               'nothing was left half written')
        print(f'{name}: interrupted; {how}', file=sys.stderr, flush=True)
        sys.exit(EXIT_INTERRUPTED)
    except EXPECTED_ERRORS as error:
        if os.environ.get('MMSEG_ZSL_DEBUG'):
            raise
        message = ' '.join(str(error).split())
        print(f'{name}: error: {message} (MMSEG_ZSL_DEBUG=1 shows the '
              'traceback)', file=sys.stderr, flush=True)
        sys.exit(EXIT_COULD_NOT_START)
