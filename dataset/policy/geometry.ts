/**
 * torchvision's affine warps on uint8 HWC images, nearest neighbour with fill 0 (RandAugment's and
 * TrivialAugment's defaults): the inverse matrix of F.affine / F.rotate, sampled as grid_sample does
 * with align_corners=False, i.e. at pixel centres measured from the image centre.
 */
import { roundHalfEven } from './round.js';

const rad = (deg: number) => (deg * Math.PI) / 180;

/**
 * torchvision's _get_inverse_affine_matrix: the output→input map of T·C·R·S·Sh·C⁻¹, as the 2×3 row
 * [a, b, c, d, e, f] (input x = a·x + b·y + c, input y = d·x + e·y + f), in centred coordinates.
 */
export function inverseAffine(center: [number, number], angle: number, translate: [number, number], shear: [number, number]): number[] {
  const rot = rad(angle),
    sx = rad(shear[0]),
    sy = rad(shear[1]);
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0];
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/**
 * Warp by an inverse matrix in centred coordinates; samples outside the image are 0. The sample
 * position is computed in float32 step by step as torchvision (_gen_affine_grid) and grid_sample do
 * it, so that positions landing near a half pixel round to the same neighbour.
 */
export function warpNearest(img: Uint8Array, h: number, w: number, m: number[]): Uint8Array {
  const f = Math.fround;
  const t = m.map(f);
  const hw = f(0.5 * w),
    hh = f(0.5 * h);
  const r = [f(t[0] / hw), f(t[1] / hw), f(t[2] / hw), f(t[3] / hh), f(t[4] / hh), f(t[5] / hh)];
  const out = new Uint8Array(img.length);
  for (let i = 0; i < h; i++) {
    const y = i - h / 2 + 0.5;
    for (let j = 0; j < w; j++) {
      const x = j - w / 2 + 0.5;
      const gx = f(f(f(x * r[0]) + f(y * r[1])) + r[2]);
      const gy = f(f(f(x * r[3]) + f(y * r[4])) + r[5]);
      const sx = roundHalfEven(f(f(f(f(gx + 1) * w) - 1) / 2));
      const sy = roundHalfEven(f(f(f(f(gy + 1) * h) - 1) / 2));
      if (sx < 0 || sx >= w || sy < 0 || sy >= h) continue;
      const src = (sy * w + sx) * 3,
        dst = (i * w + j) * 3;
      out[dst] = img[src];
      out[dst + 1] = img[src + 1];
      out[dst + 2] = img[src + 2];
    }
  }
  return out;
}

/** Shear along x by `m` (x += m·y from the top-left corner), as RandAugment's ShearX. */
export const shearX = (img: Uint8Array, h: number, w: number, m: number) =>
  warpNearest(img, h, w, inverseAffine([-w / 2, -h / 2], 0, [0, 0], [(Math.atan(m) * 180) / Math.PI, 0]));

export const shearY = (img: Uint8Array, h: number, w: number, m: number) =>
  warpNearest(img, h, w, inverseAffine([-w / 2, -h / 2], 0, [0, 0], [0, (Math.atan(m) * 180) / Math.PI]));

/** Shift by whole pixels (torchvision truncates the magnitude to an int). */
export const translate = (img: Uint8Array, h: number, w: number, dx: number, dy: number) =>
  warpNearest(img, h, w, inverseAffine([0, 0], 0, [Math.trunc(dx), Math.trunc(dy)], [0, 0]));

/** Rotate counter-clockwise by `degrees` about the centre (F.rotate hands −angle to the matrix). */
export const rotate = (img: Uint8Array, h: number, w: number, degrees: number) => warpNearest(img, h, w, inverseAffine([0, 0], -degrees, [0, 0], [0, 0]));
