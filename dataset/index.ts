/** The dataset room: sources, download, prepare → cache, stats, augmentation, batches. */
export { prepareDataset, cacheDirFor, type PrepareResult } from './prepare.js';
export { loadMeta, loadSplit, SPLITS, type DatasetMeta, type SplitData, type SplitName } from './cache.js';
export { createBatchIterator, disposeBatch, type Batch, type BatchIterator, type BatchIteratorOptions } from './batches.js';
export { augmentBatch, drawAugmentParams, normalizeBatch, normalizeTensor, type AugmentParams } from './augment.js';
export { augmentUint8Batch, augmentedPixels, hasPixelStages, type AugmentedBatch, type RecipeParams } from './recipe.js';
export { synthesizeDataset, syntheticClasses } from './synthetic.js';
export { loadClassList, classListFileFor, type ClassInfo } from './classes.js';
export { stratifiedSplit } from './split.js';
export { openSource } from './open-source.js';
export type { DatasetSource, SourceItem, SourceSplit } from './sources/source.js';
