"""fimrl built into a real wheel and installed without its checkout finds its resources.

The wheel is built by pip from a copy of the project (so concurrent runs never share the
checkout's ``build/``), offline (``--no-build-isolation --no-index``): once straight from the
tree (``pip install .``) and once from an sdist (what ``python -m build`` does, which tests
``MANIFEST.in``). The installed copy then runs in a fresh interpreter whose ``sys.path`` starts
with the install target, and migrates an empty PostgreSQL database with its own migrations.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import fimrl
from fimrl.db import migrate
from fimrl.resources import bundled_corpus_dir, lean_workspace_dir, migrations_dir

pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[2]
#: What the build reads: pyproject.toml's metadata, the build hook, the packages, the folders.
PROJECT = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "alembic.ini",
    "fimrl",
    "workers",
    "migrations",
    "lean_workspace",
)
DATA = "fimrl/_data"


def _expected_files() -> set[str]:
    """Paths (relative to the site dir) every fimrl wheel must hold, from the checkout."""
    mig = REPO / "migrations"
    ws = REPO / "lean_workspace"
    versions = sorted(p.name for p in (mig / "versions").glob("*.py"))
    corpus = sorted(p.name for p in (ws / "FimCorpus").glob("*.lean"))
    assert versions and corpus, "the checkout lost its migrations or corpus"
    return {
        f"{DATA}/migrations/env.py",
        f"{DATA}/migrations/script.py.mako",
        *(f"{DATA}/migrations/versions/{name}" for name in versions),
        f"{DATA}/lean_workspace/lean-toolchain",
        f"{DATA}/lean_workspace/lakefile.toml",
        f"{DATA}/lean_workspace/FimCorpus.lean",
        *(f"{DATA}/lean_workspace/FimCorpus/{name}" for name in corpus),
    }


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = kwargs.pop("env", None) or os.environ | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run(
        args, capture_output=True, text=True, timeout=180, env=env, check=False, **kwargs
    )
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _pip_wheel(source: Path, dest: Path) -> Path:
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run([*pip, "--no-index", "-w", str(dest), str(source)], cwd=source.parent)
    (wheel,) = dest.glob("fimrl-*.whl")
    return wheel


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The project copied, its sdist, a wheel from the tree and one from the sdist."""
    tmp = tmp_path_factory.mktemp("packaging")
    src = tmp / "src"
    src.mkdir()
    skip = shutil.ignore_patterns(".lake", "__pycache__", "*.pyc", "*.egg-info")
    for name in PROJECT:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=skip)
        else:
            shutil.copy2(path, src / name)
    sdist_dir = tmp / "sdist"
    # The PEP 517 hook that `python -m build --sdist` calls (the `build` tool is not a dependency).
    hook = "import sys; from setuptools import build_meta as m; print(m.build_sdist(sys.argv[1]))"
    out = _run([sys.executable, "-c", hook, str(sdist_dir)], cwd=src).stdout
    sdist = sdist_dir / out.strip().splitlines()[-1]
    return {
        "sdist": sdist,
        "wheel": _pip_wheel(src, tmp / "wheel"),
        "sdist_wheel": _pip_wheel(sdist, tmp / "sdist-wheel"),
        "tmp": tmp,
    }


@pytest.mark.parametrize("which", ["wheel", "sdist_wheel"])
def test_wheel_ships_migrations_and_lean_workspace(built: dict[str, Path], which: str) -> None:
    names = set(zipfile.ZipFile(built[which]).namelist())
    missing = _expected_files() - names
    assert not missing, f"{built[which].name} lacks {sorted(missing)}"
    assert not [n for n in names if "/.lake/" in n or "__pycache__" in n or n.endswith(".pyc")]
    # Everything installs inside the package (no top-level migrations/ in site-packages).
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"fimrl", "workers", "fimrl-0.1.0.dist-info"}


def test_sdist_holds_the_top_level_folders(built: dict[str, Path]) -> None:
    with tarfile.open(built["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for rel in _expected_files():
        assert rel.removeprefix(f"{DATA}/") in names
    assert "setup.py" in names
    assert not [n for n in names if n.startswith("lean_workspace/.lake")]


#: Run by the installed copy: where its resources are and what they hold, as JSON.
PROBE = """
import json, os, sys
from pathlib import Path
import fimrl
from fimrl.config import Settings
from fimrl.db import migrate
from fimrl.ingest import BUNDLED_CORPUS
from fimrl.resources import bundled_corpus_dir, lean_workspace_dir, migrations_dir

def listing(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

out = {
    "fimrl": fimrl.__file__,
    "migrations": str(migrations_dir()),
    "migrate_dir": str(migrate.MIGRATIONS_DIR),
    "lean_workspace": str(lean_workspace_dir()),
    "setting": str(Settings().lean_workspace),
    "corpus": str(bundled_corpus_dir()),
    "ingest_corpus": str(BUNDLED_CORPUS),
    "migration_files": listing(migrations_dir()),
    "workspace_files": listing(lean_workspace_dir()),
    "heads": sorted(migrate.script_heads()),
}
os.environ["FIMRL_LEAN_WORKSPACE"] = "/configured/workspace"
out["configured"] = str(Settings().lean_workspace)
if len(sys.argv) > 1:
    from sqlalchemy import create_engine
    engine = create_engine(sys.argv[1])
    migrate.upgrade(engine)
    out["current"] = migrate.is_current(engine)
    engine.dispose()
print(json.dumps(out))
"""


def test_installed_wheel_finds_its_resources(built: dict[str, Path], fresh_database) -> None:  # type: ignore[no-untyped-def]
    site = built["tmp"] / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index"]
    _run([*pip, "--target", str(site), str(built["wheel"])])
    site = site.resolve()
    # The install target first, then this venv's site-packages for the dependencies; the
    # checkout is nowhere on the path (cwd is a temp dir, -P keeps it off sys.path anyway).
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIMRL_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]])
    url = fresh_database()
    proc = _run([sys.executable, "-P", "-c", PROBE, url], cwd=built["tmp"], env=env)
    out = json.loads(proc.stdout.strip().splitlines()[-1])

    data = site / "fimrl" / "_data"
    assert Path(out["fimrl"]).resolve().is_relative_to(site)
    assert Path(out["migrations"]) == Path(out["migrate_dir"]) == data / "migrations"
    assert Path(out["lean_workspace"]) == Path(out["setting"]) == data / "lean_workspace"
    assert Path(out["corpus"]) == Path(out["ingest_corpus"]) == data / "lean_workspace/FimCorpus"
    assert out["configured"] == "/configured/workspace"  # a configured path still wins

    installed = {f"{DATA}/migrations/{f}" for f in out["migration_files"]}
    installed |= {f"{DATA}/lean_workspace/{f}" for f in out["workspace_files"]}
    assert _expected_files() <= installed
    # The installed migrations are this checkout's: same head, and they migrate a database.
    assert out["heads"] == sorted(migrate.script_heads())
    assert out["current"] is True
    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    engine.dispose()
    assert [version] == out["heads"]


def test_checkout_uses_top_level_folders() -> None:
    """Running from the source tree, the resources are the repository's own folders."""
    assert Path(fimrl.__file__).resolve().is_relative_to(REPO)
    assert not (REPO / "fimrl" / "_data").exists(), "the build must not write into the tree"
    assert migrations_dir() == migrate.MIGRATIONS_DIR == REPO / "migrations"
    assert lean_workspace_dir() == REPO / "lean_workspace"
    assert bundled_corpus_dir() == REPO / "lean_workspace" / "FimCorpus"
