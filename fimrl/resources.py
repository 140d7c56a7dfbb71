"""Where fimrl's non-Python resources are: the Alembic migrations and the pinned Lean workspace.

Both folders live at the top of the repository (``migrations/``, ``lean_workspace/``), where
Alembic, Lake, the Dockerfile and people expect them. An installed wheel has no repository
around it, so the build (``setup.py``, which says why it is a ``build_py`` hook) copies them
into the package as ``fimrl/_data/migrations`` and ``fimrl/_data/lean_workspace``. Each
resource is therefore looked up in two places, first match wins:

1. inside the installed package, ``fimrl/_data/NAME``: a wheel or ``pip install .``;
2. the source tree, ``<checkout>/NAME``: an editable install or ``PYTHONPATH=<checkout>``.
   (setuptools' ``strict`` editable mode links every file, ``fimrl/_data`` included; since
   the package directory is resolved through those links, it lands here too.)

The build never writes ``fimrl/_data`` into the source tree, so a checkout always uses the
top-level folders and an edited migration takes effect without reinstalling. The lookup uses
the package's real directory rather than :func:`importlib.resources.files`: Alembic and Lake
need a folder on disk, which a zipped package could not give. A path configured in settings
(``lean_workspace``) still wins over :func:`lean_workspace_dir`, which is only its default.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: Where an installed fimrl keeps the bundled folders (filled by setup.py's build_py).
DATA_DIR = PACKAGE_DIR / "_data"
#: The checkout around the package (meaningful only when fimrl runs from its source tree).
SOURCE_ROOT = PACKAGE_DIR.parent


def _bundled(name: str) -> Path:
    """The installed copy of top-level folder ``name`` if there is one, else the checkout's."""
    packaged = DATA_DIR / name
    return packaged if packaged.is_dir() else SOURCE_ROOT / name


def migrations_dir() -> Path:
    """Alembic's script directory (``env.py``, ``versions/``)."""
    return _bundled("migrations")


def lean_workspace_dir() -> Path:
    """The pinned Lean project (``lean-toolchain``, ``lakefile.toml``, the bundled corpus);
    the default of the ``lean_workspace`` setting."""
    return _bundled("lean_workspace")


def bundled_corpus_dir() -> Path:
    """The bundled Lean corpus (``FimCorpus/*.lean``) shipped with fimrl."""
    return lean_workspace_dir() / "FimCorpus"


def fimcore_corpus_dir() -> Path:
    """The FimCore corpus (``FimCoreCorpus/*.lean``): the prelude toolchain's tasks."""
    return lean_workspace_dir() / "FimCoreCorpus"


__all__ = ["bundled_corpus_dir", "fimcore_corpus_dir", "lean_workspace_dir", "migrations_dir"]
