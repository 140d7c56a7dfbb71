"""Build hook: ship ``migrations/`` and ``lean_workspace/`` inside the wheel.

All metadata lives in ``pyproject.toml``; this file only replaces ``build_py``.

The two folders must stay at the top of the repository (Alembic's ``alembic.ini``, Lake, the
Dockerfile and people expect them there), yet an installed wheel has no repository around it.
So the build copies them into the package, as ``fimrl/_data/migrations`` and
``fimrl/_data/lean_workspace``, and :mod:`fimrl.resources` looks there first, then in the
source tree. Why a ``build_py`` subclass rather than the declarative alternatives:

* ``[tool.setuptools.data-files]`` installs outside the package (``<prefix>/...``), where no
  code can find it reliably (``--target``, ``--user``, venvs all differ).
* ``package-dir`` mapping of ``fimrl._data.migrations`` to ``migrations`` would need every
  folder level declared as a package, makes ``packages.find`` and the editable finder see
  packages that are not packages, and ``package-data`` globs cannot leave a package's folder.
* ``build_py`` is the step that already copies package data into the build tree; extending
  its outputs through the public sub-command interface (``run``, ``get_outputs``,
  ``get_output_mapping``, ``editable_mode``) is what setuptools documents for custom build
  steps since 64, so it works unchanged for ``pip wheel .``, ``pip install .``, ``python -m
  build`` (sdist first: ``MANIFEST.in`` grafts both folders) and editable installs: the
  default (lenient) editable install copies nothing, and :mod:`fimrl.resources` falls back to
  the top-level folders; the ``strict`` mode links the mapped files into its tree.

Nothing is ever written into the source tree: the copies go to the build directory only, so
a checkout always runs the top-level folders, edits included.
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Top-level folders shipped in the wheel, and where they land inside it.
BUNDLED = {"migrations": "fimrl/_data/migrations", "lean_workspace": "fimrl/_data/lean_workspace"}
#: Build outputs and caches that never ship (Lake's ``.lake`` alone can be gigabytes).
SKIP_DIRS = {".lake", "lake-packages", "build", "__pycache__"}
SKIP_SUFFIXES = (".pyc", ".pyo")


def bundled_files(build_lib: str) -> dict[str, str]:
    """{file in the build tree: source file} for every file of the bundled folders."""
    mapping: dict[str, str] = {}
    for source, target in BUNDLED.items():
        top = ROOT / source
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                if name.endswith(SKIP_SUFFIXES):
                    continue
                src = Path(dirpath, name)
                rel = src.relative_to(top)
                mapping[os.path.join(build_lib, *target.split("/"), *rel.parts)] = str(src)
    return mapping


class BuildPyWithData(build_py):
    """``build_py`` that also copies the bundled top-level folders into ``fimrl/_data``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # editable installs read the source tree (or link, see above)
            return
        for target, source in bundled_files(self.build_lib).items():
            self.mkpath(os.path.dirname(target))
            self.copy_file(source, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:  # type: ignore[override]
        outputs = super().get_outputs(include_bytecode)
        return outputs + [f for f in bundled_files(self.build_lib) if f not in outputs]

    def get_output_mapping(self) -> dict[str, str]:
        return {**super().get_output_mapping(), **bundled_files(self.build_lib)}


setup(cmdclass={"build_py": BuildPyWithData})
