"""Sub-commands of the `fimrl` CLI, one module each."""
