"""Native reference for bench/wasm-peak.ts: float32 GEMM GFLOP/s of PyTorch on the CPU. Prints one JSON object.
Usage: python3 torch_matmul_peak.py '{"threads": 2, "n": 2048, "matmul_n": 1024, "warmup": 2, "repeats": 5}'

Two paths, because Debian's python3-torch routes them to different libraries:
- `onednn_gemm`: the n x n @ n x n product as a 1x1 convolution (input 1 x n x (n/64) x 64, weight n x n x 1 x 1),
  which runs on oneDNN's JIT kernels (AVX-512/AVX2 FMA) like every convolution of the network: the native ceiling.
- `matmul`: torch.matmul itself, which goes to the system BLAS (`BLAS_INFO` below); on Debian without
  OpenBLAS/MKL that is the netlib reference BLAS, so it is timed on a smaller product (`matmul_n`) to stay short.
"""
import json
import re
import sys
import time

import torch
import torch.nn.functional as F

opts = json.loads(sys.argv[1])
torch.set_num_threads(opts["threads"])
torch.manual_seed(0)
warmup, repeats = opts["warmup"], opts["repeats"]


def timed(fn, flop, warm, reps):
    for _ in range(warm):
        fn()
    seconds = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t)
    # Best run: the least disturbed by other processes on a shared machine, like the wasm windows.
    return {"gflops": flop / min(seconds) / 1e9, "seconds": seconds}


n = opts["n"]
x = torch.randn(1, n, n // 64, 64)
w = torch.randn(n, n, 1, 1)
gemm = timed(lambda: F.conv2d(x, w), 2.0 * n**3, warmup, repeats)
# The 1x1 convolution is the same product: check it against matmul on a slice so the FLOP count is honest.
ref = w[:64, :, 0, 0] @ x[0, :, 0, :]
assert torch.allclose(F.conv2d(x, w)[0, :64, 0, :], ref, rtol=1e-3, atol=1e-2)

mn = opts["matmul_n"]
a, b = torch.randn(mn, mn), torch.randn(mn, mn)
matmul = timed(lambda: a @ b, 2.0 * mn**3, 1, 2)

blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
# The BLAS library actually mapped into this process, after matmul ran (e.g. netlib's libblas.so.3 or OpenBLAS).
with open("/proc/self/maps") as maps:
    blas_libs = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line})
print(json.dumps({
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "onednn_gemm": {"n": n, **gemm},
    "matmul": {"n": mn, "blas": blas.group(1) if blas else "unknown", "blas_libraries": blas_libs, **matmul},
}))
