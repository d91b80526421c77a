#!/usr/bin/env python3
"""Time to quality: the training seconds until a run first reaches the quality target, median
over seeds, lsgan beside the PyTorch eager reference trained on the same settings, the two
taking turns seed by seed on the same machine. A benchmark, not a test; BENCHMARKS.md has its
table. Evaluation is excluded: lsgan's metrics.jsonl and the reference's log count the seconds
of the training steps alone.

Targets (issue 26): ring 8/8 modes and >= 90% high-quality points; grid >= 24/25 and >= 80%;
MNIST and Fashion-MNIST classifier FID <= 10 with 10/10 classes drawn.

The toys are logged every --log-every iterations and a run's time is the `seconds` of its first
line on target. The images are trained in stages (`lsgan train --iters`, then `lsgan resume
--iters`, bit-exact with one run), each stage's generator measured with `lsgan evaluate
--features classifier`; the time is the training seconds at the first stage on target. The
PyTorch reference has no digit classifier: its image column is the time of its own step
(bench/reference/lsgan_step.py, the same DCGAN step) times lsgan's iterations to the target.

Usage: python3 bench/time-to-quality.py [--workloads ring,grid,mnist] [--seeds 0-4]
           [--threads 2] [--flags "EXTRA lsgan train FLAGS"] [--out runs/bench/ttq]
"""
import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    sys.exit("time-to-quality: needs Python 3.11 or later (tomllib); the reference's Python, "
             "`bash scripts/setup.sh --torch-python`, is one")

ROOT = Path(__file__).resolve().parent.parent
TOY_TARGETS = {"ring": (8, 0.90), "grid": (24, 0.80)}
IMAGE_FID_TARGET = 10.0
# Settings the toy reference reproduces; anything else would make it another run.
TOY_FIXED = {"loss": "lsgan", "margin": "l1", "margin_norm": "sum", "noise": "normal",
             "activation": "relu", "optimizer": "adam", "lr_schedule": "linear",
             "weight_decay": 0.0, "ema_decay": 0.0}
TOY_PASSED = ["iters", "batch_size", "noise_dim", "gen_width", "gen_depth", "critic_width",
              "critic_depth", "critic_output", "critic_output_bias", "lr_generator",
              "lr_critic", "beta1", "beta2", "critic_steps", "margin_scale", "hinge_weight",
              "real_weight", "penalty_weight", "penalty_every", "eval_samples"]


def seeds(text):
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(s) for s in text.split(",")]


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"time-to-quality: {' '.join(map(str, command))} failed:\n{result.stderr}")
    return result.stdout


def resolved(args, data):
    """lsgan's resolved configuration of the run the benchmark trains."""
    flags = ["--data", data] + args.flags.split()
    if data not in TOY_TARGETS:
        flags += ["--data-dir", args.data_dir]
    return tomllib.loads(run([args.lsgan, "config"] + flags)), flags


def first_on_target(lines, reached):
    """(seconds, iteration) of the first line on target, or (inf, None)."""
    for line in lines:
        if reached(line):
            return line["seconds"], line["iteration"]
    return math.inf, None


def toy_reached(data):
    modes, share = TOY_TARGETS[data]
    return lambda line: line["modes_covered"] >= modes and line["high_quality_share"] >= share


def toy_result(data, log):
    """A toy run's result from its JSON lines (lsgan's metrics.jsonl or the reference's
    output): the first seconds and iteration on target, and its milliseconds per iteration."""
    lines = [json.loads(line) for line in log.splitlines()]
    seconds, iteration = first_on_target(lines, toy_reached(data))
    return {"seconds": seconds, "iteration": iteration,
            "ms_per_iteration": 1000 * lines[-1]["seconds"] / lines[-1]["iteration"]}


def lsgan_toy(args, data, flags, seed, folder):
    out = folder / f"{data}-lsgan-seed{seed}"
    shutil.rmtree(out, ignore_errors=True)
    run([args.lsgan, "train", *flags, "--seed", str(seed), "--threads", str(args.threads),
         "--log-every", str(args.log_every), "--quiet", "--out", str(out)])
    return toy_result(data, (out / "metrics.jsonl").read_text())


def pytorch_toy(args, data, config, seed):
    for key, value in TOY_FIXED.items():
        if config[key] != value:
            sys.exit(f"time-to-quality: the toy reference trains {key} = {value!r}, "
                     f"the run has {config[key]!r}")
    command = [args.python, "-W", "ignore", str(ROOT / "bench/reference/toy_train.py"),
               "--data", data, "--seed", str(seed), "--threads", str(args.threads),
               "--log-every", str(args.log_every)]
    for key in TOY_PASSED:
        command += ["--" + key.replace("_", "-"), str(config[key])]
    return toy_result(data, run(command))


def image_metrics(args, out, data):
    command = [args.lsgan, "evaluate", str(out), "--features", "classifier", "-n", "1000",
               "--quiet"]
    first = subprocess.run(command, capture_output=True, text=True)
    if first.returncode != 0 and "no digit classifier" in first.stderr:
        # The classifier's space is trained once per data set (minutes), then cached.
        run([args.lsgan, "train-classifier", "--data", data, "--data-dir", args.data_dir])
        run(command)
    elif first.returncode != 0:
        sys.exit(f"time-to-quality: {' '.join(command)} failed:\n{first.stderr}")
    text = json.loads((out / "image_metrics.json").read_text())
    found = [m for m in text["metrics"] if m["feature"] == "classifier"]
    return found[0]


def lsgan_image(args, flags, seed, folder):
    data = flags[1]
    out = folder / f"{data}-lsgan-seed{seed}"
    shutil.rmtree(out, ignore_errors=True)
    common = ["--threads", str(args.threads), "--quiet"]
    stages = []
    for index, iters in enumerate(args.stages):
        if index == 0:
            run([args.lsgan, "train", *flags, "--seed", str(seed), "--iters", str(iters),
                 *common, "--out", str(out)])
        else:
            run([args.lsgan, "resume", str(out), "--iters", str(iters), "--quiet"])
        last = json.loads((out / "metrics.jsonl").read_text().splitlines()[-1])
        metrics = image_metrics(args, out, data)
        stage = {"iteration": iters, "seconds": last["seconds"], "fid": metrics["fid"],
                 "classes_covered": metrics.get("classes_covered")}
        stages.append(stage)
        print(f"  {data} seed {seed}: {json.dumps(stage)}", file=sys.stderr, flush=True)
        if stage["fid"] <= IMAGE_FID_TARGET and stage["classes_covered"] == 10:
            return {"seconds": stage["seconds"], "iteration": iters, "stages": stages,
                    "ms_per_iteration": 1000 * stage["seconds"] / iters}
    return {"seconds": math.inf, "iteration": None, "stages": stages,
            "ms_per_iteration": 1000 * stages[-1]["seconds"] / stages[-1]["iteration"]}


def pytorch_image_step_ms(args):
    line = run([args.python, "-W", "ignore", str(ROOT / "bench/reference/lsgan_step.py"),
                "--workloads", "mnist", "--threads", str(args.threads), "--warmup", "5",
                "--iters", "30"])
    return json.loads(line.splitlines()[-1])["median_ms"]


def median(values):
    return statistics.median(values) if values else math.nan


def show(seconds):
    return "not reached" if math.isinf(seconds) else f"{seconds:.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="ring,grid,mnist")
    parser.add_argument("--seeds", type=seeds, default=seeds("0-4"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--stages", type=seeds, default=[1000, 1500, 2000, 2500, 3000],
                        help="iterations at which an image run is measured, comma-separated")
    parser.add_argument("--flags", default="", help="extra `lsgan train` flags for every run")
    parser.add_argument("--lsgan", default=str(ROOT / "target/release/lsgan"))
    parser.add_argument("--python", default=None,
                        help="the reference's Python (default: scripts/setup.sh --torch-python)")
    parser.add_argument("--data-dir", default=os.environ.get("DATA_DIR", ""))
    parser.add_argument("--no-reference", action="store_true", help="lsgan alone")
    parser.add_argument("--out", type=Path, default=ROOT / "runs/bench/ttq")
    args = parser.parse_args()
    if args.python is None and not args.no_reference:
        args.python = run(["bash", str(ROOT / "scripts/setup.sh"), "--torch-python"]).strip()
    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / "results.jsonl"
    rows = []
    for data in args.workloads.split(","):
        config, flags = resolved(args, data)
        per_engine = {"lsgan": [], "pytorch": []}
        image_step_ms = None
        for index, seed in enumerate(args.seeds):
            engines = ["lsgan", "pytorch"] if index % 2 == 0 else ["pytorch", "lsgan"]
            for engine in engines:
                if engine == "pytorch" and args.no_reference:
                    continue
                if data in TOY_TARGETS:
                    result = (lsgan_toy(args, data, flags, seed, args.out) if engine == "lsgan"
                              else pytorch_toy(args, data, config, seed))
                elif engine == "lsgan":
                    result = lsgan_image(args, flags, seed, args.out)
                else:
                    continue
                result.update(engine=engine, data=data, seed=seed, threads=args.threads,
                              flags=args.flags)
                per_engine[engine].append(result)
                with results.open("a") as f:
                    f.write(json.dumps(result) + "\n")
                print(f"{data} seed {seed} {engine}: {show(result['seconds'])} s "
                      f"(iteration {result['iteration']})", file=sys.stderr, flush=True)
        if data not in TOY_TARGETS and not args.no_reference:
            image_step_ms = pytorch_image_step_ms(args)
            for result in per_engine["lsgan"]:
                iters = result["iteration"] or math.inf
                per_engine["pytorch"].append(
                    {"seconds": iters * image_step_ms / 1000, "iteration": result["iteration"],
                     "ms_per_iteration": image_step_ms})
        rows.append((data, config, per_engine))
    print(f"| data | target | lsgan: median s to target (per seed) | iterations | ms/iteration "
          f"| PyTorch eager: median s (per seed) | ms/iteration | lsgan / PyTorch |")
    print("|---|---|---|---|---|---|---|---|")
    for data, config, per_engine in rows:
        target = (f"{TOY_TARGETS[data][0]}/{ {'ring': 8, 'grid': 25}[data]} modes, "
                  f"≥ {100 * TOY_TARGETS[data][1]:.0f}% high quality" if data in TOY_TARGETS
                  else f"classifier FID ≤ {IMAGE_FID_TARGET:g}, 10/10 classes")
        ours, theirs = per_engine["lsgan"], per_engine["pytorch"]
        ours_median = median([r["seconds"] for r in ours])
        theirs_median = median([r["seconds"] for r in theirs])
        iterations = median([r["iteration"] or math.inf for r in ours])
        ratio = (f"{ours_median / theirs_median:.2f}" if theirs and math.isfinite(ours_median)
                 and math.isfinite(theirs_median) else "—")
        reference = "| — | — | — |"
        if theirs:
            reference = (f"| {show(theirs_median)} "
                         f"({' '.join(show(r['seconds']) for r in theirs)}) "
                         f"| {median([r['ms_per_iteration'] for r in theirs]):.2f} | {ratio} |")
        print(f"| {data} | {target} | **{show(ours_median)}** "
              f"({' '.join(show(r['seconds']) for r in ours)}) | {iterations:g} "
              f"| {median([r['ms_per_iteration'] for r in ours]):.2f} {reference}")


if __name__ == "__main__":
    main()
