"""Everything the demo needs before any model runs: Lean, services, schema, tasks."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text

from fimrl.config import Settings, mask_url
from fimrl.db import migrate
from fimrl.db.session import get_engine
from fimrl.errors import FimrlError
from fimrl.ingest import build_into_db, default_corpus
from fimrl.services.manager import start_services
from fimrl.verify.prelude import PreludeUnavailable, ensure_prelude

__all__ = ["prepare"]


def prepare(settings: Settings, say: Callable[[str], None]) -> Engine:
    """Build the prelude toolchain (once), start services, migrate, build tasks if none."""
    if settings.verifier_backend == "prelude":
        try:  # once here, before two worker processes would wait on each other's build
            ensure_prelude(settings, progress=say)
        except PreludeUnavailable as exc:
            raise FimrlError(f"the prelude Lean toolchain cannot be built: {exc}") from None
    corpus = default_corpus(settings.verifier_backend)
    urls = start_services(settings)
    say(f"services: postgres + redis ({mask_url(urls.broker_url or '-')})")
    engine = get_engine(settings)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        have, prelude_tasks = conn.execute(
            text("SELECT count(*), count(*) FILTER (WHERE header LIKE 'prelude%') FROM fim_tasks")
        ).one()
    if not have:
        summary = build_into_db(engine, [corpus], settings)
        say(f"tasks: {summary.stored} from {summary.files} files of {corpus.name}")
    elif settings.verifier_backend == "prelude" and prelude_tasks < have:
        raise FimrlError(
            f"the database holds {have - prelude_tasks} tasks the prelude toolchain cannot "
            "check (their header is not `prelude`): run the demo with a fresh state dir "
            "(FIMRL_STATE_DIR), or set FIMRL_VERIFIER_BACKEND to a backend that can"
        )
    return engine
