#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Accumulate a ConfusionMatrix over several processes and merge it exactly.

Two ways are shown, and both are checked against the matrix one process gets
from the whole data set:

1. torch.distributed (backend gloo): each rank accumulates its shard, the
   counts are all-reduced as a tensor (int64 for counts, float64 for weight
   sums) and added to an empty matrix with ``add_counts``.
2. multiprocessing: a Pool of workers returns their ConfusionMatrix objects,
   which travel pickled (``to_bytes``/``from_bytes`` underneath) and are merged
   with ``+=``.

Run it from a checkout: ``/usr/bin/python3 examples/distributed.py`` (add
``--weighted`` for sample weights, ``--ignore-index -100`` for padded labels).
"""
import argparse
import datetime
import multiprocessing
import os
import socket
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)  # bindings/python, which holds trainmetrics/
if PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, PACKAGE_ROOT)

from trainmetrics import ConfusionMatrix  # noqa: E402

CLASS_NAMES = ["cat", "dog", "bird", "fish", "horse", "frog", "ship", "truck"]


# ---- data and local accumulation ---------------------------------------------------------------

def make_data(seed, n, n_classes, weighted=False, ignore_index=None):
    """A synthetic validation set: labels, float32 logits and optional sample weights.

    Weights are multiples of 1/4, so their sums are exact whatever the order of
    addition and the distributed result can be compared bit for bit.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n).astype(np.int64)
    logits = rng.standard_normal((n, n_classes)).astype(np.float32)
    logits[np.arange(n), y] += 1.5  # a model that is right most of the time
    if ignore_index is not None:
        y[rng.random(n) < 0.05] = ignore_index  # padding positions
    weights = rng.choice([0.25, 0.5, 1.0, 2.0], n) if weighted else None
    return y, logits, weights


def accumulate(y, logits, weights, n_classes, ignore_index=None, batch=512):
    """What one process does during validation: update batch by batch."""
    cm = ConfusionMatrix(n_classes, weighted=weights is not None, ignore_index=ignore_index)
    for start in range(0, len(y), batch):
        part = slice(start, start + batch)
        if weights is None:
            cm.update_argmax(y[part], logits[part])
        else:
            cm.update(y[part], logits[part].argmax(axis=1), weights[part])
    return cm


def shard(rank, world_size, y, logits, weights):
    part = slice(rank, None, world_size)
    return y[part], logits[part], None if weights is None else weights[part]


def single_process(seed, n, n_classes, weighted=False, ignore_index=None):
    y, logits, weights = make_data(seed, n, n_classes, weighted, ignore_index)
    return accumulate(y, logits, weights, n_classes, ignore_index)


# ---- 1. torch.distributed all-reduce -------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torch_worker(rank, world_size, port, seed, n, n_classes, weighted, ignore_index, out_dir):
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # stay on the loopback interface
    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size,
                            timeout=datetime.timedelta(seconds=120))
    try:
        y, logits, weights = make_data(seed, n, n_classes, weighted, ignore_index)
        local = accumulate(*shard(rank, world_size, y, logits, weights), n_classes, ignore_index)
        if local.weighted:
            counts = torch.from_numpy(local.counts)  # float64 weight sums
        else:
            counts = torch.from_numpy(local.counts.astype(np.int64))  # gloo has no uint64
        dist.all_reduce(counts, op=dist.ReduceOp.SUM)
        merged = ConfusionMatrix(n_classes, weighted=local.weighted, ignore_index=ignore_index)
        merged.add_counts(counts.numpy())
        with open(os.path.join(out_dir, f"rank{rank}.bin"), "wb") as f:
            f.write(merged.to_bytes())
    finally:
        dist.destroy_process_group()


def torch_all_reduce(seed, n, n_classes, weighted=False, ignore_index=None, world_size=2):
    """Runs world_size torch.distributed processes; returns the matrix each rank ends with."""
    import torch.multiprocessing as tmp

    with tempfile.TemporaryDirectory() as out_dir:
        for attempt in range(3):  # the free port may be taken before rank 0 binds it
            try:
                tmp.spawn(_torch_worker, nprocs=world_size, join=True,
                          args=(world_size, free_port(), seed, n, n_classes, weighted, ignore_index, out_dir))
                break
            except Exception:  # noqa: BLE001 - a real failure repeats and is raised the third time
                if attempt == 2:
                    raise
        results = []
        for rank in range(world_size):
            with open(os.path.join(out_dir, f"rank{rank}.bin"), "rb") as f:
                results.append(ConfusionMatrix.from_bytes(f.read()))
    return results


# ---- 2. multiprocessing: pickled matrices ----------------------------------------------------------

def _pool_shard(job):
    seed, n, n_classes, weighted, ignore_index, rank, world_size = job
    y, logits, weights = make_data(seed, n, n_classes, weighted, ignore_index)
    return accumulate(*shard(rank, world_size, y, logits, weights), n_classes, ignore_index)  # pickled back


def pool_merge(seed, n, n_classes, weighted=False, ignore_index=None, world_size=2):
    """Accumulates the shards in a process Pool and merges the returned matrices."""
    jobs = [(seed, n, n_classes, weighted, ignore_index, rank, world_size) for rank in range(world_size)]
    with multiprocessing.get_context("spawn").Pool(world_size) as pool:
        parts = pool.map(_pool_shard, jobs)
    merged = ConfusionMatrix(n_classes, weighted=weighted, ignore_index=ignore_index)
    for part in parts:
        merged += part
    return merged


# ---- command line --------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="samples in the validation set")
    parser.add_argument("--classes", type=int, default=5, choices=range(2, len(CLASS_NAMES) + 1))
    parser.add_argument("--world-size", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weighted", action="store_true", help="use sample weights")
    parser.add_argument("--ignore-index", type=int, default=None, help="label of padded positions")
    parser.add_argument("--skip-torch", action="store_true", help="only the multiprocessing part")
    args = parser.parse_args(argv)
    options = dict(weighted=args.weighted, ignore_index=args.ignore_index, world_size=args.world_size)

    reference = single_process(args.seed, args.n, args.classes, args.weighted, args.ignore_index)
    print(f"single process:            {reference!r}")
    ok = True
    if not args.skip_torch:
        ranks = torch_all_reduce(args.seed, args.n, args.classes, **options)
        same = all(cm == reference for cm in ranks)
        ok &= same
        print(f"torch.distributed (gloo, {args.world_size} ranks) all-reduce + add_counts: "
              f"{'identical' if same else 'DIFFERENT'} on every rank")
    merged = pool_merge(args.seed, args.n, args.classes, **options)
    same = merged == reference
    ok &= same
    print(f"multiprocessing Pool, pickled matrices merged: {'identical' if same else 'DIFFERENT'}")
    print()
    print(merged.classification_report(target_names=CLASS_NAMES[:args.classes], digits=3))
    print(f"accuracy {merged.accuracy():.4f}, balanced accuracy {merged.balanced_accuracy():.4f}, "
          f"MCC {merged.matthews_corrcoef():.4f}, Cohen's kappa {merged.cohen_kappa():.4f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
