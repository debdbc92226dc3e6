"""Install mmseg_zsl: ``pip install -e .[annotation,tests]``.

torch and mmcv are prerequisites installed first (``tools/install_env.sh``
does it, see the README): mmcv is not a dependency here because it comes in
two builds, mmcv-lite or mmcv with compiled ops (``requirements/mmcv.txt``),
and pip cannot express "either". The pins and the reason for each live in
``requirements/*.txt``.
"""
import os.path as osp
from setuptools import find_packages, setup
from typing import List

HERE = osp.dirname(osp.abspath(__file__))


def parse_requirements(name: str) -> List[str]:
    """Read ``requirements/<name>.txt`` without comments."""
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


def read_version() -> str:
    with open(osp.join(HERE, 'mmseg_zsl', 'version.py')) as f:
        return f.read().split("'")[1]


setup(
    name='mmseg_zsl',
    version=read_version(),
    description='Zero-shot pseudo labels (SAM + CLIP/GEM) and '
    'semi-supervised training with enhanced labels, as an mmsegmentation '
    '1.x plugin',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmseg_zsl', 'mmseg_zsl.*']),
    python_requires='>=3.10,<3.13',
    install_requires=parse_requirements('runtime'),
    extras_require=dict(
        annotation=parse_requirements('annotation'),
        tests=parse_requirements('tests')),
    license='Apache License 2.0',
    zip_safe=False)
