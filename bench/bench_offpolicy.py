"""Off-policy correction at an unchanged policy: clip fraction and sampler/learner mismatch per
``behaviour_correction``, and what the recompute forward costs.

The sampler is fimrl's transformers backend with the CPU default model (SmolLM2-135M, float32)
sampling completions of FimCore FIM prompts; its behaviour log-probs are what the trainer
stores. The learner then evaluates the *same, unchanged* weights as the learner does
(``completion_logprobs``), in float32 and under bf16 autocast (how the learner runs on a
GPU), and feeds the GSPO loss under each correction. With π_old = π_behaviour (``none``)
every numerical difference larger than ε (3e-4 / 4e-4 on a sequence mean) is clipped; with
π_prox (``recompute``) nothing can be, since the policy has not moved.

Cost: with one update per learner step, π_prox is the update's own forward, detached: free.
With several (``updates_per_step > 1``) it is one no-grad forward per group before the first
update; its median time is reported as a share of a learner step's forward + backward,
measured interleaved in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from bench.common import write_results
from fimrl.learn.advantages import group_advantages
from fimrl.learn.gspo import CORRECTIONS, GSPOConfig, gspo_loss, mismatch
from fimrl.learn.logprobs import completion_logprobs


def _prompts(tokenizer: Any, count: int) -> list[list[int]]:
    from fimrl.lean.fim import build_tasks
    from fimrl.resources import fimcore_corpus_dir
    from fimrl.rollout.prompts import encode_prompt, get_prompt_format

    fmt = get_prompt_format("instruct")
    tasks = []
    for path in sorted(fimcore_corpus_dir().glob("*.lean")):
        tasks += build_tasks(path.read_text(encoding="utf-8"), path.name).tasks
        if len(tasks) >= count:
            break
    return [encode_prompt(fmt, t, tokenizer) for t in tasks[:count]]


def _tensors(prompt: list[int], samples: list[Any], pad: int) -> dict[str, torch.Tensor]:
    T = max(len(s.token_ids) for s in samples)
    G = len(samples)
    completion = torch.full((G, T), pad, dtype=torch.long)
    mask = torch.zeros((G, T), dtype=torch.long)
    behaviour = torch.zeros((G, T))
    for i, s in enumerate(samples):
        n = len(s.token_ids)
        completion[i, :n] = torch.tensor(s.token_ids)
        mask[i, :n] = 1
        behaviour[i, :n] = torch.tensor(s.logprobs)
    p = torch.tensor(prompt).unsqueeze(0).expand(G, -1)
    return {
        "ids": torch.cat([p, completion], dim=1),
        "attn": torch.cat([torch.ones_like(p), mask], dim=1),
        "mask": mask,
        "behaviour": behaviour,
        "T": torch.tensor(T),
    }


def _logprobs(model: Any, g: dict[str, torch.Tensor], bf16: bool, grad: bool) -> torch.Tensor:
    with (
        torch.set_grad_enabled(grad),
        torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16),
    ):
        return completion_logprobs(model, g["ids"], g["attn"], int(g["T"]), 1.0)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    console = Console()

    from fimrl.rollout.backends.transformers_backend import TransformersBackend
    from fimrl.rollout.generation import Sampling

    cache = Path(tempfile.gettempdir()) / "fimrl-bench-models"
    backend = TransformersBackend(args.model, cache_dir=cache, dtype=torch.float32)
    tokenizer = backend.tokenizer
    prompts = _prompts(tokenizer, args.prompts)
    t0 = time.monotonic()
    results = backend.generate(
        prompts,
        args.group_size,
        Sampling(temperature=1.0, max_new_tokens=args.max_new_tokens, seed=0),
    )
    console.print(
        f"sampled {len(prompts)} x {args.group_size} completions in {time.monotonic() - t0:.1f}s"
    )
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    groups = [_tensors(p, s, pad) for p, s in zip(prompts, results, strict=True)]
    adv = group_advantages(torch.tensor([1.0] + [0.0] * (args.group_size - 1)))
    model = backend.model  # the sampler's weights, unchanged; trainable as the learner's are
    model.train().requires_grad_(True)

    figures: dict[str, Any] = {}
    table = Table(title="unchanged policy: what each correction clips")
    for col in ("learner precision", "correction", "clip fraction", "mismatch mean", "p95"):
        table.add_column(col)
    for precision, bf16 in (("float32", False), ("bf16 autocast", True)):
        logps = [_logprobs(model, g, bf16, grad=False) for g in groups]
        by_correction = {
            correction: [
                gspo_loss(lp, g["behaviour"], g["mask"], adv, GSPOConfig(correction=correction))[1]
                for lp, g in zip(logps, groups, strict=True)
            ]
            for correction in CORRECTIONS
        }
        # The mismatch is that of π_prox (this precision) against the sampler's, the same for
        # every correction: the per-sequence gaps the learner's own loss reports.
        mean, p95 = mismatch([x for s in by_correction["recompute"] for x in s.gaps])
        for correction, stats in by_correction.items():
            clip = sum(s.clip_fraction * s.sequences for s in stats) / sum(
                s.sequences for s in stats
            )
            figures[f"{precision}/{correction}"] = {
                "clip_fraction": round(clip, 4),
                "mismatch_mean": mean,
                "mismatch_p95": p95,
            }
            table.add_row(precision, correction, f"{clip:.3f}", f"{mean:.2e}", f"{p95:.2e}")
    console.print(table)

    # Cost of the recompute forward (several updates per step) against one learner step.
    step_s: list[float] = []
    prox_s: list[float] = []
    for _ in range(args.repeats):
        t = time.monotonic()
        for g in groups:
            _logprobs(model, g, False, grad=False)
        prox_s.append(time.monotonic() - t)
        t = time.monotonic()
        for g in groups:
            lp = _logprobs(model, g, False, grad=True)
            loss, _ = gspo_loss(lp, g["behaviour"], g["mask"], adv, GSPOConfig())
            (loss / len(groups)).backward()
        model.zero_grad(set_to_none=True)
        step_s.append(time.monotonic() - t)
    step, prox = statistics.median(step_s), statistics.median(prox_s)
    share = prox / step
    console.print(
        f"learner step (forward+backward, {len(groups)} groups): {step:.2f}s; recompute "
        f"forward: {prox:.2f}s = {share:.0%} of a step (only with updates_per_step > 1; "
        "one update per step uses its own forward, detached: 0 %)"
    )
    summary = {
        "none clip (fp32 / bf16)": (
            f"{figures['float32/none']['clip_fraction']:.3f} / "
            f"{figures['bf16 autocast/none']['clip_fraction']:.3f}"
        ),
        "recompute clip (fp32 / bf16)": (
            f"{figures['float32/recompute']['clip_fraction']:.3f} / "
            f"{figures['bf16 autocast/recompute']['clip_fraction']:.3f}"
        ),
        "mismatch mean (fp32 / bf16)": (
            f"{figures['float32/none']['mismatch_mean']:.1e} / "
            f"{figures['bf16 autocast/none']['mismatch_mean']:.1e}"
        ),
        "recompute cost": f"{share:.0%} of a step (updates_per_step > 1; else 0 %)",
    }
    path = write_results(
        "offpolicy",
        {
            "figures": figures,
            "step_s": step_s,
            "recompute_s": prox_s,
            "recompute_share": share,
            "prompts": len(prompts),
            "group_size": args.group_size,
            "max_new_tokens": args.max_new_tokens,
            "model": args.model,
        },
    )
    console.print(f"results: {path}")
    return summary


if __name__ == "__main__":
    main()
