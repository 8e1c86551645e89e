"""PyTorch CPU peer for bench-kernels.ts: the same training step, NCHW (PyTorch's native layout).

Usage: python3 bench-torch-step.py THREADS ITERS WARMUP; prints one JSON line {"threads", "times": [ms per step]}.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F

threads, iters, warmup = (int(a) for a in sys.argv[1:4])
torch.set_num_threads(threads)
torch.manual_seed(0)
x = torch.randn(16, 16, 128, 128, requires_grad=True)  # batch 16, 16 channels, 128x128
w = torch.randn(32, 16, 3, 3, requires_grad=True)
b = torch.zeros(32, requires_grad=True)
g = torch.randn(16, 32, 64, 64)


def step():
    y = F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2)
    return torch.autograd.grad((y * g).mean(), [x, w, b])


for _ in range(warmup):
    step()
times = []
for _ in range(iters):
    start = time.perf_counter()
    step()
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"threads": threads, "times": times}))
