"""Markdown tables from benchmark results: JSON lines written by `lsgan bench --json` and
bench/reference/lsgan_step.py (both engines, any number of rounds, alternated).

  python3 bench/table.py RESULTS.jsonl

Table 1 (lsgan against PyTorch): one row per workload, device, threads and batch: each
engine's median ms/iteration (the median over rounds of each round's median), the ratio
lsgan/PyTorch of those, and the ratio's range over rounds (round k of lsgan against round k
of PyTorch, run next to each other). Table 2: the rows that only lsgan ran (scaling). Table
3: the lock-step rows of bench/lockstep.py (both engines at once, taking turns).
Standard library only, so it runs anywhere python3 does.
"""
import json
import statistics
import sys
from collections import defaultdict


def key(row):
    # The iteration count keeps the scaling rows (fewer iterations) apart from the main ones.
    return (row["workload"], row["device"], row["threads"], row["batch"],
            row.get("penalty_every", 1), row["iters"], row.get("precision", "fp32"))


def label(k):
    options = ([] if k[4] == 1 else [f"penalty every {k[4]}"]) + \
        ([] if k[6] == "fp32" else [k[6]])
    return k[0] + (f" ({', '.join(options)})" if options else "")


def main(path):
    runs = defaultdict(lambda: defaultdict(list))
    lockstep = []
    with open(path) as lines:
        for line in lines:
            line = line.strip()
            if line.startswith("{"):
                row = json.loads(line)
                if row["engine"] == "lockstep":
                    lockstep.append(row)
                else:
                    runs[key(row)][row["engine"]].append(row)
    order = {"ring": 0, "mnist": 1, "dcgan64": 2}
    keys = sorted(runs, key=lambda k: (k[1], order.get(k[0], 9), k[6], k[4], k[2], k[3]))
    print("| workload | device | threads | batch | lsgan ms/it | PyTorch ms/it | lsgan/PyTorch "
          "| range over rounds | rounds | lsgan samples/s | lsgan peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    alone = []
    for k in keys:
        ours, theirs = runs[k].get("lsgan", []), runs[k].get("pytorch", [])
        if not theirs:
            alone.append(k)
            continue
        if not ours:
            continue
        a = statistics.median(r["median_ms"] for r in ours)
        b = statistics.median(r["median_ms"] for r in theirs)
        ratios = [x["median_ms"] / y["median_ms"] for x, y in zip(ours, theirs)]
        rss = max((r.get("peak_rss_mib") or 0) for r in ours)
        print(f"| {label(k)} | {k[1]} | {k[2]} | {k[3]} | {a:.2f} | {b:.2f} | **{a / b:.2f}** "
              f"| {min(ratios):.2f}–{max(ratios):.2f} | {len(ratios)} "
              f"| {ours[0]['batch'] * ours[0]['critic_steps'] / a * 1000:.0f} | {rss:.0f} |")
    if alone:
        print()
        print("| workload | device | threads | batch | lsgan ms/it (p10–p90) | ms per sample |")
        print("|---|---|---|---|---|---|")
        for k in alone:
            rows = runs[k]["lsgan"]
            a = statistics.median(r["median_ms"] for r in rows)
            spread = f"{min(r['p10_ms'] for r in rows):.1f}–{max(r['p90_ms'] for r in rows):.1f}"
            print(f"| {label(k)} | {k[1]} | {k[2]} | {k[3]} | {a:.1f} ({spread}) | {a / k[3]:.2f} |")


    if lockstep:
        print()
        print("| workload | device | threads | batch | pairs | lsgan ms/it | PyTorch ms/it "
              "| ratio of medians | median pair ratio (quartiles) | pairs with lsgan faster |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in lockstep:
            k = (r["workload"], r["device"], r["threads"], r["batch"], r["penalty_every"], 0,
                 r["precision"])
            print(f"| {label(k)} | {r['device']} | {r['threads']} | {r['batch']} | {r['pairs']} "
                  f"| {r['lsgan_median_ms']:.2f} | {r['pytorch_median_ms']:.2f} "
                  f"| **{r['ratio_of_medians']:.2f}** | {r['median_ratio']:.2f} "
                  f"({r['ratio_q1']:.2f}–{r['ratio_q3']:.2f}) "
                  f"| {r['pairs_under_1']} of {r['pairs']} |")


if __name__ == "__main__":
    main(sys.argv[1])
