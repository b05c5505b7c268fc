#!/usr/bin/python3
"""Run govae's vae-train presets in PyTorch, as a reference.

Trains the architecture of a vae-train preset (pytorch-example, burda-vae,
burda-iwae, and the two-layer burda2-vae and burda2-iwae) the way govae does, on the same MNIST IDX files, evaluates it
the same way, and writes a JSON report with the seconds of every epoch, the
test ELBO and the importance-sampled test log p(x). See BENCHMARK.md.

What is the same as govae: the networks (MLP encoder with a mean head and a
log-variance head, mirrored MLP decoder to Bernoulli logits; for a
hierarchical model, each layer above the first an MLP q(h_l|h_l-1) with the
same two heads and its mirror p(h_l-1|h_l), a diagonal Gaussian too), Glorot-uniform
weights and zero biases, the decoder output bias (zero, or the logit of the
mean training image clipped to [0.001, 0.999]), the loss (the negative bound
averaged over the batch: the ELBO with a closed-form KL and L samples, or
the IWAE bound with K samples; with several layers the KL is the top
layer's in closed form plus log q - log p of the layers below, sampled),
dynamic binarisation (a fresh Bernoulli draw
per pixel each time an image enters a batch), a fresh shuffle each epoch
with a short last batch kept, Adam (torch.optim.Adam is Kingma and Ba's
Algorithm 1, as govae's optim.Adam), the learning-rate schedule, float32,
and the evaluation: the test ELBO with one sample of z per image, the
active units (variance over the test set of each latent's posterior mean
above 0.01; for a layer above the first, the mean of q(h_l|h_l-1) at the
sample of h_l-1), and log p(x) as the log-mean-exp of K importance weights
p(x,z)/q(z|x) per image, averaged over the images, with its standard error.
The binarised test set is govae's own, exported with
`go run ./cmd/vae-train -export-test FILE` (pass it with --binarized-test).
What differs: the random numbers (initial weights, data order, binarisation
draws and noise come from PyTorch's generator, not govae's PCG streams), so
the two runs agree in distribution, not bit for bit.

Fastest setup on a 2-core machine (see BENCHMARK.md): Debian's python3-torch
with OpenBLAS,

    apt-get install -y python3-torch libopenblas0-pthread
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \\
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/pytorch_vae.py \\
        --preset pytorch-example --threads 2 --blas-threads 1 --out r.json

Nothing is downloaded: MNIST is read from the GoMNIST module folder of the Go
module cache (`go env GOMODCACHE`), or from --data.

--load FILE.safetensors evaluates a model govae exported (vae-train -eval DIR
-export FILE) instead of training one: the architecture, the likelihood and
the standardisation come from the file's metadata, the weights from its
tensors (govae's W is (in, out), nn.Linear's weight its transpose). It
scores the model on the test set as govae does (the ELBO, and log p(x) with
--eval-k), and with --decoded Z.csv OUT.csv checks PyTorch's decoder on the
latents govae decoded (vae-train -eval DIR -decode Z.csv writes OUT.csv,
decoded.csv): the largest difference must be at most 1e-5. With --govae-eval
eval.json it sets govae's log p(x) beside its own, with the standard error.
The file is read with json and numpy (8 bytes of header length, a JSON
header, little-endian data), which runs nothing from it; the safetensors
package is not needed.

--save FILE.safetensors goes the other way: it writes the model a preset
trained in the format of govae's export (the same tensor names, dtypes and
metadata), written with json and numpy too, and `vae-train -init FILE
-preset NAME -epochs 0 -out DIR` scores it in govae (DIR is then a run that
-eval DIR uses and -resume DIR -epochs N fine-tunes).

    go run ./cmd/vae-train -export-test bin.idx
    go run ./cmd/vae-train -eval DIR -eval-k 1000 -encode z.csv -export m.safetensors
    go run ./cmd/vae-train -eval DIR -decode z.csv
    /usr/bin/python3 bench/pytorch_vae.py --load m.safetensors --binarized-test bin.idx \
        --eval-k 1000 --decoded z.csv DIR/decoded.csv --govae-eval DIR/eval.json
"""

import argparse
import gzip
import json
import math
import os
import platform
import statistics
import struct
import subprocess
import sys
import time

PRESETS = {
    "pytorch-example": dict(
        hidden=[400], latent=20, activation="relu", binarize="none",
        objective="elbo", k=1, batch=128, lr=1e-3, schedule="constant",
        beta1=0.9, beta2=0.999, eps=1e-8, epochs=10, output_bias="zero",
        eval_k=1000),
    "burda-vae": dict(
        hidden=[200, 200], latent=50, activation="tanh", binarize="dynamic",
        objective="elbo", k=1, batch=20, lr=1e-3, schedule="burda",
        beta1=0.9, beta2=0.999, eps=1e-4, epochs=3280,
        output_bias="data-mean", eval_k=5000),
}
PRESETS["burda-iwae"] = dict(PRESETS["burda-vae"], objective="iwae", k=5)
# Two stochastic layers: h1 of 100 units through 200-200, h2 of 50 through
# 100-100 (vae-train -latent 100 -hidden 200,200 -upper 100,100:50).
PRESETS["burda2-vae"] = dict(PRESETS["burda-vae"], latent=100, upper=[([100, 100], 50)])
PRESETS["burda2-iwae"] = dict(PRESETS["burda2-vae"], objective="iwae", k=5)

GOMNIST = "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data"
EVAL_BATCH = 500      # test images per batch for the ELBO (as govae)
LOGPX_BATCH = 100     # test images per batch for log p(x) (as govae)
LOGPX_CHUNK = 100     # importance samples drawn at a time
ACTIVE_LIMIT = 0.01   # variance above which a latent is active (Burda et al.)
EVAL_SEED = 0x6576616C  # seeds of the evaluation's noise, fixed as in govae
LOGPX_SEED = 0x6C6F6770


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), help="the protocol to train (required unless --load)")
    p.add_argument("--load", metavar="FILE", help="evaluate the model govae exported to this safetensors file instead of training")
    p.add_argument("--decoded", nargs=2, metavar=("Z", "OUT"), help="with --load: latents (CSV) and govae's decoder output for them (vae-train -eval DIR -decode Z)")
    p.add_argument("--save", metavar="FILE", help="with --preset: write the trained model to this safetensors file, in govae's format (vae-train -init FILE reads it)")
    p.add_argument("--govae-eval", metavar="FILE", help="with --load: govae's eval.json of the same model, to compare log p(x)")
    p.add_argument("--k", type=int, help="samples of z per example (default: the preset's)")
    p.add_argument("--budget", type=int, default=0, help="train only the first N epochs of the protocol (0: all)")
    p.add_argument("--eval-k", type=int, help="importance samples for log p(x) (default: the preset's; 0 skips)")
    p.add_argument("--eval-limit", type=int, default=0, help="evaluate on the first N test images only (0: all)")
    p.add_argument("--limit", type=int, default=0, help="train on the first N training images only (0: all)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", help="folder of the MNIST IDX files (default: the GoMNIST module folder)")
    p.add_argument("--binarized-test", help="govae's fixed binarised test set (vae-train -export-test FILE); needed for binarised presets")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    p.add_argument("--blas-threads", type=int, default=1, help="OpenBLAS threads (OPENBLAS_NUM_THREADS)")
    p.add_argument("--out", help="write the JSON report here (default: stdout only)")
    args = p.parse_args()
    if not args.preset and not args.load:
        p.error("give --preset to train, or --load to evaluate a model govae exported")
    if args.load and args.preset:
        p.error("--load evaluates a govae model, --preset trains one: give one of them")
    if (args.decoded or args.govae_eval) and not args.load:
        p.error("--decoded and --govae-eval check a model given with --load")
    if args.save and not args.preset:
        p.error("--save writes a model trained with --preset")
    return args


MAX_HEADER = 100 << 20  # bound on a safetensors header, as the Rust reader's


def read_safetensors(path):
    """Reads a safetensors file: returns its metadata and a dict of numpy
    arrays (F32 or F64). Every offset is checked against the file."""
    import numpy as np
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        sys.exit(f"pytorch_vae: {path} is not a safetensors file (too short)")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > MAX_HEADER or 8 + n > len(buf):
        sys.exit(f"pytorch_vae: {path}: a header of {n} bytes in a file of {len(buf)}")
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = memoryview(buf)[8 + n:]
    tensors = {}
    for name, t in header.items():
        dtype = {"F32": "<f4", "F64": "<f8"}.get(t["dtype"])
        begin, end = t["data_offsets"]
        shape = t["shape"]
        if dtype is None or not 0 <= begin <= end <= len(data) or end - begin != math.prod(shape) * np.dtype(dtype).itemsize:
            sys.exit(f"pytorch_vae: {path}: tensor {name} ({t['dtype']}, {shape}, bytes {begin}..{end}) does not fit the file")
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
    return meta, tensors


def loaded_config(meta):
    """The configuration of a model from the metadata of govae's export."""
    if meta.get("format") != "govae-mlp-vae/1":
        sys.exit(f"pytorch_vae: format {meta.get('format')!r}: give a file written by vae-train -eval DIR -export FILE")
    arch = json.loads(meta["arch"])
    lik = arch.get("likelihood", "bernoulli")
    cfg = dict(hidden=arch["hidden"] or [], latent=arch["latent"], activation=arch["activation"],
               dtype=arch["dtype"], likelihood=lik, input=arch["input"],
               upper=[(l["hidden"] or [], l["latent"]) for l in arch.get("upper") or []])
    cfg["standardization"] = json.loads(meta["standardization"]) if "standardization" in meta else None
    return cfg


def read_idx_images(path):
    """Reads an IDX image file (gzip or plain) as an (n, rows*cols) uint8 array."""
    import numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x803 or len(data) != 16 + n * rows * cols:
        sys.exit(f"pytorch_vae: {path} is not an IDX image file of {n}×{rows}×{cols} bytes")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)


def data_dir(arg):
    if arg:
        return arg
    try:
        cache = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"pytorch_vae: cannot ask go for the module cache ({e}): give the MNIST folder with --data")
    return os.path.join(cache, GOMNIST)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    return value.strip()
    except OSError:
        pass
    return platform.processor()


def burda_rate(lr, epoch):
    """lr·10^(-i/7) in stage i, which lasts 3^i epochs (i = 0..7); the last rate after."""
    start = 0
    for i in range(8):
        start += 3 ** i
        if epoch < start:
            return lr * 10 ** (-i / 7)
    return lr * 10 ** (-7 / 7)


def main():
    args = parse_args()
    if args.load:
        meta, weights = read_safetensors(args.load)
        cfg = loaded_config(meta)
        cfg.update(binarize="static" if args.binarized_test else "none", k=1, objective="elbo",
                   eval_k=args.eval_k or 0, epochs=0)
    else:
        cfg = dict(PRESETS[args.preset], likelihood="bernoulli", dtype="float32")
    if args.k is not None:
        cfg["k"] = args.k
    if args.eval_k is not None:
        cfg["eval_k"] = args.eval_k
    if args.budget < 0 or args.budget > cfg["epochs"]:
        sys.exit(f"pytorch_vae: --budget {args.budget}: must be between 0 and {cfg['epochs']}")
    run_epochs = args.budget or cfg["epochs"]

    # OpenBLAS reads its thread count when it is loaded, with torch.
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    if cfg["dtype"] == "float64":
        torch.set_default_dtype(torch.float64)
    folder = data_dir(args.data)
    if args.load:
        train_u8 = np.zeros((0, cfg["input"]), dtype=np.uint8)  # nothing is trained
    else:
        train_u8 = read_idx_images(os.path.join(folder, "train-images-idx3-ubyte.gz"))
    if args.limit:
        train_u8 = train_u8[: args.limit]
    if cfg["binarize"] == "none":
        test_u8 = read_idx_images(os.path.join(folder, "t10k-images-idx3-ubyte.gz"))
        test_set = "grey"
    else:
        if not args.binarized_test:
            sys.exit("pytorch_vae: a binarised preset is evaluated on govae's fixed binarised test set: "
                     "write it with `go run ./cmd/vae-train -export-test FILE` and pass --binarized-test FILE")
        test_u8 = read_idx_images(args.binarized_test)
        if not np.isin(test_u8, (0, 255)).all():
            sys.exit(f"pytorch_vae: {args.binarized_test} is not binarised (pixels other than 0 and 255)")
        test_set = "binarized"
    if args.eval_limit:
        test_u8 = test_u8[: args.eval_limit]
    dt = np.float64 if cfg["dtype"] == "float64" else np.float32
    x_train = torch.from_numpy(train_u8.astype(dt) / 255)
    x_test = torch.from_numpy(test_u8.astype(dt) / 255)
    dim = x_train.shape[1]
    if args.load and dim != x_test.shape[1]:
        sys.exit(f"pytorch_vae: the model takes {dim} values, the test images have {x_test.shape[1]}")
    if cfg.get("standardization"):
        st = cfg["standardization"]
        x_test = (x_test - torch.tensor(st["mean"])) / torch.tensor(st["scale"])

    act = nn.ReLU if cfg["activation"] == "relu" else nn.Tanh

    def mlp(sizes):
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers += [nn.Linear(a, b), act()]
        return nn.Sequential(*layers)

    class Gaussian(nn.Module):
        """An MLP to a diagonal Gaussian: a mean head and a log-variance head."""

        def __init__(self, n_in, hidden, n_out):
            super().__init__()
            self.body = mlp([n_in] + hidden)
            last = hidden[-1] if hidden else n_in
            self.mean = nn.Linear(last, n_out)
            self.logvar = nn.Linear(last, n_out)

        def forward(self, h):
            b = self.body(h)
            return self.mean(b), self.logvar(b)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            h, z = cfg["hidden"], cfg["latent"]
            self.enc = Gaussian(dim, h, z)
            rev = list(reversed(h))
            self.dec = mlp([z] + rev)
            self.out = nn.Linear(rev[-1] if rev else z, dim)
            # A Gaussian p(x|z): one log-variance per feature, learned
            # ("gaussian") or fixed ("gaussian:V").
            lik = cfg["likelihood"]
            if lik == "gaussian":
                self.logvar = nn.Parameter(torch.zeros(dim))
            elif lik.startswith("gaussian:"):
                self.register_buffer("logvar", torch.full((dim,), math.log(float(lik.split(":", 1)[1]))))
            # The layers above the first: q(h_l|h_l-1) and p(h_l-1|h_l).
            self.up_q, self.up_p = nn.ModuleList(), nn.ModuleList()
            below = z
            for hidden, units in cfg.get("upper", []):
                self.up_q.append(Gaussian(below, hidden, units))
                self.up_p.append(Gaussian(units, list(reversed(hidden)), below))
                below = units

        def decode(self, z):
            return self.out(self.dec(z))

    model = VAE()
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    if args.load:
        load_weights(model, weights, cfg)
    elif cfg["output_bias"] == "data-mean":
        p = x_train.mean(0).clamp(0.001, 0.999)
        with torch.no_grad():
            model.out.bias.copy_(torch.log(p / (1 - p)))
    latents = [cfg["latent"]] + [units for _, units in cfg.get("upper", [])]

    log2pi = math.log(2 * math.pi)

    def log_bernoulli(logits, x):
        return -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)

    def log_lik_of(out, x):
        """log p(x|h1) for the decoder's output: Bernoulli logits, or the
        mean of a Gaussian with the model's per-feature log-variance."""
        if cfg["likelihood"] == "bernoulli":
            return log_bernoulli(out, x)
        return -0.5 * ((x - out) ** 2 * torch.exp(-model.logvar) + model.logvar + log2pi).sum(-1)

    def log_normal(h, mean, logvar):
        return -0.5 * ((h - mean) ** 2 * torch.exp(-logvar) + logvar + log2pi).sum(-1)

    def flat(f, h):
        """Applies the network f to h of shape (..., d) as a matrix: the
        leading axes are flattened so that every nn.Linear multiplies a
        matrix (a 3-D input takes PyTorch's batched path and its backward
        copies, which a plain 2-D script does not pay)."""
        out = f(h.reshape(-1, h.shape[-1]))
        if isinstance(out, tuple):
            return tuple(o.view(*h.shape[:-1], o.shape[-1]) for o in out)
        return out.view(*h.shape[:-1], out.shape[-1])

    def chain(x, samples, g):
        """Draws samples of the chain h1 ... hL for each example of x, and
        returns (S, B) tensors: log p(x|h1), log p(h), log q(h|x), and the
        KL along the chain (the top layer's KL to N(0, I) in closed form,
        plus log q - log p of the layers below at the samples); and the
        means of q of every layer, (S, B, d_l) (h1's (B, d1)). One sample,
        the common case, stays 2-D throughout (the same draws as a
        (1, B, d) eps)."""
        mean, logvar = model.enc(x)
        shape = mean.shape if samples == 1 else (samples,) + mean.shape
        eps = torch.randn(shape, generator=g)
        h = mean + torch.exp(0.5 * logvar) * eps
        log_lik = log_lik_of(flat(model.decode, h), x)
        log_qs = [-0.5 * (eps * eps + logvar + log2pi).sum(-1)]
        log_ps = []  # log p(h_l|h_l+1), l < L
        means = [mean]
        for q, p in zip(model.up_q, model.up_p):
            mean, logvar = flat(q, h)
            e = torch.randn(mean.shape, generator=g)
            h_up = mean + torch.exp(0.5 * logvar) * e
            log_qs.append(-0.5 * (e * e + logvar + log2pi).sum(-1))
            pm, plv = flat(p, h_up)
            log_ps.append(log_normal(h, pm, plv))
            means.append(mean)
            h = h_up
        top_kl = 0.5 * (torch.exp(logvar) + mean * mean - 1 - logvar).sum(-1)
        log_top = -0.5 * (h * h + log2pi).sum(-1)
        kl = top_kl + sum(log_qs[:-1]) - sum(log_ps) if log_ps else top_kl
        log_p = sum(log_ps) + log_top if log_ps else log_top
        out = [log_lik, log_p, sum(log_qs), kl.expand_as(log_lik)]
        if samples == 1:
            out = [t.unsqueeze(0) for t in out]
        return (*out, means)

    def log_weights(x, samples, g):
        """log p(x,h) - log q(h|x) for samples draws of the chain, (S, B)."""
        log_lik, log_p, log_q, _, _ = chain(x, samples, g)
        return log_lik + log_p - log_q

    def elbo_terms(x, samples, g):
        """Per-example -E_q[log p(x|h1)] and the KL along the chain, both
        averaged over the samples, and the means of q of every layer."""
        log_lik, _, _, kl, means = chain(x, samples, g)
        return -log_lik.mean(0), kl.mean(0), means

    def loss_of(x):
        k = cfg["k"]
        if cfg["objective"] == "elbo":
            recon, kl, _ = elbo_terms(x, k, gen)
            return (recon + kl).mean()
        lw = log_weights(x, k, gen)
        return -(torch.logsumexp(lw, 0) - math.log(k)).mean()

    # Evaluation draws from generators of its own with fixed seeds, as
    # govae's does, so that it does not change the training stream.
    @torch.no_grad()
    def evaluate():
        g = torch.Generator().manual_seed(EVAL_SEED)
        recon_sum = kl_sum = 0.0
        means = [[] for _ in latents]
        for i in range(0, len(x_test), EVAL_BATCH):
            x = x_test[i: i + EVAL_BATCH]
            recon, kl, ms = elbo_terms(x, 1, g)
            recon_sum += recon.sum().item()
            kl_sum += kl.sum().item()
            for l, m in enumerate(ms):
                means[l].append(m.reshape(-1, m.shape[-1]))
        n = len(x_test)
        var = [torch.cat(m).double().var(0, unbiased=False) for m in means]
        by_layer = [int((v > ACTIVE_LIMIT).sum()) for v in var]
        out = dict(set=test_set, n=n, elbo=-(recon_sum + kl_sum) / n, loss=(recon_sum + kl_sum) / n,
                   recon=recon_sum / n, kl=kl_sum / n, active_units=sum(by_layer),
                   latent_variances=torch.cat(var).tolist())
        if len(latents) > 1:
            out["active_units_by_layer"] = by_layer
        return out

    @torch.no_grad()
    def log_likelihood(k):
        g = torch.Generator().manual_seed(LOGPX_SEED)
        est = []
        for i in range(0, len(x_test), LOGPX_BATCH):
            x = x_test[i: i + LOGPX_BATCH]
            lws = []
            for done in range(0, k, LOGPX_CHUNK):
                s = min(LOGPX_CHUNK, k - done)
                lws.append(log_weights(x, s, g).double())
            est.append(torch.logsumexp(torch.cat(lws), 0) - math.log(k))
        est = torch.cat(est)
        return est.mean().item(), (est.std(unbiased=True) / math.sqrt(len(est))).item() if len(est) > 1 else 0.0


    if args.load:
        evaluate_loaded(args, cfg, model, x_test, evaluate, log_likelihood, torch, np)
        return

    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"])
    history = []
    n, batch = len(x_train), cfg["batch"]
    print(f"pytorch_vae: {args.preset}, {cfg['objective']} k={cfg['k']}, {run_epochs} of {cfg['epochs']} epochs, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, OPENBLAS_NUM_THREADS={args.blas_threads}", flush=True)
    start = time.perf_counter()
    for epoch in range(run_epochs):
        lr = burda_rate(cfg["lr"], epoch) if cfg["schedule"] == "burda" else cfg["lr"]
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.perf_counter()
        total = 0.0
        for idx in torch.randperm(n, generator=gen).split(batch):
            x = x_train[idx]
            if cfg["binarize"] == "dynamic":
                x = torch.bernoulli(x, generator=gen)
            loss = loss_of(x)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        secs = time.perf_counter() - t0
        t1 = time.perf_counter()
        test = evaluate()
        history.append(dict(epoch=epoch + 1, lr=lr, train_loss=total / n, test_loss=test["loss"],
                            active_units=test["active_units"], epoch_seconds=secs, eval_seconds=time.perf_counter() - t1))
        print(f"epoch {epoch + 1}/{run_epochs}: train loss {total / n:.2f}, test loss {test['loss']:.2f} "
              f"(recon {test['recon']:.2f}, KL {test['kl']:.2f}), {secs:.1f} s", flush=True)

    test = evaluate()
    log_px_secs = 0.0
    if cfg["eval_k"] > 0:
        t0 = time.perf_counter()
        mean, se = log_likelihood(cfg["eval_k"])
        log_px_secs = time.perf_counter() - t0
        test.update(eval_k=cfg["eval_k"], log_px=mean, log_px_stderr=se)
        print(f"log p(x) ≈ {mean:.2f} ± {se:.2f} nats (K = {cfg['eval_k']}, {len(x_test)} images, {log_px_secs:.0f} s)", flush=True)
    secs = [h["epoch_seconds"] for h in history]
    report = dict(
        preset=args.preset, config=dict(cfg, budget=args.budget, limit=args.limit, eval_limit=args.eval_limit, seed=args.seed),
        command=" ".join(sys.argv),
        epochs=dict(run=run_epochs, protocol=cfg["epochs"], budget=args.budget),
        environment=dict(torch=torch.__version__, numpy=np.__version__, python=platform.python_version(),
                         threads=torch.get_num_threads(), openblas_threads=args.blas_threads,
                         ld_library_path=os.environ.get("LD_LIBRARY_PATH", ""),
                         omp_wait_policy=os.environ.get("OMP_WAIT_POLICY", ""),
                         cpu=cpu_model(), cores=os.cpu_count()),
        test=test,
        history=history,
        timing=dict(wall_seconds=time.perf_counter() - start, epoch_seconds=secs,
                    seconds_per_epoch=statistics.median(secs), train_seconds=sum(secs), log_px_seconds=log_px_secs),
    )
    if args.save:
        save_weights(args.save, model, cfg, dim, args.seed)
        report["saved"] = args.save
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, args.out)
    print(json.dumps(dict(test={k: v for k, v in test.items() if k != "latent_variances"},
                          seconds_per_epoch=report["timing"]["seconds_per_epoch"])))


def named_layers(model):
    """govae's names of the model's layers: (NAME, nn.Linear) for each
    layer, whose tensors are NAME.W (in, out: nn.Linear's weight
    transposed) and NAME.b; the I-th Linear of a network's body is NAME.hI,
    its heads NAME.mean and NAME.logvar, the decoder's output decoder.out,
    and the layers above the first encoder2, decoder2, ... (vae.Export)."""
    import torch
    out = []

    def body(seq, name):
        for i, lin in enumerate(m for m in seq if isinstance(m, torch.nn.Linear)):
            out.append((f"{name}.h{i}", lin))

    def gaussian(g, name):
        body(g.body, name)
        out.extend([(name + ".mean", g.mean), (name + ".logvar", g.logvar)])

    gaussian(model.enc, "encoder")
    body(model.dec, "decoder")
    out.append(("decoder.out", model.out))
    for l, (q, p) in enumerate(zip(model.up_q, model.up_p), start=2):
        gaussian(q, f"encoder{l}")
        gaussian(p, f"decoder{l}")
    return out


def load_weights(model, weights, cfg):
    """Copies govae's tensors into the model's layers (named_layers), and a
    learned Gaussian's decoder.logvar; every tensor must be used."""
    import torch
    used = set()

    def take(name):
        if name not in weights:
            sys.exit(f"pytorch_vae: the file has no tensor {name}")
        used.add(name)
        return torch.from_numpy(weights[name].copy()).to(torch.get_default_dtype())

    for name, lin in named_layers(model):
        w, b = take(name + ".W"), take(name + ".b")
        if tuple(w.shape) != (lin.in_features, lin.out_features):
            sys.exit(f"pytorch_vae: {name}.W has shape {tuple(w.shape)}, the model wants ({lin.in_features}, {lin.out_features})")
        with torch.no_grad():
            lin.weight.copy_(w.T)
            lin.bias.copy_(b)
    if cfg["likelihood"] == "gaussian":
        with torch.no_grad():
            model.logvar.copy_(take("decoder.logvar"))
    if set(weights) != used:
        sys.exit(f"pytorch_vae: the file has tensors the model does not use: {sorted(set(weights) - used)}")


def save_weights(path, model, cfg, dim, seed):
    """Writes the model to path as govae's vae.Export does: its tensors
    under govae's names (named_layers), in the model's dtype, W as (in,
    out), and the metadata "format" and "arch" (and "standardization" for
    a standardised model), so that vae-train -init FILE reads it. The file
    is written with json and numpy (8 bytes of header length, the JSON
    header padded with spaces to a multiple of 8, the data in the header's
    order), to a temporary file renamed over path."""
    import numpy as np
    tensors = {}
    for name, lin in named_layers(model):
        tensors[name + ".W"] = lin.weight.detach().T
        tensors[name + ".b"] = lin.bias.detach()
    if cfg["likelihood"] == "gaussian":
        tensors["decoder.logvar"] = model.logvar.detach()
    arch = dict(input=dim, hidden=cfg["hidden"], latent=cfg["latent"], activation=cfg["activation"],
                dtype=cfg["dtype"], seed=seed)
    if cfg["likelihood"] != "bernoulli":
        arch["likelihood"] = cfg["likelihood"]
    if cfg.get("upper"):
        arch["upper"] = [dict(hidden=h, latent=n) for h, n in cfg["upper"]]
    meta = {"format": "govae-mlp-vae/1", "arch": json.dumps(arch)}
    if cfg.get("standardization"):
        meta["standardization"] = json.dumps(cfg["standardization"])
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name].numpy(), dtype="<f8" if cfg["dtype"] == "float64" else "<f4")
        header[name] = dict(dtype="F64" if cfg["dtype"] == "float64" else "F32", shape=list(a.shape),
                            data_offsets=[offset, offset + a.nbytes])
        blobs.append(a.tobytes())
        offset += a.nbytes
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def evaluate_loaded(args, cfg, model, x_test, evaluate, log_likelihood, torch, np):
    """Scores a loaded model, checks its decoder against govae's output and
    compares log p(x) with govae's eval.json, and prints a JSON report."""
    report = dict(load=args.load, config={k: v for k, v in cfg.items() if k != "standardization"},
                  torch=torch.__version__, dtype=str(torch.get_default_dtype()))
    ok = True
    if args.decoded:
        z = np.loadtxt(args.decoded[0], delimiter=",", skiprows=1, ndmin=2)
        want = np.loadtxt(args.decoded[1], delimiter=",", skiprows=1, ndmin=2)
        with torch.no_grad():
            got = model.decode(torch.from_numpy(z).to(torch.get_default_dtype())).double().numpy()
        if got.shape != want.shape:
            sys.exit(f"pytorch_vae: {args.decoded[1]} holds {want.shape} values, the decoder gave {got.shape}")
        diff = float(np.abs(got - want).max())
        ok = diff <= 1e-5
        report["decoder"] = dict(latents=len(z), max_abs_diff=diff, tolerance=1e-5, ok=ok)
        print(f"decoder: {len(z)} latents, largest difference from govae {diff:.3g} ({'within' if ok else 'OVER'} 1e-5)", flush=True)
    test = evaluate()
    print(f"test ({test['set']}, {test['n']} images): ELBO {test['elbo']:.4f} (recon {test['recon']:.4f}, KL {test['kl']:.4f})", flush=True)
    if cfg["eval_k"] > 0:
        mean, se = log_likelihood(cfg["eval_k"])
        test.update(eval_k=cfg["eval_k"], log_px=mean, log_px_stderr=se)
        print(f"log p(x) ≈ {mean:.4f} ± {se:.4f} nats (K = {cfg['eval_k']})", flush=True)
        if args.govae_eval:
            with open(args.govae_eval) as f:
                go = json.load(f)["test"]
            if go.get("log_px") is None or go.get("eval_k") != cfg["eval_k"] or go.get("n") != test["n"]:
                sys.exit(f"pytorch_vae: {args.govae_eval} has log p(x) {go.get('log_px')} with K = {go.get('eval_k')} on {go.get('n')} images; "
                         f"score the model with -eval-k {cfg['eval_k']} on the same {test['n']} images")
            d = mean - go["log_px"]
            within = abs(d) <= go["log_px_stderr"]
            ok = ok and within
            test["govae"] = dict(log_px=go["log_px"], log_px_stderr=go["log_px_stderr"], elbo=go["elbo"], difference=d, within_stderr=within)
            print(f"govae: log p(x) ≈ {go['log_px']:.4f} ± {go['log_px_stderr']:.4f}, ELBO {go['elbo']:.4f}; "
                  f"difference {d:+.4f} nats ({'within' if within else 'OUTSIDE'} the standard error)", flush=True)
    report["test"] = {k: v for k, v in test.items() if k != "latent_variances"}
    print(json.dumps(report))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
