"""PyTorch eager reference for one LS-GAN training iteration on the 8-Gaussian ring, with
lsgan's ring defaults (SPEC.md §2; README "Defaults"): MLP 3x512 ReLU for G and L, L >= 0
through a ReLU output, batch 256, normal noise of dimension 2, l1 margin, lambda 1, weight 0 on
mean L(x), gamma 0.1 zero-centred penalty on real data, Adam 1e-4 (0.5, 0.9), one critic step.

Prints the mean ms/iteration over all --iters iterations (first ones included, as lsgan's
seconds_per_iteration includes them) and the median. Used only to
compare speed with `lsgan train` on the same machine (bench/ring-vs-pytorch.sh); not a test.
"""
import argparse
import math
import statistics
import time

import torch
from torch import nn


def mlp(inputs, outputs, width=512, depth=3, relu_out=False):
    layers, size = [], inputs
    for _ in range(depth):
        layers += [nn.Linear(size, width), nn.ReLU()]
        size = width
    layers.append(nn.Linear(size, outputs))
    if relu_out:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def ring_batch(n):
    angles = torch.randint(0, 8, (n,)).float() * (2 * math.pi / 8)
    centres = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)
    return centres + 0.02 * torch.randn(n, 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    generator, critic = mlp(2, 2), mlp(2, 1, relu_out=True)
    opt_g = torch.optim.Adam(generator.parameters(), 1e-4, betas=(0.5, 0.9))
    opt_c = torch.optim.Adam(critic.parameters(), 1e-4, betas=(0.5, 0.9))
    batch, times = 256, []
    for _ in range(args.iters):
        start = time.perf_counter()
        real = ring_batch(batch).requires_grad_(True)
        with torch.no_grad():
            fake = generator(torch.randn(batch, 2))
        loss_real, loss_fake = critic(real).squeeze(-1), critic(fake).squeeze(-1)
        margin = (real - fake).abs().sum(dim=1)
        (grad,) = torch.autograd.grad(loss_real.sum(), real, create_graph=True)
        penalty = grad.pow(2).sum(dim=1).mean()
        objective = (margin + loss_real - loss_fake).relu().mean() + 0.1 * penalty
        opt_c.zero_grad()
        objective.backward()
        opt_c.step()
        for p in critic.parameters():
            p.requires_grad_(False)
        gen_objective = critic(generator(torch.randn(batch, 2))).mean()
        opt_g.zero_grad()
        gen_objective.backward()
        opt_g.step()
        for p in critic.parameters():
            p.requires_grad_(True)
        float(objective.detach()), float(gen_objective.detach())
        times.append(time.perf_counter() - start)
    print(f"pytorch: mean {1000 * statistics.mean(times):.1f} ms/iteration, median "
          f"{1000 * statistics.median(times):.1f} ({args.iters} iterations, {args.threads} threads, "
          f"torch {torch.__version__})")


if __name__ == "__main__":
    main()
