"""OpenCV oracle for ROPline's parity tests and benchmarks (driven by python-oracle.ts).

Usage: opencv-oracle.py WORKDIR. WORKDIR/request.json lists jobs; every input image is a raw
uint8 file (row-major, channels interleaved) whose shape is given in the request. Results go to
WORKDIR/<output> as raw uint8 (or float32 for float ops) plus WORKDIR/response.json with shapes
and, when "repeat" > 0, the timing of the op alone: time.perf_counter around the cv2 call only,
after "warmup" untimed calls, reported as best and median milliseconds.
"""
import json
import os
import sys
import time

import cv2
import numpy as np

INTERPOLATION = {
    "area": cv2.INTER_AREA,
    "linear": cv2.INTER_LINEAR,
    "nearest": cv2.INTER_NEAREST,
    "cubic": cv2.INTER_CUBIC,
}


def make_op(name, params):
    if name == "equalizeHist":
        return cv2.equalizeHist
    if name == "clahe":
        engine = cv2.createCLAHE(
            clipLimit=float(params.get("clipLimit", 2.0)),
            tileGridSize=(int(params.get("tilesX", 8)), int(params.get("tilesY", 8))),
        )
        return engine.apply
    if name == "resize":
        size = (int(params["width"]), int(params["height"]))
        interpolation = INTERPOLATION[params.get("interpolation", "linear")]
        return lambda img: cv2.resize(img, size, interpolation=interpolation)
    if name == "imdecode":
        # The input "image" is 1 x N encoded bytes (JPEG/PNG); output RGB like ROPline's decoders.
        return lambda img: cv2.cvtColor(cv2.imdecode(img.reshape(-1), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    if name == "rgbToGray":
        # cv2's own BT.601 weights; for timing comparisons of a gray conversion.
        return lambda img: cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    if name == "weightedGray":
        w = np.array([params.get("weights", [0.3, 0.59, 0.11])], dtype=np.float32)
        return lambda img: cv2.transform(img, w)
    if name == "standardize":
        def standardize(img):
            f = img.astype(np.float32)
            std = float(f.std())
            return np.zeros_like(f) if std == 0 else (f - float(f.mean())) / std
        return standardize
    raise ValueError("unknown op: " + name)


def main():
    workdir = sys.argv[1]
    with open(os.path.join(workdir, "request.json")) as fh:
        request = json.load(fh)
    if request.get("threads") is not None:
        cv2.setNumThreads(int(request["threads"]))
    repeat = int(request.get("repeat", 0))
    warmup = int(request.get("warmup", 1))
    inputs = []
    for spec in request["inputs"]:
        shape = (spec["height"], spec["width"]) if spec["channels"] == 1 else (
            spec["height"], spec["width"], spec["channels"])
        inputs.append(np.fromfile(os.path.join(workdir, spec["file"]), dtype=np.uint8).reshape(shape))
    results = []
    for job in request["jobs"]:
        img = inputs[job["input"]]
        op = make_op(job["op"], job.get("params", {}))
        out = op(img)
        timing = None
        if repeat > 0:
            for _ in range(warmup):
                op(img)
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                op(img)
                times.append((time.perf_counter() - t0) * 1000.0)
            times.sort()
            timing = {"bestMs": times[0], "medianMs": times[len(times) // 2], "runs": repeat}
        out = np.ascontiguousarray(out)
        out.tofile(os.path.join(workdir, job["output"]))
        results.append({
            "width": int(out.shape[1]),
            "height": int(out.shape[0]),
            "channels": 1 if out.ndim == 2 else int(out.shape[2]),
            "dtype": str(out.dtype),
            "timing": timing,
        })
    with open(os.path.join(workdir, "response.json"), "w") as fh:
        json.dump({"opencv": cv2.__version__, "threads": cv2.getNumThreads(), "results": results}, fh)


if __name__ == "__main__":
    main()
