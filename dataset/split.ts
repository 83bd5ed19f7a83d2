import { Rng } from '../core/rng.js';

/**
 * How many images of each class go to the test split, as Hugging Face `datasets` and
 * scikit-learn's StratifiedShuffleSplit size it: ceil(ratio × n) test images overall, spread over
 * the classes by largest remainder (each class gets the floor of its share, the images left go to
 * the classes with the largest fractional parts, ties to the lower class index). Every class
 * keeps at least one image in train.
 */
export function testCounts(classSizes: readonly number[], ratio: number): number[] {
  const n = classSizes.reduce((a, b) => a + b, 0);
  const cap = classSizes.map((size) => Math.max(size - 1, 0));
  // The small epsilon keeps float noise (0.7 × 10 = 7.000000000000001) from adding an image.
  const target = Math.min(
    Math.ceil(ratio * n - 1e-9),
    cap.reduce((a, b) => a + b, 0),
  );
  if (n === 0 || target <= 0) return classSizes.map(() => 0);
  const share = classSizes.map((size) => (size * target) / n);
  const counts = share.map((s, c) => Math.min(Math.floor(s), cap[c]));
  let left = target - counts.reduce((a, b) => a + b, 0);
  const byRemainder = share.map((s, c) => ({ c, rest: s - Math.floor(s) })).sort((a, b) => b.rest - a.rest || a.c - b.c);
  // One pass gives every class at most one more; more passes are needed only where caps bite.
  while (left > 0) {
    let given = 0;
    for (const { c } of byRemainder) {
      if (left === 0) break;
      if (counts[c] < cap[c]) {
        counts[c]++;
        left--;
        given++;
      }
    }
    if (given === 0) break;
  }
  return counts;
}

/**
 * Stratified carve of a test split out of train: per class, a seeded shuffle of its indices, the
 * first testCounts(...)[class] go to test. Both outputs are sorted (source order), so the same
 * seed and labels always give the same split, whatever the order classes appear in.
 */
export function stratifiedSplit(labels: Int32Array, numClasses: number, ratio: number, seed: number): { train: Int32Array; test: Int32Array } {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const counts = testCounts(
    byClass.map((m) => m.length),
    ratio,
  );
  const rng = new Rng(seed);
  const test: number[] = [];
  const train: number[] = [];
  byClass.forEach((members, c) => {
    const shuffled = rng.shuffle(members.slice()) as number[];
    test.push(...shuffled.slice(0, counts[c]));
    train.push(...shuffled.slice(counts[c]));
  });
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}
