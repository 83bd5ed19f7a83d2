import type { Command } from 'commander';
import path from 'node:path';
import { prepareDataset } from '../../dataset/prepare.js';
import { loadSplit } from '../../dataset/cache.js';
import { Rng } from '../../core/rng.js';
import { resolveUserPath } from '../../core/paths.js';
import { withConfigOptions, configFromOptions, type ConfigOptions } from '../common.js';

export function registerPreview(data: Command): void {
  withConfigOptions(data.command('preview').description('PNG grid of original vs augmented train samples; prints the exact train batch shape'))
    .option('--out <file>', 'PNG to write (default <paths.runs>/data-stats/augment-preview.png)')
    .option('--count <n>', 'samples in the grid', (v) => Number(v), 8)
    .action(async (o: ConfigOptions & { out?: string; count: number }) => {
      const { config } = configFromOptions(o);
      // tfjs takes seconds to load: only the commands that use it import it.
      const { selectBackend } = await import('../../train/backend/select.js');
      await selectBackend(config.train.backend, { threads: config.train.threads });
      const { createBatchIterator, disposeBatch } = await import('../../dataset/batches.js');
      const { renderPreview } = await import('../../dataset/preview.js');
      const { dir, meta } = await prepareDataset(config);
      const train = loadSplit(dir, 'train');
      const out = o.out ? resolveUserPath(o.out) : path.join(config.paths.runs, 'data-stats', 'augment-preview.png');
      const { png, samples } = await renderPreview({ data: train, meta, augment: config.augment, rng: new Rng(config.seed), count: o.count, outPng: out });
      process.stdout.write(`wrote ${png}\n`);
      for (const s of samples) {
        const notes = [
          s.flipped ? 'flipped' : '',
          ...s.policy,
          s.erased ? 'erased' : '',
          s.mix ? `${s.mix.mode} λ ${s.mix.lam.toFixed(3)} with ${s.mix.partner}` : '',
        ].filter(Boolean);
        process.stdout.write(`  row ${s.row}: ${s.label} ${s.name}${notes.length ? ` (${notes.join(', ')})` : ''}\n`);
      }

      // D11: the exact shape of one train batch, as the trainer will receive it.
      const it = createBatchIterator({
        data: train,
        meta,
        batchSize: config.train.batch_size,
        shuffle: true,
        rng: new Rng(config.seed),
        augment: config.augment,
      });
      for await (const b of it.epoch()) {
        const [n, h, w, c] = b.x.shape;
        const agrees = h === meta.input_shape[0] && w === meta.input_shape[1] && c === meta.input_shape[2];
        process.stdout.write(
          `train batch: x ${b.x.dtype} [${b.x.shape.join(', ')}] (N, H, W, C), y ${b.y.dtype} [${b.y.shape.join(', ')}]` +
            `${b.targets ? `, targets ${b.targets.dtype} [${b.targets.shape.join(', ')}] (mixed)` : ''}; ` +
            `meta.input_shape [${meta.input_shape.join(', ')}] (H, W, C) ${agrees ? 'agrees' : 'DISAGREES'}; ${it.batchesPerEpoch} batches per epoch` +
            (n < config.train.batch_size ? ` (train split smaller than batch_size ${config.train.batch_size})` : '') +
            '\n',
        );
        disposeBatch(b);
        break;
      }
    });
}
