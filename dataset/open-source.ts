import { existsSync, readdirSync } from 'node:fs';
import type { Config } from '../core/config/index.js';
import { createLogger } from '../core/log.js';
import { classListFileFor, loadClassList } from './classes.js';
import type { DatasetSource } from './sources/source.js';
import { ParquetSource } from './sources/parquet.js';
import { FolderSource } from './sources/folder.js';
import { synthesizeDataset } from './synthetic.js';

const log = createLogger('data');

/** True when a synthetic dataset must be generated first: the path is missing or empty. */
export function syntheticNeedsGenerating(config: Config): boolean {
  const p = config.dataset.path;
  return !existsSync(p) || readdirSync(p).length === 0;
}

/** Open the configured source; for `synthetic`, generate it first when the path holds nothing. */
export async function openSource(config: Config): Promise<{ source: DatasetSource; classesFile: string }> {
  const ds = config.dataset;
  if (ds.source === 'synthetic' && syntheticNeedsGenerating(config)) {
    log.info(`${ds.path} is empty: generating the synthetic dataset from dataset.synthetic`);
    await synthesizeDataset({
      out: ds.path,
      classes: ds.synthetic.classes,
      perClass: ds.synthetic.per_class,
      valPerClass: ds.synthetic.val_per_class,
      seed: ds.synthetic.seed,
      imageSize: ds.image_size,
      force: true,
    });
  }
  const classesFile = classListFileFor(ds);
  const classes = loadClassList(classesFile);
  const source: DatasetSource =
    ds.source === 'tiny-imagenet-folder' ? await FolderSource.open(ds.path, classes) : ParquetSource.open(ds.path, classes, ds.files);
  return { source, classesFile };
}
