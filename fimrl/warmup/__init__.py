"""The supervised FIM warm-up: the stage that makes a weak model write Lean before RL."""
