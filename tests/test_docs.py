"""The documentation's links resolve, and the code cites pages that exist."""
import os
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SKIP_DIRS = {'.git', '.venv', 'work_dirs', 'data', 'demo_out', 'build'}
LINK = re.compile(r'\]\(([^)\s]+)\)')
CITED_PAGE = re.compile(
    r'\b((?:docs|configs/[\w/]+)/[\w.-]+\.md|README\.md)\b')


def _files(suffix):
    for directory, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in names:
            if name.endswith(suffix):
                yield osp.join(directory, name)


def _anchors(path):
    """GitHub's heading anchors of a Markdown file."""
    anchors, in_code = set(), False
    with open(path, encoding='utf-8') as file:
        for line in file:
            if line.startswith('```'):
                in_code = not in_code
            elif not in_code and line.startswith('#'):
                title = line.lstrip('#').strip().lower()
                anchors.add(re.sub(r'[^\w\- ]', '', title).replace(' ', '-'))
    return anchors


MARKDOWN = sorted(_files('.md'))


@pytest.mark.parametrize('page', MARKDOWN,
                         ids=[osp.relpath(p, ROOT) for p in MARKDOWN])
def test_relative_links_resolve(page):
    with open(page, encoding='utf-8') as file:
        text = re.sub(r'```.*?```', '', file.read(), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r'[a-z]+:', target):
            continue  # http(s), mailto
        path, _, anchor = target.partition('#')
        resolved = osp.normpath(osp.join(osp.dirname(page), path)) \
            if path else page
        if not osp.exists(resolved):
            broken.append(target)
        elif anchor and resolved.endswith('.md') and \
                anchor not in _anchors(resolved):
            broken.append(target)
    assert not broken, f'{osp.relpath(page, ROOT)}: {broken}'


def test_code_cites_only_pages_that_exist():
    missing = set()
    for path in _files('.py'):
        with open(path, encoding='utf-8') as file:
            text = file.read()
        for page in CITED_PAGE.findall(text):
            if not osp.exists(osp.join(ROOT, page)):
                missing.add(f'{osp.relpath(path, ROOT)} -> {page}')
    assert not missing, sorted(missing)


def test_readme_is_a_front_door():
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as file:
        assert len(file.readlines()) < 500, 'guides belong in docs/'
