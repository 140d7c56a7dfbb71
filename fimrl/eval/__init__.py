"""Evaluation: pass@k of policy versions on held-out FIM and whole-proof tasks, the experiment
report, and the natural-language transfer check.

Evaluation reuses the training machinery on purpose, so its numbers mean the same as the
training curves and it scales the same way: the trainer's generation backends sample, the
same verify workers judge, and the samples are stored as ``groups`` with ``purpose = 'eval'``
under a run of ``kind = 'eval'`` (the learner claims only ``purpose = 'train'`` groups of its
own run, so evaluation data can never become training data).

Modules:

- :mod:`fimrl.eval.passk`: the unbiased pass@k estimator and bootstrap intervals (pure).
- :mod:`fimrl.eval.results`: the SQL that reads evaluation runs back as per-task counts.
- :mod:`fimrl.eval.runner`: ``fimrl eval run``: sample, write, enqueue, wait, summarise.
- :mod:`fimrl.eval.compare`: two versions side by side; pass@k against training step.
- :mod:`fimrl.eval.report`: ``fimrl report RUN``: one self-contained HTML file.
- :mod:`fimrl.eval.nl`: ``fimrl eval nl``: final-answer scoring of natural-language problems.
"""
