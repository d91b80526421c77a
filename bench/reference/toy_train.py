"""PyTorch eager reference for the time-to-quality benchmark on the toys: trains LS-GAN on the
8-Gaussian ring or the 25-Gaussian grid as `lsgan train` does with the settings given (the
benchmark passes lsgan's resolved defaults, read from `lsgan config`), and prints one JSON
line per logged iteration with the training seconds so far (training steps only, as the
`seconds` of lsgan's metrics.jsonl) and the same mode metrics (src/metrics/toy.rs:
a point is high-quality within 3 sigma of its nearest mean, a mode is covered by 1% of
the points as its high-quality points). A benchmark, not a test; bench/time-to-quality.py
runs it beside lsgan.

What it shares with lsgan: the MLPs (ReLU, nn.Linear's initialisation, the critic's output
through ReLU with its bias raised by `critic_output_bias`), normal noise, the l1 margin
scaled by tau, the hinge, the zero-centred penalty on real data, Adam with a rate falling
linearly to 0, critic steps per generator step, a fresh real batch for every critic step,
2,500 evaluation points from fixed noise. Random numbers differ (another generator).
"""
import argparse
import json
import math
import time

import torch

from lsgan_step import Mlp, critic_step, generator_step, noise


def mixture(name):
    """(means [k, 2], sigma) of the ring or the grid, as src/data/toy.rs."""
    if name == "ring":
        angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
        means = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)
        return means.float(), 0.02
    coordinates = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    means = torch.cartesian_prod(coordinates, coordinates)
    return means, 0.05


def mode_metrics(points, means, sigma):
    """Modes covered and the high-quality share (src/metrics/toy.rs)."""
    distances = torch.cdist(points, means, compute_mode="donot_use_mm_for_euclid_dist")
    nearest, mode = distances.min(dim=1)
    high_quality = nearest <= 3 * sigma
    per_mode = torch.bincount(mode[high_quality], minlength=len(means))
    covered = int((per_mode >= 0.01 * len(points)).sum())
    return covered, float(high_quality.double().mean())


class LsGan:
    """The two networks, their optimisers and one training iteration (`step`), made of the
    step reference's critic and generator steps (lsgan_step.py)."""

    def __init__(self, args):
        torch.manual_seed(args.seed)
        self.args = args
        self.means, self.sigma = mixture(args.data)
        self.generator = Mlp(args.noise_dim, 2, args.gen_width, args.gen_depth)
        self.critic = Mlp(2, 1, args.critic_width, args.critic_depth, args.critic_output,
                          args.critic_output_bias)
        betas = (args.beta1, args.beta2)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), args.lr_generator, betas=betas)
        self.opt_c = torch.optim.Adam(self.critic.parameters(), args.lr_critic, betas=betas)
        self.settings = dict(batch=args.batch_size, noise="normal", noise_dim=args.noise_dim,
                             tau=args.margin_scale, gamma=args.penalty_weight,
                             hinge_weight=args.hinge_weight, real_weight=args.real_weight)
        self.iteration = 0

    def real_batch(self):
        component = torch.randint(0, len(self.means), (self.args.batch_size,))
        return self.means[component] + self.sigma * torch.randn(self.args.batch_size, 2)

    def step(self):
        args, cpu = self.args, torch.device("cpu")
        remaining = max(0.0, 1.0 - self.iteration / args.iters)
        for group in self.opt_c.param_groups:
            group["lr"] = args.lr_critic * remaining
        for group in self.opt_g.param_groups:
            group["lr"] = args.lr_generator * remaining
        for critic_step_index in range(args.critic_steps):
            counted = self.iteration * args.critic_steps + critic_step_index
            objective = critic_step(self.generator, self.critic, self.settings, self.real_batch,
                                    apply, cpu, self.opt_c, counted % args.penalty_every == 0,
                                    args.penalty_every)
        gen_objective = generator_step(self.generator, self.critic, self.settings, apply, cpu,
                                       self.opt_g)
        float(objective.detach()), float(gen_objective.detach())
        self.iteration += 1


def apply(network, x):
    """A network's forward pass in fp32 (the step reference's `forward` argument)."""
    return network(x)


def train(args):
    model = LsGan(args)
    eval_noise = noise(dict(batch=args.eval_samples, noise="normal", noise_dim=args.noise_dim),
                       torch.device("cpu"))
    seconds = 0.0
    while model.iteration < args.iters:
        started = time.perf_counter()
        model.step()
        seconds += time.perf_counter() - started
        done = model.iteration
        if done % args.log_every == 0 or done == args.iters:
            with torch.no_grad():
                covered, share = mode_metrics(model.generator(eval_noise), model.means,
                                              model.sigma)
            print(json.dumps({
                "engine": "pytorch", "data": args.data, "seed": args.seed,
                "iteration": done, "seconds": seconds, "modes_covered": covered,
                "modes_total": len(model.means), "high_quality_share": share,
            }), flush=True)


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["ring", "grid"], default="ring")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0)
    for name, kind, default in [
        ("iters", int, 3000), ("batch_size", int, 256), ("noise_dim", int, 2),
        ("gen_width", int, 128), ("gen_depth", int, 3), ("critic_width", int, 128),
        ("critic_depth", int, 3), ("critic_output", str, "relu"),
        ("critic_output_bias", float, 1.0), ("lr_generator", float, 1e-3),
        ("lr_critic", float, 1e-3), ("beta1", float, 0.5), ("beta2", float, 0.9),
        ("critic_steps", int, 1), ("margin_scale", float, 1.0), ("hinge_weight", float, 1.0),
        ("real_weight", float, 0.0), ("penalty_weight", float, 0.5),
        ("penalty_every", int, 1), ("log_every", int, 100), ("eval_samples", int, 2500),
    ]:
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=default)
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    return args


def main():
    train(arguments())


if __name__ == "__main__":
    main()
