"""Prints the speed table of BENCHMARK.md from the outputs of bench/speed.sh."""
import json
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


print("| preset | govae, -blas go | govae, -blas openblas | PyTorch + OpenBLAS | go / PyTorch | openblas / PyTorch |")
print("|---|---|---|---|---|---|")
for preset in ["pytorch-example", "burda-vae", "burda-iwae"]:
    go = statistics.median(go_timing(f"go-go-{preset}")["epoch_seconds"])
    ob = statistics.median(go_timing(f"go-openblas-{preset}")["epoch_seconds"])
    pt = statistics.median(torch_timing(f"torch-{preset}")["epoch_seconds"])
    print(f"| {preset} s/epoch | {go:.1f} | {ob:.1f} | {pt:.1f} | {go / pt:.2f} | {ob / pt:.2f} |")
    print(f"| {preset} peak RSS (MB) | {rss_mb(f'go-go-{preset}'):.0f} | {rss_mb(f'go-openblas-{preset}'):.0f} | {rss_mb(f'torch-{preset}'):.0f} | | |")

go_lp = go_timing("go-logpx-run")["log_px_seconds"]
pt_lp = torch_timing("torch-logpx")["log_px_seconds"]
scale = 10000 / images
print()
print(f"log p(x), K = 5,000, {images} test images: govae {go_lp:.0f} s (peak RSS {rss_mb('go-logpx'):.0f} MB), "
      f"PyTorch {pt_lp:.0f} s (peak RSS {rss_mb('torch-logpx'):.0f} MB); "
      f"scaled to 10,000 images: govae {go_lp * scale / 60:.0f} min, PyTorch {pt_lp * scale / 60:.0f} min")
