"""Exit statuses and the failed images' list: one helper for every tool."""
import json
import os.path as osp

import pytest

from mmseg_zsl.annotation.output_dir import (FAILURES_NAME, read_manifest,
                                             write_failures, write_manifest)
from mmseg_zsl.apis.summary import RunSummary
from mmseg_zsl.utils.tool_exit import (EXIT_FAILURES, EXIT_OK,
                                       STATUS_FILE_VARIABLE, exit_tool,
                                       finished_status, launcher_status,
                                       run_tool)

FAILED = [['a.png', 'cannot read image'], ['b.png', 'no such file']]


def summary(done=0, skipped=0, failed=()):
    return RunSummary('annotate', total=done + skipped + len(failed),
                      done=done, skipped=skipped, failed=list(failed))


@pytest.mark.parametrize('done, skipped, failed, allow, status', [
    (2, 1, [], False, EXIT_OK),
    (0, 3, [], False, EXIT_OK),
    (2, 0, FAILED[:1], False, EXIT_FAILURES),
    (0, 0, FAILED, False, EXIT_FAILURES),
    (0, 0, FAILED, True, EXIT_OK),
])
def test_status(done, skipped, failed, allow, status):
    assert finished_status(summary(done, skipped, failed), 'out',
                           allow, report=False) == status


def test_report_says_where_and_a_wrong_path(capsys, tmp_path):
    finished_status(summary(failed=FAILED), str(tmp_path))
    err = capsys.readouterr().err
    assert f'2 of 2 images failed; each with its reason in ' \
           f'{osp.join(str(tmp_path), FAILURES_NAME)}' in err
    assert 'this looks like a wrong path (--data-root' in err
    assert 'exit status 3' in err
    finished_status(summary(done=1, failed=FAILED[:1]), str(tmp_path))
    err = capsys.readouterr().err
    assert '1 of 2 images failed' in err and 'wrong path' not in err
    finished_status(summary(failed=FAILED), str(tmp_path), report=False)
    assert capsys.readouterr().err == ''


def test_failures_file_and_manifest(tmp_path):
    out = str(tmp_path)
    write_manifest(out, dict(version=1))
    path = write_failures(out, 'annotate', 5, FAILED)
    assert path == osp.join(out, FAILURES_NAME)
    with open(path) as file:
        listed = json.load(file)
    assert listed['failed'] == 2 and listed['total'] == 5
    assert listed['items'] == [dict(path='a.png', reason='cannot read image'),
                               dict(path='b.png', reason='no such file')]
    manifest = read_manifest(out)
    assert manifest['failures']['items'] == listed['items']
    assert manifest['version'] == 1
    # a later run without failures leaves no stale list behind
    assert write_failures(out, 'annotate', 5, []) is None
    assert not osp.exists(path)
    assert 'failures' not in read_manifest(out)


def test_run_tool_returns_mains_status():
    assert run_tool(lambda: None) == EXIT_OK
    assert run_tool(lambda: EXIT_FAILURES) == EXIT_FAILURES
    assert run_tool(lambda: dict(mIoU=50.0)) == EXIT_OK  # results, not status


def test_exit_tool_leaves_the_status_for_the_dist_script(tmp_path,
                                                         monkeypatch):
    status_file = tmp_path / 'status'
    monkeypatch.setenv(STATUS_FILE_VARIABLE, str(status_file))
    with pytest.raises(SystemExit) as ended:
        exit_tool(EXIT_OK)
    assert ended.value.code == EXIT_OK and not status_file.exists()
    with pytest.raises(SystemExit) as ended:
        exit_tool(EXIT_FAILURES)
    assert ended.value.code == EXIT_FAILURES
    assert status_file.read_text() == '3\n'


@pytest.mark.parametrize('error, status', [
    (SystemExit(2), '2\n'),  # argparse
    (KeyboardInterrupt(), '130\n'),
    (ValueError('bad config'), '1\n'),
    (SystemExit('message'), '1\n'),  # sys.exit(str) exits with 1
    (SystemExit(0), None),
    (None, None),
])
def test_launcher_status_leaves_the_failing_status_and_reraises(
        tmp_path, monkeypatch, error, status):
    status_file = tmp_path / 'status'
    monkeypatch.setenv(STATUS_FILE_VARIABLE, str(status_file))

    def block():
        with launcher_status():
            if error is not None:
                raise error

    if error is None:
        block()
    else:
        with pytest.raises(type(error)) as raised:
            block()
        assert raised.value is error  # unchanged, traceback and all
    written = status_file.read_text() if status_file.exists() else None
    assert written == status
