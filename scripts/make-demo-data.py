#!/usr/bin/python3
"""Regenerates the small demo data committed under demo/ from /work/shared/data.

The demo must run without Python, so its output files are committed; this
script only documents (and reproduces, byte for byte) how they were made.

    /usr/bin/python3 scripts/make-demo-data.py [DATA_DIR] [OUT_DIR]

defaults: DATA_DIR = ../shared/data (relative to the repo root), OUT_DIR = demo.
"""
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "..", "shared", "data")
out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, "demo")
os.makedirs(out_dir, exist_ok=True)


def save(name, array):
    path = os.path.join(out_dir, name)
    np.save(path, np.ascontiguousarray(array))
    print(f"{path}: shape {array.shape} {array.dtype}, {os.path.getsize(path)} bytes")


# Video frames: the first 100 frames (time order) of the street scene, mean-pooled
# 4x4 (288x384 -> 72x96) and rounded back to uint8. First 80 train, last 20 test
# (a split by time, like a deployment that learns from yesterday's frames).
frames = np.load(os.path.join(data_dir, "vtest_frames_u8.npy"), mmap_mode="r")[:100]
pooled = frames.astype(np.float64).reshape(100, 72, 4, 96, 4).mean(axis=(2, 4))
pooled = np.rint(pooled).astype(np.uint8)
save("vtest_train.npy", pooled[:80])
save("vtest_test.npy", pooled[80:])

# Regression: Tetouan weekly power data. Weeks 0-9 as a training family of
# [A | b] matrices (b = Zone 1 power, last column), float32 to keep the file
# small; week 10 as a held-out problem, A and b in separate float64 files.
a = np.load(os.path.join(data_dir, "tetuan_weekly_A.npy"))
b = np.load(os.path.join(data_dir, "tetuan_weekly_b.npy"))
ab = np.concatenate([a[:10], b[:10, :, None]], axis=2).astype(np.float32)
save("tetuan_train_Ab.npy", ab)
save("tetuan_test_A.npy", a[10])
save("tetuan_test_b.npy", b[10])
