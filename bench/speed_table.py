"""Prints the speed table of BENCHMARK.md from the outputs of bench/speed.sh."""
import json
import os
import statistics
import sys

out, images = sys.argv[1], int(sys.argv[2])


def rss_mb(name):
    with open(f"{out}/{name}.rss") as f:
        return int(f.read().split()[-1]) / 1024


def go_timing(run):
    with open(f"{out}/{run}/results.json") as f:
        return json.load(f)["timing"]


def torch_timing(name):
    with open(f"{out}/{name}.json") as f:
        return json.load(f)["timing"]


with open(f"{out}/load") as f:
    print(f"Load average at the start (1, 5, 15 min): {f.read().strip()}")
print()
print("| preset | govae, -blas go | govae, -blas openblas | PyTorch, 1 OpenBLAS thread | PyTorch, 2 OpenBLAS threads "
      "| go / faster PyTorch | openblas / faster PyTorch |")
print("|---|---|---|---|---|---|---|")
for preset in ["pytorch-example", "burda-vae", "burda-iwae", "burda2-vae", "burda2-iwae"]:
    if not os.path.exists(f"{out}/go-go-{preset}/results.json"):
        continue  # not in this sitting's PRESETS
    go = statistics.median(go_timing(f"go-go-{preset}")["epoch_seconds"])
    ob = statistics.median(go_timing(f"go-openblas-{preset}")["epoch_seconds"])
    pt1 = statistics.median(torch_timing(f"torch1-{preset}")["epoch_seconds"])
    pt2 = statistics.median(torch_timing(f"torch2-{preset}")["epoch_seconds"])
    pt = min(pt1, pt2)
    print(f"| {preset} s/epoch | {go:.2f} | {ob:.2f} | {pt1:.2f} | {pt2:.2f} | {go / pt:.2f} | {ob / pt:.2f} |")
    print(f"| {preset} peak RSS (MB) | {rss_mb(f'go-go-{preset}'):.0f} | {rss_mb(f'go-openblas-{preset}'):.0f} "
          f"| {rss_mb(f'torch1-{preset}'):.0f} | {rss_mb(f'torch2-{preset}'):.0f} | | |")
if not os.path.exists(f"{out}/go-go-burda-iwae-k50/results.json"):
    sys.exit(0)  # a sitting on a few presets (PRESETS): no K = 50 epoch or log p(x)
k50 = statistics.median(go_timing("go-go-burda-iwae-k50")["epoch_seconds"])
print()
print(f"burda-iwae, K = 50, govae -blas go: {k50:.1f} s/epoch (one epoch)")

go_lp = go_timing("go-logpx-run")["log_px_seconds"]
pt_lp = min(torch_timing(f"torch{t}-logpx")["log_px_seconds"] for t in (1, 2))
scale = 10000 / images
print()
print(f"log p(x), K = 5,000, {images} test images: govae {go_lp:.0f} s (peak RSS {rss_mb('go-logpx'):.0f} MB), "
      f"PyTorch, faster of 1 and 2 OpenBLAS threads, {pt_lp:.0f} s "
      f"(peak RSS {max(rss_mb('torch1-logpx'), rss_mb('torch2-logpx')):.0f} MB); "
      f"scaled to 10,000 images: govae {go_lp * scale / 60:.0f} min, PyTorch {pt_lp * scale / 60:.0f} min")
