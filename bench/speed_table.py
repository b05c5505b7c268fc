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
if os.path.exists(f"{out}/machine"):
    with open(f"{out}/machine") as f:
        print(f"Machine: {f.read().strip()}")
print()
print("| preset | govae, -blas go | govae, -blas openblas | PyTorch, 1 OpenBLAS thread | PyTorch, 2 OpenBLAS threads "
      "| go / faster PyTorch | openblas / faster PyTorch |")
print("|---|---|---|---|---|---|---|")
for preset in ["pytorch-example", "burda-vae", "burda-iwae", "burda2-vae", "burda2-iwae"]:
    if not os.path.exists(f"{out}/go-go-{preset}/results.json"):
        continue  # not in this sitting's PRESETS
    # Each time is the median of the run's epochs, which follow it in brackets.
    epochs = lambda ts: f"{statistics.median(ts):.2f} ({', '.join(f'{t:.2f}' for t in ts)})"
    gos = go_timing(f"go-go-{preset}")["epoch_seconds"]
    go = statistics.median(gos)
    pt1s = torch_timing(f"torch1-{preset}")["epoch_seconds"]
    pt2s = torch_timing(f"torch2-{preset}")["epoch_seconds"]
    pt = min(statistics.median(pt1s), statistics.median(pt2s))
    if os.path.exists(f"{out}/go-openblas-{preset}/results.json"):
        ob = statistics.median(go_timing(f"go-openblas-{preset}")["epoch_seconds"])
        ob_time, ob_ratio, ob_rss = f"{ob:.2f}", f"{ob / pt:.2f}", f"{rss_mb(f'go-openblas-{preset}'):.0f}"
    else:  # BLASES=go
        ob_time, ob_ratio, ob_rss = "not run", "", ""
    print(f"| {preset} s/epoch | {epochs(gos)} | {ob_time} | {epochs(pt1s)} | {epochs(pt2s)} | {go / pt:.3f} | {ob_ratio} |")
    print(f"| {preset} peak RSS (MB) | {rss_mb(f'go-go-{preset}'):.0f} | {ob_rss} "
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
