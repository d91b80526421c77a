"""PyTorch eager reference for `lsgan bench`: the same workloads, nets, objective, optimiser,
batch and data as lsgan's defaults (src/bench.rs, src/config.rs), timed the same way (whole
iterations after warm-up). Prints one JSON object per workload with the keys `lsgan bench
--json` uses. A benchmark, not a test; bench/vs-pytorch.sh runs it beside lsgan.

Workloads (LS-GAN, one critic step, penalty gamma on real data, Adam):
  ring     MLP 3 x --width (128, lsgan's default; 512 before 2026-12-07) ReLU for G and L,
           L >= 0 through ReLU, batch 256, normal noise of dim 2, l1 margin (tau 1), gamma 0.1,
           Adam (0.5, 0.9), linear lr decay (the rate and gamma do not change the arithmetic)
  mnist    DCGAN 28x28x1, width 64, batch norm in G, layer norm in L, softplus output,
           uniform noise of dim 100, l1 margin tau 2e-4, gamma 0.1, weight decay 5e-5 on L,
           Adam 1e-4 (0.5, 0.999), EMA of G (0.999); 4096 random u8 images
  dcgan64  the same at 64x64x3
"""
import argparse
import json
import math
import resource
import statistics
import sys
import threading
import queue
import time

import torch
from torch import nn
import torch.nn.functional as F

SYNTHETIC_IMAGES = 4096


def torch_linear(inputs, outputs):
    # nn.Linear's default init is what lsgan's MLP uses.
    return nn.Linear(inputs, outputs)


class Mlp(nn.Module):
    def __init__(self, inputs, outputs, width=512, depth=3, output="linear", output_bias=0.0):
        super().__init__()
        layers, size = [], inputs
        for _ in range(depth):
            layers += [torch_linear(size, width), nn.ReLU()]
            size = width
        last = torch_linear(size, outputs)
        with torch.no_grad():
            # lsgan's critic_output_bias: the last layer's bias raised at initialisation.
            last.bias.add_(output_bias)
        layers.append(last)
        self.net, self.output = nn.Sequential(*layers), output

    def forward(self, x):
        return apply_output(self.net(x), self.output)

    def score(self, x):
        return self.forward(x).squeeze(-1)


def apply_output(out, output):
    if output == "relu":
        return F.relu(out)
    if output == "softplus":
        return F.softplus(out)
    return out


def plan(side):
    return {28: (7, 2), 32: (4, 3), 64: (4, 4)}[side]


def dcgan_init(module):
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DcganGenerator(nn.Module):
    def __init__(self, noise_dim, channels, side, width=64):
        super().__init__()
        start, doublings = plan(side)
        width = width << (doublings - 1)
        layers = [nn.ConvTranspose2d(noise_dim, width, start, 1, 0, bias=False),
                  nn.BatchNorm2d(width), nn.ReLU()]
        for index in range(doublings):
            last = index + 1 == doublings
            out = channels if last else width // 2
            layers.append(nn.ConvTranspose2d(width, out, 4, 2, 1, bias=last))
            layers += [nn.Tanh()] if last else [nn.BatchNorm2d(out), nn.ReLU()]
            width = out
        self.net, self.noise_dim = nn.Sequential(*layers), noise_dim
        self.apply(dcgan_init)

    def forward(self, z):
        return self.net(z.view(-1, self.noise_dim, 1, 1))


class DcganCritic(nn.Module):
    def __init__(self, channels, side, width=64, output="softplus"):
        super().__init__()
        start, doublings = plan(side)
        layers = []
        for index in range(doublings):
            side //= 2
            layers.append(nn.Conv2d(channels, width, 4, 2, 1))
            if index > 0:
                layers.append(nn.LayerNorm([width, side, side]))
            layers.append(nn.LeakyReLU(0.2))
            channels, width = width, width * 2
        layers.append(nn.Conv2d(channels, 1, start, 1, 0))
        self.net, self.output = nn.Sequential(*layers), output
        self.apply(dcgan_init)

    def score(self, x):
        return apply_output(self.net(x).view(-1), self.output)


class Prefetcher:
    """Shuffled batches of u8 images converted to [-1, 1] on a worker thread, as lsgan's
    loader does."""

    def __init__(self, images, batch):
        self.images, self.batch = images, batch
        self.queue = queue.Queue(maxsize=4)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.work)
        self.thread.start()

    def work(self):
        generator = torch.Generator().manual_seed(0)
        while not self.stopping.is_set():
            order = torch.randperm(len(self.images), generator=generator)
            for start in range(0, len(order) - self.batch + 1, self.batch):
                chosen = self.images[order[start:start + self.batch]]
                batch = chosen.float() / 127.5 - 1.0
                while not self.stopping.is_set():
                    try:
                        self.queue.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        pass
                if self.stopping.is_set():
                    return

    def next(self):
        return self.queue.get()

    def stop(self):
        # A daemon thread killed inside a torch call at exit aborts the interpreter.
        self.stopping.set()
        self.thread.join()


def ring_batch(n, device):
    angles = torch.randint(0, 8, (n,), device=device).float() * (2 * math.pi / 8)
    centres = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)
    return centres + 0.02 * torch.randn(n, 2, device=device)


def workload(name, batch, device, width=128):
    """(generator, critic, settings, real-batch function) for a workload."""
    if name == "ring":
        settings = dict(batch=batch or 256, noise="normal", noise_dim=2, tau=1.0, gamma=0.1,
                        betas=(0.5, 0.9), weight_decay=0.0, ema=0.0)
        generator = Mlp(2, 2, width=width)
        critic = Mlp(2, 1, width=width, output="relu")
        real = lambda: ring_batch(settings["batch"], device)
    else:
        channels, side = (1, 28) if name == "mnist" else (3, 64)
        settings = dict(batch=batch or 64, noise="uniform", noise_dim=100, tau=2e-4, gamma=0.1,
                        betas=(0.5, 0.999), weight_decay=5e-5, ema=0.999)
        generator = DcganGenerator(100, channels, side)
        critic = DcganCritic(channels, side)
        images = torch.randint(0, 256, (SYNTHETIC_IMAGES, channels, side, side), dtype=torch.uint8)
        loader = Prefetcher(images, settings["batch"])
        real = lambda: loader.next().to(device, non_blocking=True)
        real.stop = loader.stop
    return generator.to(device), critic.to(device), settings, real


def noise(settings, device):
    shape = (settings["batch"], settings["noise_dim"])
    if settings["noise"] == "normal":
        return torch.randn(shape, device=device)
    return torch.rand(shape, device=device) * 2 - 1


def forward_in(precision, device):
    """Runs one network's forward pass in `precision` with a float32 output, as lsgan's
    src/train/precision.rs does (bf16: autocast around the forward pass only)."""
    def forward(network, x):
        if precision == "fp32":
            return network(x)
        with torch.autocast(device.type, dtype=torch.bfloat16):
            return network(x).float()
    return forward


def critic_step(generator, critic, settings, real_batch, forward, device, opt_c,
                penalty_on=True, every=1):
    """One LS-GAN critic step on a fresh real batch: the hinge on the l1 margin (weighted by
    `hinge_weight`, 1 unless the settings say), mean L(x) weighted by `real_weight` where
    the settings give one, and the zero-centred penalty on real data, weighted every·gamma,
    when `penalty_on`. Returns the objective."""
    gamma, tau = settings["gamma"], settings["tau"]
    real = real_batch()
    with torch.no_grad():
        fake = forward(generator, noise(settings, device))
    if gamma > 0 and penalty_on:
        real.requires_grad_(True)
    loss_real, loss_fake = forward(critic.score, real), forward(critic.score, fake)
    margin = tau * (real - fake).flatten(1).abs().sum(dim=1)
    objective = (margin + loss_real - loss_fake).relu().mean()
    if settings.get("hinge_weight", 1.0) != 1.0:
        objective = settings["hinge_weight"] * objective
    if settings.get("real_weight", 0.0):
        objective = objective + settings["real_weight"] * loss_real.mean()
    if gamma > 0 and penalty_on:
        (grad,) = torch.autograd.grad(loss_real.sum(), real, create_graph=True)
        objective = objective + gamma * every * grad.flatten(1).pow(2).sum(dim=1).mean()
    opt_c.zero_grad()
    objective.backward()
    opt_c.step()
    return objective


def generator_step(generator, critic, settings, forward, device, opt_g):
    """One generator step on mean L(G(z)), the critic fixed. Returns the objective."""
    for p in critic.parameters():
        p.requires_grad_(False)
    objective = forward(critic.score, forward(generator, noise(settings, device))).mean()
    opt_g.zero_grad()
    objective.backward()
    opt_g.step()
    for p in critic.parameters():
        p.requires_grad_(True)
    return objective


def lsgan_iteration(generator, critic, settings, real_batch, forward, device, optimisers,
                    penalty_on=True, every=1):
    """One LS-GAN iteration: a critic step, then a generator step. Returns the two
    objectives as floats (which also waits for the device)."""
    opt_c, opt_g = optimisers
    objective = critic_step(generator, critic, settings, real_batch, forward, device, opt_c,
                            penalty_on, every)
    gen_objective = generator_step(generator, critic, settings, forward, device, opt_g)
    return float(objective.detach()), float(gen_objective.detach())


def bench(name, args):
    device = torch.device(args.device)
    forward = forward_in(args.precision, device)
    torch.manual_seed(0)
    generator, critic, settings, real_batch = workload(name, args.batch, device, args.width)
    betas = settings["betas"]
    opt_g = torch.optim.Adam(generator.parameters(), 1e-4, betas=betas)
    opt_c = torch.optim.Adam(critic.parameters(), 1e-4, betas=betas,
                             weight_decay=settings["weight_decay"])
    ema = None
    if settings["ema"] > 0:
        ema = torch.optim.swa_utils.AveragedModel(
            generator, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(settings["ema"]))
    every, times = args.penalty_every, []
    total = args.warmup + args.iters
    for iteration in range(total):
        if args.lockstep and iteration >= args.warmup:
            # bench/lockstep.py's turn-taking, as `lsgan bench --lockstep`.
            if iteration == args.warmup:
                print(json.dumps({"ready": True}), flush=True)
            if not sys.stdin.readline():
                break
        start = time.perf_counter()
        lsgan_iteration(generator, critic, settings, real_batch, forward, device,
                        (opt_c, opt_g), iteration % every == 0, every)
        if ema is not None:
            ema.update_parameters(generator)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if iteration >= args.warmup:
            times.append(1000 * (time.perf_counter() - start))
            if args.lockstep:
                print(json.dumps({"iteration_ms": times[-1]}), flush=True)
    getattr(real_batch, "stop", lambda: None)()
    median = statistics.median(times)
    quantiles = statistics.quantiles(times, n=10, method="inclusive") if len(times) > 1 else [median] * 9
    return {
        "engine": "pytorch",
        "workload": name,
        "loss": "lsgan",
        "device": str(device) if device.type == "cpu" else f"cuda:{device.index or 0}",
        "threads": torch.get_num_threads(),
        "batch": settings["batch"],
        "critic_steps": 1,
        "penalty_every": every,
        "precision": args.precision,
        "iters": len(times),
        "median_ms": median,
        "p10_ms": quantiles[0],
        "p90_ms": quantiles[-1],
        "samples_per_second": settings["batch"] / median * 1000,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="ring,mnist,dcgan64")
    parser.add_argument("--batch", type=int, default=0)
    parser.add_argument("--width", type=int, default=128, help="the ring MLPs' width")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--penalty-every", type=int, default=1)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--lockstep", action="store_true",
                        help="take turns with another engine (bench/lockstep.py)")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    for name in args.workloads.split(","):
        print(json.dumps(bench(name, args)), flush=True)


if __name__ == "__main__":
    main()
