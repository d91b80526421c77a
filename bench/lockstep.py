"""lsgan and the PyTorch reference taking turns, one training iteration at a time.

On a shared machine the speed changes from one minute to the next, and two engines timed one
after the other (bench/vs-pytorch.sh) each see a different minute. Here both run at once as
two processes, each warmed up and then waiting on its standard input: the driver starts one
iteration of one engine, waits for its time, then one of the other, alternating which goes
first in each pair, so that the two iterations of a pair are seconds apart. The ratio
lsgan/PyTorch of each pair is then measured under nearly the same conditions; the result is
their median and quartiles, and the ratio of the two engines' medians.

  python3 bench/lockstep.py --lsgan target/release/lsgan --python PYTHON \\
      --workload mnist --threads 2 --pairs 30 [--warmup 5] [extra flags for both engines]

Prints one JSON object (engine "lockstep"). Standard library only. A benchmark, not a test.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time


def start(command):
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1)


def read_json(process, name):
    line = process.stdout.readline()
    if not line:
        sys.exit(f"lockstep: {name} ended early (exit status {process.wait()})")
    return json.loads(line)


def turn(process, name, gap_seconds):
    # libgomp's idle threads spin for about a millisecond after a parallel region: the pause
    # lets the other engine's threads go to sleep before this one starts.
    time.sleep(gap_seconds)
    process.stdin.write("go\n")
    process.stdin.flush()
    return read_json(process, name)["iteration_ms"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lsgan", required=True, help="the lsgan binary")
    parser.add_argument("--python", required=True, help="python with torch")
    parser.add_argument("--reference", default="bench/reference/lsgan_step.py")
    parser.add_argument("--workload", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--gap-ms", type=float, default=20.0,
                        help="pause before each turn (other engine's threads go idle)")
    args, extra = parser.parse_known_args()
    common = ["--workloads", args.workload, "--threads", str(args.threads), "--warmup",
              str(args.warmup), "--iters", str(args.pairs), "--lockstep"] + extra
    engines = {
        "lsgan": start([args.lsgan, "bench", "--json"] + common),
        "pytorch": start([args.python, "-W", "ignore", args.reference] + common),
    }
    for name, process in engines.items():
        if not read_json(process, name).get("ready"):
            sys.exit(f"lockstep: {name} did not report ready")
    times = {"lsgan": [], "pytorch": []}
    for pair in range(args.pairs):
        order = ["lsgan", "pytorch"] if pair % 2 == 0 else ["pytorch", "lsgan"]
        for name in order:
            times[name].append(turn(engines[name], name, args.gap_ms / 1000))
    summaries = {}
    for name, process in engines.items():
        process.stdin.close()
        summaries[name] = read_json(process, name)
        process.wait()
    ratios = sorted(a / b for a, b in zip(times["lsgan"], times["pytorch"]))
    quartiles = statistics.quantiles(ratios, n=4, method="inclusive")
    ours, theirs = summaries["lsgan"], summaries["pytorch"]
    print(json.dumps({
        "engine": "lockstep",
        "workload": args.workload,
        "device": ours["device"],
        "threads": ours["threads"],
        "batch": ours["batch"],
        "penalty_every": ours["penalty_every"],
        "precision": ours["precision"],
        "pairs": args.pairs,
        "lsgan_median_ms": ours["median_ms"],
        "pytorch_median_ms": theirs["median_ms"],
        "ratio_of_medians": ours["median_ms"] / theirs["median_ms"],
        "median_ratio": statistics.median(ratios),
        "ratio_q1": quartiles[0],
        "ratio_q3": quartiles[2],
        "pairs_under_1": sum(r < 1 for r in ratios),
    }), flush=True)


if __name__ == "__main__":
    main()
