"""How the tools end: one line for the errors a user can act on.

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
from typing import Any, Callable

#: The errors library code raises for input a user can fix.
EXPECTED_ERRORS = (ValueError, OSError)


class ToolArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, not the usage.

    argparse prints the whole usage (40 lines for ``annotate.py``) above a
    bad option's message; the message and a pointer to ``--help`` are what
    a user acts on. Exits with status 2, as argparse does.
    """

    def error(self, message: str) -> None:
        self.exit(2, f'{self.prog}: error: {message} (--help lists the '
                  'options)\n')


def run_tool(main: Callable[[], Any], resumable: bool = False) -> None:
    """Run a tool's ``main``, ending expected errors with one line.

    Args:
        main (Callable): The tool's entry point (reads ``sys.argv``).
        resumable (bool): Whether running the same command again continues
            an interrupted run (said on Ctrl-C).
    """
    name = osp.basename(sys.argv[0])
    try:
        main()
    except KeyboardInterrupt:
        how = ('run the same command again to resume' if resumable else
               'nothing was left half written')
        print(f'{name}: interrupted; {how}', file=sys.stderr, flush=True)
        sys.exit(130)
    except EXPECTED_ERRORS as error:
        if os.environ.get('MMSEG_ZSL_DEBUG'):
            raise
        message = ' '.join(str(error).split())
        print(f'{name}: error: {message} (MMSEG_ZSL_DEBUG=1 shows the '
              'traceback)', file=sys.stderr, flush=True)
        sys.exit(1)
