#!/usr/bin/env python3
"""The physical limit of one training iteration: its floating-point operations (counted by
the PyTorch profiler's operator counts (`with_flops`) on the reference step, matrix products and convolutions, the
double backward of the penalty included) divided by this machine's measured matrix-product
throughput (torch.mm at the workload's own shapes and at 1024 x 1024), next to nothing else.
A benchmark, not a test; BENCHMARKS.md ("Where the time goes") sets the limit beside lsgan's
measured ms/iteration.

Usage: $(scripts/setup.sh --torch-python) bench/step-limit.py [--threads 2] [toy_train.py
       options for the toy, e.g. --gen-width 128 --critic-width 128] [--mnist]
"""
import json
import sys
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parent / "reference"))
import toy_train  # noqa: E402
import lsgan_step  # noqa: E402


def matmul_gflops(rows, inner, cols, seconds=1.0):
    a, b = torch.randn(rows, inner), torch.randn(inner, cols)
    for _ in range(3):
        a @ b
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        a @ b
        count += 1
    return 2 * rows * inner * cols * count / (time.perf_counter() - started) / 1e9


def counted():
    return profile(activities=[ProfilerActivity.CPU], with_flops=True)


def total_flops(profiler):
    return sum(event.flops for event in profiler.key_averages() if event.flops)


def dcgan_step_flops():
    """(FLOPs of one LS-GAN iteration of the DCGAN-MNIST workload (lsgan_step.py's), the
    batch, the width)."""
    device = torch.device("cpu")
    torch.manual_seed(0)
    generator, critic, settings, real_batch = lsgan_step.workload("mnist", 0, device)
    optimisers = (torch.optim.Adam(critic.parameters()), torch.optim.Adam(generator.parameters()))
    try:
        with counted() as counter:
            lsgan_step.lsgan_iteration(generator, critic, settings, real_batch,
                                       lsgan_step.forward_in("fp32", device), device, optimisers)
        return total_flops(counter), settings["batch"], 64
    finally:
        getattr(real_batch, "stop", lambda: None)()


def main():
    argv = sys.argv[1:]
    mnist = "--mnist" in argv
    argv = [a for a in argv if a != "--mnist"]
    args = toy_train.arguments(argv)
    if mnist:
        flops, rows, width = dcgan_step_flops()
        workload = "mnist"
    else:
        model = toy_train.LsGan(args)
        model.step()  # warm-up, outside the count
        with counted() as counter:
            model.step()
        flops, rows, width = total_flops(counter), args.batch_size, args.critic_width
        workload = args.data
    own = matmul_gflops(rows, width, width)
    peak = matmul_gflops(1024, 1024, 1024)
    print(json.dumps({
        "workload": workload, "threads": torch.get_num_threads(),
        "gflop_per_iteration": flops / 1e9,
        "matmul_gflops_own_shape": own, "own_shape": [rows, width, width],
        "matmul_gflops_1024": peak,
        "limit_ms_at_own_shape": flops / own / 1e6, "limit_ms_at_1024": flops / peak / 1e6,
    }))


if __name__ == "__main__":
    main()
