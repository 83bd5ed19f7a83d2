/**
 * torchvision's RandomErasing on one normalized HWC image: with probability `prob`, up to 10 tries
 * at a box of the asked area fraction and aspect ratio (h/w) that fits strictly inside the image;
 * no box when none fits. Drawn from the seeded Rng.
 */
import type { AugmentConfig } from '../core/config/index.js';
import type { Rng } from '../core/rng.js';
import { roundHalfEven } from './policy/round.js';

export interface EraseBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

type ErasingConfig = AugmentConfig['random_erasing'];

export function drawErase(h: number, w: number, cfg: ErasingConfig, rng: Rng): EraseBox | null {
  if (!(rng.next() < cfg.prob)) return null;
  const area = h * w;
  const [lr0, lr1] = [Math.log(cfg.ratio[0]), Math.log(cfg.ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const eraseArea = area * rng.uniform(cfg.scale[0], cfg.scale[1]);
    const aspect = Math.exp(rng.uniform(lr0, lr1));
    const eh = roundHalfEven(Math.sqrt(eraseArea * aspect));
    const ew = roundHalfEven(Math.sqrt(eraseArea / aspect));
    if (!(eh < h && ew < w)) continue;
    return { top: rng.int(h - eh + 1), left: rng.int(w - ew + 1), height: eh, width: ew };
  }
  return null;
}

/** Fill the box of the image at `offset` in `x` (HWC, 3 channels) with the value, or normal draws. */
export function eraseBox(x: Float32Array, offset: number, w: number, box: EraseBox, value: ErasingConfig['value'], rng: Rng): void {
  for (let y = box.top; y < box.top + box.height; y++) {
    for (let i = offset + (y * w + box.left) * 3, end = i + box.width * 3; i < end; i++) x[i] = value === 'random' ? rng.normal() : value;
  }
}
