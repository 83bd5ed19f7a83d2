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
  const rot = rad(angle), sx = rad(shear[0]), sy = rad(shear[1]);
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

/** Warp by an inverse matrix in centred coordinates; samples outside the image are 0. */
export function warpNearest(img: Uint8Array, h: number, w: number, m: number[]): Uint8Array {
  const out = new Uint8Array(img.length);
  const ox = (w - 1) / 2, oy = (h - 1) / 2;
  for (let i = 0; i < h; i++) {
    const yc = i - oy;
    for (let j = 0; j < w; j++) {
      const xc = j - ox;
      const sx = roundHalfEven(m[0] * xc + m[1] * yc + m[2] + ox);
      const sy = roundHalfEven(m[3] * xc + m[4] * yc + m[5] + oy);
      if (sx < 0 || sx >= w || sy < 0 || sy >= h) continue;
      const src = (sy * w + sx) * 3, dst = (i * w + j) * 3;
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
export const rotate = (img: Uint8Array, h: number, w: number, degrees: number) =>
  warpNearest(img, h, w, inverseAffine([0, 0], -degrees, [0, 0], [0, 0]));
