"""PyTorch CPU peer of `rop bench inference` and `rop bench train`: the same architectures, timed here.

Usage: python3 torch-peer.py, then JSON requests on stdin, one per line; one JSON answer per request on
stdout ({"error": "..."} when it failed). stderr: one "tick" line per timed run (the CLI's progress
bar); anything else there is a diagnostic. The process stays up between requests so that the CLI can
alternate its own runs with PyTorch's: load from other processes then hits both alike.

Architectures (NCHW, PyTorch's native layout), matching libs/models:
  unet       Ronneberger's U-Net with 'same' padding: depth x (2 x conv3x3-BN-ReLU, max-pool 2), a
             bottleneck, depth x (transposed conv 2x2 stride 2, concat skip, 2 x conv3x3-BN-ReLU), a
             1x1 head (sigmoid for 1 output channel, else softmax); the input is zero-padded to a
             multiple of 2^depth and the output cropped back (299 -> 304 -> 299), as in unet.model.ts.
  inception  torchvision's inception_v3(aux_logits=False, init_weights=False) with a C-channel first
             conv and `classes` outputs, softmax on top (Keras' InceptionV3, as inception-v3.model.ts).
  cnn        the compact CNN: blocks x (conv3x3-BN-ReLU-maxpool 2), filters doubling, GAP, dense.
  MODEL: {"arch": "unet", "in": 1, "out": 1, "depth": 4, "filters": 16}
       | {"arch": "inception", "in": 2, "classes": 3}
       | {"arch": "cnn", "in": 2, "classes": 3, "blocks": 4, "filters": 8}

Requests:
  {"op": "env"} -> {"torch", "torchvision", "mkldnn", "mkl", "cores"}
  {"op": "build", "id": ID, "size": 299, "models": [MODEL, ...]}
      eval-mode models with random inputs of their channels at size x size, run back to back
  {"op": "build-train", "id": ID, "size": S, "batch": B, "lr": 1e-3, "model": MODEL}
      train-mode model, Adam, random batch; the project's losses (CNN: categorical cross-entropy;
      U-Net: soft Dice + BCE, or soft Dice + CCE when multi-class)
  {"op": "run", "id": ID, "runs": R, "warmup": W, "threads": T} -> {"threads", "times": [ms, ...]}
      torch.set_num_threads(T); inference under torch.inference_mode(), or R training steps
  {"op": "drop", "id": ID}
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def tick():
    print("tick", file=sys.stderr, flush=True)


def conv_bn_relu(cin, cout):
    # Keras BatchNormalization defaults: epsilon 1e-3, momentum 0.99 (PyTorch: 1 - 0.99).
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01), nn.ReLU(inplace=True)]


class UNet(nn.Module):
    def __init__(self, cin, cout, depth, filters):
        super().__init__()
        self.depth = depth
        self.cout = cout
        self.enc = nn.ModuleList()
        c = cin
        for i in range(depth):
            f = filters * 2**i
            self.enc.append(nn.Sequential(*conv_bn_relu(c, f), *conv_bn_relu(f, f)))
            c = f
        f = filters * 2**depth
        self.bottleneck = nn.Sequential(*conv_bn_relu(c, f), *conv_bn_relu(f, f))
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        c = f
        for i in reversed(range(depth)):
            f = filters * 2**i
            self.up.append(nn.ConvTranspose2d(c, f, 2, stride=2))
            self.dec.append(nn.Sequential(*conv_bn_relu(2 * f, f), *conv_bn_relu(f, f)))
            c = f
        self.head = nn.Conv2d(c, cout, 1)

    def forward(self, x):
        h, w = x.shape[2], x.shape[3]
        m = 2**self.depth
        ph, pw = (-h) % m, (-w) % m
        top, left = ph // 2, pw // 2
        if ph or pw:
            x = F.pad(x, (left, pw - left, top, ph - top))
        skips = []
        for block in self.enc:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, block, skip in zip(self.up, self.dec, reversed(skips)):
            x = block(torch.cat([skip, up(x)], dim=1))
        x = self.head(x)
        if ph or pw:
            x = x[:, :, top : top + h, left : left + w]
        return torch.sigmoid(x) if self.cout == 1 else torch.softmax(x, dim=1)


class CompactCnn(nn.Module):
    def __init__(self, cin, classes, blocks, filters):
        super().__init__()
        layers = []
        c = cin
        for i in range(blocks):
            f = filters * 2**i
            layers += [*conv_bn_relu(c, f), nn.MaxPool2d(2)]
            c = f
        self.features = nn.Sequential(*layers)
        self.top = nn.Linear(c, classes)

    def forward(self, x):
        return self.top(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))  # logits


class Softmax(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return torch.softmax(self.inner(x), dim=1)


def inception(cin, classes):
    from torchvision.models import inception_v3

    net = inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=classes)
    net.Conv2d_1a_3x3.conv = nn.Conv2d(cin, 32, kernel_size=3, stride=2, bias=False)
    return Softmax(net)


def build(spec):
    arch = spec["arch"]
    if arch == "unet":
        return UNet(spec.get("in", 1), spec.get("out", 1), spec["depth"], spec["filters"])
    if arch == "inception":
        return inception(spec["in"], spec.get("classes", 3))
    if arch == "cnn":
        return CompactCnn(spec["in"], spec.get("classes", 3), spec["blocks"], spec["filters"])
    raise ValueError(f"unknown arch {arch}")


def input_channels(spec):
    return spec.get("in", 1)


def env():
    try:
        import torchvision

        tv = torchvision.__version__
    except ImportError:
        tv = None
    return {
        "torch": torch.__version__,
        "torchvision": tv,
        "mkldnn": torch.backends.mkldnn.is_available(),
        "mkl": torch.backends.mkl.is_available(),
        "cores": os.cpu_count(),
    }


def dice_bce(p, y):
    p = p.clamp(1e-7, 1 - 1e-7)
    inter = (p * y).sum(dim=(2, 3))
    dice = (2 * inter + 1) / (p.sum(dim=(2, 3)) + y.sum(dim=(2, 3)) + 1)
    return (1 - dice.mean()) + F.binary_cross_entropy(p, y)


def dice_cce(p, y):
    p = p.clamp(1e-7, 1)
    inter = (p * y).sum(dim=(2, 3))
    dice = ((2 * inter + 1) / (p.sum(dim=(2, 3)) + y.sum(dim=(2, 3)) + 1))[:, 1:]
    return (1 - dice.mean()) - (y * torch.log(p)).sum(dim=1).mean()


def build_inference(req):
    size = req["size"]
    torch.manual_seed(0)
    models = [build(m).eval() for m in req["models"]]
    inputs = [torch.randn(1, input_channels(m), size, size) for m in req["models"]]

    def run():
        with torch.inference_mode():
            for model, x in zip(models, inputs):
                model(x)

    return run


def build_train(req):
    spec, b, s = req["model"], req["batch"], req["size"]
    torch.manual_seed(0)
    model = build(spec).train()
    opt = torch.optim.Adam(model.parameters(), lr=req.get("lr", 1e-3))
    x = torch.randn(b, input_channels(spec), s, s)
    if spec["arch"] == "unet":
        cout = spec.get("out", 1)
        if cout == 1:
            y = (torch.rand(b, 1, s, s) > 0.98).float()
            loss_fn = dice_bce
        else:
            y = F.one_hot(torch.randint(0, cout, (b, s, s)), cout).permute(0, 3, 1, 2).float()
            loss_fn = dice_cce
    else:
        y = torch.randint(0, spec.get("classes", 3), (b,))
        loss_fn = F.cross_entropy  # on logits: softmax + categorical cross-entropy, fused

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def run(fn, req):
    torch.set_num_threads(req.get("threads", 1))
    for _ in range(req.get("warmup", 0)):
        fn()
    times = []
    for _ in range(req["runs"]):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        tick()
    return {"threads": torch.get_num_threads(), "times": times}


def main():
    jobs = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            op = req["op"]
            if op == "env":
                out = env()
            elif op == "build":
                jobs[req["id"]] = build_inference(req)
                out = {"ok": True}
            elif op == "build-train":
                jobs[req["id"]] = build_train(req)
                out = {"ok": True}
            elif op == "run":
                out = run(jobs[req["id"]], req)
            elif op == "drop":
                jobs.pop(req["id"], None)
                out = {"ok": True}
            else:
                raise ValueError(f"unknown op {op}")
        except Exception as e:  # answer, and stay up for the next request
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
