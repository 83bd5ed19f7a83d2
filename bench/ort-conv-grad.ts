/**
 * Could native code train here where wasm cannot keep up? onnxruntime-node ships MLAS, a native
 * CPU library with AVX-512 kernels, and needs nothing downloaded. This times the convolution work of
 * one training step of the default model (batch 32: every conv layer's forward pass, input gradient and filter
 * gradient, as the graphs of bench/ort-conv-grad-graph.ts) on onnxruntime-node with 2 threads, next
 * to the same three parts of a tfjs-wasm step (bench/train-profile.ts) and PyTorch's whole training
 * step, all measured in this run. It answered the feasibility question behind the onnxruntime
 * training engine (train/onnxruntime/), which uses the same formulations.
 * Env: BENCH_REPEATS (3). Run: npm run bench -- ort-conv-grad
 */
import ort from 'onnxruntime-node';
import { packageFile } from '../core/paths.js';
import { PYTHON, envInt, lastJsonLine, run$, torchAvailable } from './lib/child.js';
import { convFlops, convGradModel, type ConvPart, type ConvShape } from './ort-conv-grad-graph.js';
import { BENCH_NETWORK, benchNetworkForwardFlops } from './lib/network.js';
import { profileWasmStep } from './train-profile.js';
import type { BenchResult, BenchRow } from './lib/types.js';

const BATCH = 32;
const PARTS: ConvPart[] = ['forward', 'input', 'filter'];

/** The benchmark network's convolutions, with how many times each shape occurs. */
export function networkConvLayers(): { shape: ConvShape; count: number; needsInputGradient: boolean }[] {
  const layers: { shape: ConvShape; count: number; needsInputGradient: boolean }[] = [];
  const add = (shape: ConvShape, needsInputGradient = true) => {
    const same = layers.find((l) => JSON.stringify(l.shape) === JSON.stringify(shape));
    if (same) same.count++;
    else layers.push({ shape, count: 1, needsInputGradient });
  };
  const { widths, blocks, size: imageSize } = BENCH_NETWORK;
  add({ n: BATCH, ci: 3, co: widths[0], size: imageSize, k: 3, stride: 1 }, false); // the stem: no gradient for the image
  let [size, channels] = [imageSize, widths[0]];
  blocks.forEach((count, stage) => {
    for (let b = 0; b < count; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const width = widths[stage];
      add({ n: BATCH, ci: channels, co: width, size, k: 3, stride });
      if (stride !== 1 || channels !== width) add({ n: BATCH, ci: channels, co: width, size, k: 1, stride });
      size = Math.ceil(size / stride);
      add({ n: BATCH, ci: width, co: width, size, k: 3, stride: 1 });
      channels = width;
    }
  });
  return layers;
}

async function timePart(shape: ConvShape, part: ConvPart, repeats: number): Promise<number> {
  const session = await ort.InferenceSession.create(convGradModel(shape, [part]), { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const out = Math.ceil(shape.size / shape.stride);
  const random = (dims: number[]) =>
    new ort.Tensor(
      'float32',
      Float32Array.from({ length: dims.reduce((a, b) => a * b) }, () => Math.random() - 0.5),
      dims,
    );
  const feeds = {
    x: random([shape.n, shape.ci, shape.size, shape.size]),
    w: random([shape.co, shape.ci, shape.k, shape.k]),
    dy: random([shape.n, shape.co, out, out]),
  };
  await session.run(feeds);
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await session.run(feeds);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  await session.release();
  return best;
}

export async function run(): Promise<BenchResult> {
  const repeats = envInt('BENCH_REPEATS', 3);
  const notes: string[] = [];
  const seconds: Record<ConvPart, number> = { forward: 0, input: 0, filter: 0 };
  const flops: Record<ConvPart, number> = { forward: 0, input: 0, filter: 0 };
  for (const layer of networkConvLayers()) {
    for (const part of PARTS) {
      if (part === 'input' && !layer.needsInputGradient) continue;
      seconds[part] += layer.count * (await timePart(layer.shape, part, repeats));
      flops[part] += layer.count * convFlops(layer.shape);
    }
  }
  const wasm = await profileWasmStep({ threads: 2, microBatch: 8, steps: 1 });
  const wasmGroup: Record<ConvPart, keyof typeof wasm.groups> = { forward: 'forward', input: 'input', filter: 'filter' };
  const rows: BenchRow[] = [];
  for (const part of PARTS) {
    const ours = seconds[part];
    const theirs = wasm.groups[wasmGroup[part]].s_per_step;
    rows.push({
      case:
        `${part === 'forward' ? 'forward convolutions' : `${part} gradients`}, s per step: tfjs-wasm vs onnxruntime-node native (ratio = wasm / ` +
        `native, higher = native faster)`,
      value: theirs,
      unit: 's',
      reference: `onnxruntime-node CPU, 2 threads (${(flops[part] / ours / 1e9).toFixed(0)} GFLOP/s)`,
      referenceValue: ours,
      ratio: theirs / ours,
    });
  }
  const nativeConv = PARTS.reduce((a, p) => a + seconds[p], 0);
  const wasmConv = PARTS.reduce((a, p) => a + wasm.groups[wasmGroup[p]].s_per_step, 0);
  rows.push({
    case: 'all convolution work of a step, s: tfjs-wasm vs onnxruntime-node native (ratio = wasm / native)',
    value: wasmConv,
    unit: 's',
    reference: 'onnxruntime-node CPU, 2 threads',
    referenceValue: nativeConv,
    ratio: wasmConv / nativeConv,
  });
  const torchMissing = await torchAvailable();
  if (torchMissing == null) {
    const options = { ...BENCH_NETWORK, batch: BATCH, warmup: 1, steps: 3, threads: 2 };
    const { stdout } = await run$(PYTHON, [packageFile('bench', 'torch_train_step.py'), JSON.stringify(options)], { maxBuffer: 1 << 20 });
    const torch = lastJsonLine(stdout) as { torch: string; train: { images_per_s: number } };
    const convOnly = BATCH / nativeConv;
    rows.push({
      case: "img/s of a step that were only these native convolutions (an upper bound for a native trainer) vs PyTorch's whole step",
      value: convOnly,
      unit: 'img/s',
      reference: `PyTorch ${torch.torch} CPU, 2 threads, whole training step`,
      referenceValue: torch.train.images_per_s,
      ratio: convOnly / torch.train.images_per_s,
    });
  } else notes.push(`PyTorch row skipped: ${torchMissing}.`);
  notes.push(
    `Default model ([${BENCH_NETWORK.blocks}] × ${BENCH_NETWORK.widths}, ${BENCH_NETWORK.size}×${BENCH_NETWORK.size}), batch ${BATCH}: ` +
      `${networkConvLayers().length} distinct conv shapes, ` +
      `${((3 * benchNetworkForwardFlops(BENCH_NETWORK) * BATCH) / 1e9).toFixed(0)} GFLOP per step. Native: each part of each shape its own ` +
      `onnxruntime session (NCHW), best of ${repeats} runs after one warm-up; ` +
      'input gradient = Conv with the flipped filter (stride 1) or ConvTranspose (stride 2), filter gradient = one MatMul per tap. ' +
      `wasm: the conv groups of one profiled step (${wasm.step_s.toFixed(1)} s, micro-batches of ${wasm.micro_batch}). ` +
      'BatchNorm, activations and the optimizer are left out on the native side (13 % of the wasm step). Reproduce: npm run bench -- ort-conv-grad.',
  );
  const result: BenchResult & { native_seconds: typeof seconds } = { name: 'ort-conv-grad', results: rows, notes: notes.join(' '), native_seconds: seconds };
  return result;
}
