/** Axis permutation of dense row-major weight arrays, done once in plain JS (export, and the training engine at its boundaries). */

/** Permute the axes of a dense row-major array: out.shape[i] = shape[perm[i]]. */
export function permute(data: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  // Stride in the input for each output axis.
  const stride = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    // Increment the output multi-index (last axis fastest) and track the source offset.
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += stride[a];
      if (idx[a] < outShape[a]) break;
      src -= stride[a] * outShape[a];
      idx[a] = 0;
    }
  }
  return { data: out, shape: outShape };
}
