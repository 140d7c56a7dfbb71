"""`fimrl demo`: the main job, end to end on one machine, as a researcher would run it.

Warm-up (supervised FIM on the train split), asynchronous GSPO with trainer, workers and
learner as separate processes, then a held-out evaluation of the base, warm-up and final
policies, and one report. Each stage has its own module here.
"""

from fimrl.demo.checker import checker_note, choose_backend
from fimrl.demo.run import DemoOptions, run_demo

__all__ = ["DemoOptions", "checker_note", "choose_backend", "run_demo"]
