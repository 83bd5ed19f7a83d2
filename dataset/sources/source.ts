import type { ClassInfo } from '../classes.js';

/** The two splits every source provides; the test split is carved from train by `prepare`. */
export type SourceSplit = 'train' | 'val';

/** One encoded image as the source stores it. */
export interface SourceItem {
  /** Row / file order inside the split, from 0. */
  index: number;
  /** Encoded file bytes (JPEG, PNG, ...). */
  bytes: Uint8Array;
  /** Where it came from, for error messages: `file.parquet#row` or the image path. */
  path: string;
}

/**
 * Where images come from. Labels are read first (cheap) so the split can be decided before any
 * decoding; images then stream in `index` order.
 */
export interface DatasetSource {
  readonly kind: string;
  readonly classes: ClassInfo[];
  /** Label id of every image of the split, in index order (already checked to be in range). */
  labels(split: SourceSplit): Promise<Int32Array>;
  /** Encoded images of the split, in index order. */
  items(split: SourceSplit): AsyncIterable<SourceItem>;
  /** Changes whenever the source files change (names, sizes, modification times). */
  fingerprint(): Promise<string>;
  close(): Promise<void>;
}
