"""Generation engines behind :class:`fimrl.rollout.generation.GenerationBackend`.

Each engine lives in its own module and is imported only when selected: the vLLM module needs
the ``gpu`` extra, the transformers one only what a CPU install has.
"""
