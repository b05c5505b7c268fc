#!/usr/bin/python3
"""A plain PyTorch CD-k loop for an RBM on MNIST: the speed reference of
govae's ebm-train (BENCHMARK.md, RBM speed table).

What it does is what govae's RBMTrainer does per update, written the
straightforward way: the first --limit training images binarised once,
shuffled batches of --batch, W ~ 0.01·N(0, 1) and zero biases, then per
batch p(h|x) for the data term, k steps of block Gibbs sampling from the
data (h and v both sampled as Bernoulli draws), p(h|v_k) for the model
term, and the momentum update Δ ← μΔ + ε(∇ − λW), θ ← θ + Δ with weight
decay on W only; float32 throughout. It prints the seconds of every epoch
and their median, and with --out writes them as JSON.

Fastest setup on a 2-core machine (see the RBM speed table of
BENCHMARK.md): Debian's python3-torch with OpenBLAS, 2 torch threads,
passive OpenMP waiting:

    apt-get install -y python3-torch libopenblas0-pthread
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \\
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/pytorch_rbm.py \\
        --k 25 --hidden 500 --limit 6000 --epochs 3 --threads 2 --blas-threads 2

Nothing is downloaded: MNIST is read from the GoMNIST module folder of the Go
module cache (`go env GOMODCACHE`), or from --data.
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_vae import cpu_model, data_dir, read_idx_images  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--k", type=int, default=25, help="Gibbs steps per update (CD-k)")
    p.add_argument("--hidden", type=int, default=500)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--limit", type=int, default=6000, help="train on the first N training images (0: all)")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=2e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", help="folder of the MNIST IDX files (default: the GoMNIST module folder)")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    p.add_argument("--blas-threads", type=int, default=2, help="OpenBLAS threads (OPENBLAS_NUM_THREADS)")
    p.add_argument("--ais-runs", type=int, default=0, help="then time AIS with this many runs over the 14,500-step schedule (0: skip)")
    p.add_argument("--out", help="write the JSON report here")
    return p.parse_args()


def betas():
    """The schedule of Salakhutdinov & Murray (2008): 14,501 values."""
    return ([i / 1000 for i in range(501)] + [i / 10000 for i in range(5001, 9001)]
            + [i / 100000 for i in range(90001, 100001)])


def ais(torch, W, b, c, x, runs, gen):
    """AIS from the base-rate model of x to the RBM, as govae's RBM.AIS:
    one block Gibbs transition per intermediate β, log-weights from the
    softplus of the hidden inputs. Returns the seconds and log Z."""
    import math
    F = torch.nn.functional
    p = (x.sum(0) + 1) / (x.shape[0] + 2)
    base = torch.log(p) - torch.log1p(-p)
    start = time.perf_counter()
    nh = W.shape[1]
    log_za = nh * math.log(2) + float(F.softplus(base).sum())
    v = torch.bernoulli(torch.sigmoid(base).expand(runs, -1), generator=gen)
    lw = torch.zeros(runs, dtype=torch.float64)
    bs = betas()
    for k in range(1, len(bs)):
        bk, bp = bs[k], bs[k - 1]
        a = v @ W + c
        lw += ((bk - bp) * (v @ (b - base)) + (F.softplus(bk * a) - F.softplus(bp * a)).sum(1)).double()
        if k == len(bs) - 1:
            break
        h = torch.bernoulli(torch.sigmoid(bk * a), generator=gen)
        v = torch.bernoulli(torch.sigmoid((1 - bk) * base + bk * (h @ W.t() + b)), generator=gen)
    log_z = log_za + float(torch.logsumexp(lw, 0)) - math.log(runs)
    return time.perf_counter() - start, log_z


def main():
    args = parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    import torch
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)

    u8 = read_idx_images(os.path.join(data_dir(args.data), "train-images-idx3-ubyte.gz"))
    if args.limit:
        u8 = u8[: args.limit]
    x_train = torch.bernoulli(torch.from_numpy(u8.astype("float32") / 255), generator=gen)
    n, nv = x_train.shape
    nh, k = args.hidden, args.k

    W = 0.01 * torch.randn(nv, nh, generator=gen)
    b = torch.zeros(nv)
    c = torch.zeros(nh)
    dW, db, dc = torch.zeros_like(W), torch.zeros_like(b), torch.zeros_like(c)
    lr, mom, wd = args.lr, args.momentum, args.weight_decay

    seconds = []
    with torch.no_grad():
        for epoch in range(args.epochs):
            start = time.perf_counter()
            for idx in torch.randperm(n, generator=gen).split(args.batch):
                if len(idx) < args.batch:
                    break
                x = x_train[idx]
                ph_data = torch.sigmoid(x @ W + c)
                h = torch.bernoulli(ph_data, generator=gen)
                for step in range(k):
                    v = torch.bernoulli(torch.sigmoid(h @ W.t() + b), generator=gen)
                    ph = torch.sigmoid(v @ W + c)
                    if step < k - 1:
                        h = torch.bernoulli(ph, generator=gen)
                m = x.shape[0]
                gW = (x.t() @ ph_data - v.t() @ ph) / m
                gb = (x - v).mean(0)
                gc = (ph_data - ph).mean(0)
                dW.mul_(mom).add_(lr * (gW - wd * W))
                db.mul_(mom).add_(lr * gb)
                dc.mul_(mom).add_(lr * gc)
                W += dW
                b += db
                c += dc
            seconds.append(time.perf_counter() - start)
            print(f"epoch {epoch + 1}: {seconds[-1]:.2f} s", flush=True)
    ais_seconds, log_z = None, None
    if args.ais_runs:
        ais_seconds, log_z = ais(torch, W, b, c, x_train, args.ais_runs, gen)
        print(f"AIS, {args.ais_runs} runs, 14,500 steps: log Z {log_z:.3f}, {ais_seconds:.1f} s")
    report = dict(
        what=f"CD-{k}, {nh} hidden, {n} images, batch {args.batch}",
        seconds=seconds,
        seconds_per_epoch=statistics.median(seconds),
        torch=torch.__version__,
        threads=args.threads,
        blas_threads=args.blas_threads,
        cpu=cpu_model(),
        mean_abs_w=float(W.abs().mean()),
        ais_runs=args.ais_runs,
        ais_seconds=ais_seconds,
        ais_log_z=log_z,
    )
    print(f"median {report['seconds_per_epoch']:.2f} s per epoch")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
