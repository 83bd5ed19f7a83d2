import { Rng } from '../core/rng.js';

/** How many of a class of `n` images go to the test split: round(n·ratio), keeping ≥ 1 in train. */
export function testCountFor(n: number, ratio: number): number {
  return Math.min(Math.max(n - 1, 0), Math.round(n * ratio));
}

/**
 * Stratified carve of a test split out of train: per class, a seeded shuffle of its indices, the
 * first round(n·ratio) go to test. Both outputs are sorted (source order), so the same seed and
 * labels always give the same split, whatever the order classes appear in.
 */
export function stratifiedSplit(labels: Int32Array, numClasses: number, ratio: number, seed: number): { train: Int32Array; test: Int32Array } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const rng = new Rng(seed);
  const test: number[] = [];
  const train: number[] = [];
  for (const members of byClass) {
    const k = testCountFor(members.length, ratio);
    const shuffled = rng.shuffle(members.slice()) as number[];
    test.push(...shuffled.slice(0, k));
    train.push(...shuffled.slice(k));
  }
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}
