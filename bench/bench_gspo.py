"""One GSPO step of ours against TRL's GRPOTrainer sequence-level loss, same batch and model.

Both sides run forward, loss and backward on identical tensors with the CPU default model
(SmolLM2-135M); the figure is the ratio of median step times measured interleaved in one run
(target: ours <= 1.1x TRL's). It also reports how long the learner waits for data when
verification is the bottleneck, from the `learner_steps` rows of the latest demo run if a
database is configured.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from fimrl.learn.advantages import group_advantages
from fimrl.learn.gspo import GSPOConfig, gspo_loss
from fimrl.learn.logprobs import completion_logprobs

TEMPERATURE = 1.0


def _batch(
    vocab: int, groups: int, group_size: int, prompt_len: int, completion_len: int, seed: int = 0
) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    n = groups * group_size
    completion_mask = torch.ones((n, completion_len), dtype=torch.long)
    for i in range(n):  # ragged completions, right-padded
        completion_mask[
            i, int(torch.randint(completion_len // 2, completion_len + 1, (1,), generator=g)) :
        ] = 0
    return {
        "prompt_ids": torch.randint(0, vocab, (n, prompt_len), generator=g),
        "prompt_mask": torch.ones((n, prompt_len), dtype=torch.long),
        "completion_ids": torch.randint(0, vocab, (n, completion_len), generator=g)
        * completion_mask,
        "completion_mask": completion_mask,
        "advantages": torch.cat(
            [
                group_advantages(torch.tensor([1.0] + [0.0] * (group_size - 1)))
                for _ in range(groups)
            ]
        ),
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--groups", type=int, default=2)
    parser.add_argument("--group-size", type=int, default=4)
    parser.add_argument("--prompt-len", type=int, default=128)
    parser.add_argument("--completion-len", type=int, default=64)
    args = parser.parse_args(argv)

    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from fimrl.rollout.models import load_causal_lm, load_tokenizer

    cache = Path(tempfile.gettempdir()) / "fimrl-bench-models"
    model = load_causal_lm(args.model, torch.float32, cache_dir=cache).train()
    tokenizer = load_tokenizer(args.model, cache_dir=cache)
    batch = _batch(
        model.config.vocab_size, args.groups, args.group_size, args.prompt_len, args.completion_len
    )
    ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
    attn = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
    T = args.completion_len
    with torch.no_grad():
        behaviour = completion_logprobs(model, ids, attn, T, TEMPERATURE)
    with tempfile.TemporaryDirectory() as out:
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=lambda completions, **kw: [0.0] * len(completions),
            args=GRPOConfig(
                output_dir=out,
                importance_sampling_level="sequence",
                loss_type="grpo",
                epsilon=3e-4,
                epsilon_high=4e-4,
                beta=0.0,
                temperature=TEMPERATURE,
                use_cpu=True,
                bf16=False,
                report_to=[],
                per_device_train_batch_size=args.group_size,
                num_generations=args.group_size,
                max_completion_length=T,
            ),
            train_dataset=Dataset.from_dict({"prompt": ["x"] * args.group_size}),
            processing_class=tokenizer,
        )
        trainer.current_gradient_accumulation_steps = 1
        trl_inputs = dict(batch, old_per_token_logps=behaviour)

        def ours() -> None:
            logps = completion_logprobs(model, ids, attn, T, TEMPERATURE)
            loss, _ = gspo_loss(
                logps, behaviour, batch["completion_mask"], batch["advantages"], GSPOConfig()
            )
            loss.backward()

        def theirs() -> None:
            trainer._compute_loss(model, trl_inputs).backward()

        times: dict[str, list[float]] = {"fimrl": [], "trl": []}
        for fn in (ours, theirs):  # warm-up
            fn()
            model.zero_grad(set_to_none=True)
        for _ in range(args.repeats):
            for name, fn in (("fimrl", ours), ("trl", theirs)):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
                model.zero_grad(set_to_none=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["fimrl"] / med["trl"]
    table = Table(
        title=f"GSPO step, {args.model}, {args.groups}x{args.group_size} sequences, "
        f"prompt {args.prompt_len} + completion {T} tokens, CPU"
    )
    table.add_column("implementation")
    table.add_column("median step (s)", justify="right")
    table.add_row("fimrl gspo_loss", f"{med['fimrl']:.3f}")
    table.add_row("TRL GRPOTrainer._compute_loss (sequence)", f"{med['trl']:.3f}")
    table.add_row("ratio fimrl / TRL (target <= 1.1)", f"{ratio:.3f}")
    Console().print(table)
    return {"fimrl_s": med["fimrl"], "trl_s": med["trl"], "ratio": ratio}


if __name__ == "__main__":
    main()
