import type { Config } from '../core/config/index.js';
import type { ChartSpec } from '../core/charts.js';
import { curvesSpec, miniGridSpec, type CurveSeries } from '../core/protocol-charts.js';
import type { EpochRecord } from '../core/protocol-artifacts.js';
import type { ReportInputs } from './load.js';

/** What a section may do besides writing Markdown: place an existing PNG or render a chart. */
export interface SectionContext {
  config: Config;
  inputs: ReportInputs;
  /** `--config` as the user gave it, for the commands the report tells them to run. */
  configArg: string;
  /** Node, tinynet and engine versions, one line. */
  versions: string;
  /** Copy a PNG into the report's images/ and return its Markdown. */
  image(file: string, name: string, alt: string): string;
  /** Render a vega-lite chart into images/ and return its Markdown. */
  chart(spec: ChartSpec, name: string, alt: string): Promise<string>;
}

export interface Section {
  id: string;
  title: string;
  render(ctx: SectionContext): Promise<string> | string;
}

const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(2)} %` : '—');
const f4 = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—');
const group = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

export function table(head: string[], rows: Array<Array<string | number>>, align?: string[]): string {
  const a = align ?? head.map((_, i) => (i === 0 ? ':--' : '--:'));
  const esc = (c: string | number) => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.map(esc).join(' | ')} |`, `| ${a.join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** The sentence every section without its artifact shows: what is missing and the command that makes it. */
export const missing = (ctx: SectionContext, what: string, command: string) =>
  `> **Missing:** ${what}. Run \`tinynet ${command} --config ${ctx.configArg}\` to produce it, then \`tinynet report --config ${ctx.configArg}\` again.`;

/** The EMA's validation metrics (train.ema), written beside the epoch record's own. */
const emaOf = (e: EpochRecord, metric: 'loss' | 'accuracy') => (e as unknown as Record<string, number | undefined>)[`val/ema_${metric}`];
const hasEma = (h: EpochRecord[]) => h.some((e) => emaOf(e, 'accuracy') !== undefined);
/** The M6 table: one row per epoch, with the EMA's validation columns when the run kept one. */
function epochTable(history: EpochRecord[]): string {
  const ema = hasEma(history);
  const columns = ['epoch', 'train/loss', 'train/accuracy', 'val/loss', 'val/accuracy', ...(ema ? ['val/ema_loss', 'val/ema_accuracy'] : []), 'val/f1', 'lr'];
  return table(
    columns,
    history.map((e) => [
      e.epoch,
      f4(e['train/loss']),
      pct(e['train/accuracy']),
      f4(e['val/loss']),
      pct(e['val/accuracy']),
      ...(ema ? [f4(emaOf(e, 'loss')), pct(emaOf(e, 'accuracy'))] : []),
      f4(e['val/f1']),
      e.lr.toExponential(2),
    ]),
  );
}
const bestEpoch = (h: EpochRecord[], key: keyof EpochRecord, lower: boolean) =>
  h.reduce<EpochRecord | null>(
    (b, e) =>
      !Number.isFinite(e[key] as number)
        ? b
        : b === null || (lower ? (e[key] as number) < (b[key] as number) : (e[key] as number) > (b[key] as number))
          ? e
          : b,
    null,
  );

export const SECTIONS: Section[] = [
  {
    id: 'D1',
    title: 'D1 — Dataset, source and input format',
    render(ctx) {
      const s = ctx.inputs.stats;
      if (!s) return missing(ctx, 'dataset statistics (runs/data-stats/stats.json)', 'data stats');
      const [h, w, c] = s.input_shape;
      return [
        table(
          ['field', 'value'],
          [
            ['source', `${s.source.kind} — \`${s.source.path}\``],
            ['input type', 'images (uint8 RGB)'],
            ['task', 'multi-class classification (one label per image)'],
            ['input shape (`meta.input_shape`, H × W × C)', `${h} × ${w} × ${c} (the model sees NHWC batches: [N, ${h}, ${w}, ${c}])`],
            ['classes (`meta.num_classes`)', s.num_classes],
            ['source fingerprint', `\`${s.source.fingerprint.slice(0, 16)}…\``],
          ],
        ),
      ].join('\n\n');
    },
  },
  {
    id: 'D2',
    title: 'D2 — Splits and sizes',
    render(ctx) {
      const s = ctx.inputs.stats;
      if (!s) return missing(ctx, 'dataset statistics', 'data stats');
      const rows = (['train', 'val', 'test'] as const).map((k) => {
        const x = s.splits[k];
        return [
          k,
          group(x.size),
          x.classes_present,
          `${x.per_class.min} / ${x.per_class.mean.toFixed(1)} / ${x.per_class.max}`,
          x.imbalance_ratio.toFixed(2),
          x.grayscale,
        ];
      });
      return (
        table(['split', 'images', 'classes present', 'per class min / mean / max', 'imbalance max/min', 'grayscale in source'], rows) +
        `\n\n${s.num_classes} classes; ${group(s.splits.train.size + s.splits.val.size + s.splits.test.size)} images in total.`
      );
    },
  },
  {
    id: 'D3',
    title: 'D3 — How the splits were made',
    render(ctx) {
      const s = ctx.inputs.stats;
      if (!s) return missing(ctx, 'dataset statistics', 'data stats');
      return (
        `- **val**: the source's own validation split (\`${s.split.val_from}\`), used as is.\n` +
        `- **test**: carved from the source's train split (\`${s.split.test_from}\`), **${s.split.strategy}** by label, ratio ` +
        `**${s.split.test_ratio}**, seed **${s.split.seed}** (\`dataset.test_ratio\`, \`dataset.split_seed\`).\n` +
        `- **train**: the rest of the source's train split.`
      );
    },
  },
  {
    id: 'D4',
    title: 'D4 — Class distribution',
    render(ctx) {
      const s = ctx.inputs.stats;
      if (!s || !ctx.inputs.classDistributionPng) return missing(ctx, 'the class-distribution chart', 'data stats');
      const t = s.splits.train;
      const balanced = t.imbalance_ratio <= 1.1;
      return (
        ctx.image(ctx.inputs.classDistributionPng, 'class-distribution.png', 'Images per class and split') +
        `\n\nTrain: ${t.per_class.min}–${t.per_class.max} images per class (max/min ${t.imbalance_ratio.toFixed(2)}, coefficient of variation ` +
        `${t.imbalance_cv.toFixed(3)}). ` +
        (balanced
          ? 'The classes are balanced: accuracy is a fair summary, macro-F1 and accuracy should agree, and the majority-class baseline sits at chance level.'
          : 'The classes are imbalanced: watch macro-F1 next to accuracy, since accuracy rewards the frequent classes.')
      );
    },
  },
  {
    id: 'D5',
    title: 'D5 — Particularities',
    render(ctx) {
      const s = ctx.inputs.stats;
      if (!s) return missing(ctx, 'dataset statistics', 'data stats');
      const sizes = Object.entries(s.splits.train.image_sizes)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([k, v]) => `${k} (${group(v)})`)
        .join(', ');
      return (
        `- ${group(s.grayscale_total)} images (${(100 * s.grayscale_fraction).toFixed(2)} %) are stored single-channel in the source and were ` +
        `expanded to RGB.\n` +
        `- Source image sizes (train): ${sizes || '—'}; every image is resized to ${s.input_shape[0]} × ${s.input_shape[1]}.\n` +
        `- One integer label per image (no multi-label).`
      );
    },
  },
  {
    id: 'D6',
    title: 'D6 — Preprocessing',
    render(ctx) {
      const s = ctx.inputs.stats;
      const size = ctx.config.dataset.image_size;
      const norm = s
        ? `mean = [${s.mean.map((v) => v.toFixed(4)).join(', ')}], std = [${s.std.map((v) => v.toFixed(4)).join(', ')}] (RGB, pixels in [0, 1], ` +
          `computed on the train split only)`
        : '(run `tinynet data stats` for the values)';
      const resize =
        ctx.config.dataset.resize === 'center_crop'
          ? `shorter side to ${size}, then the centred ${size} × ${size} crop`
          : `the whole image stretched to ${size} × ${size}, aspect ratio not kept`;
      return (
        `1. Decode, apply the EXIF orientation, convert to RGB (grayscale expanded, alpha composited on white).\n2. Resize: ${resize} ` +
        `(\`dataset.resize: ${ctx.config.dataset.resize}\`, \`dataset.image_size\`); the exported model declares the same rule, so serving and the ` +
        `web demo resize alike.\n3. Scale to [0, 1], then normalize per channel: ${norm}.\n\nNormalizing with statistics of the train split puts ` +
        `every input channel on a similar scale, which speeds up and stabilizes optimization; taking them from train only keeps val/test ` +
        `information out of training.`
      );
    },
  },
  {
    id: 'D7',
    title: 'D7 — Same preprocessing on train, val and test?',
    render: () =>
      'Yes. Decode, resize and normalization (with the train mean/std) are identical for the three splits; they are done once, into the dataset ' +
      'cache, and the exported ONNX model carries the same normalization in its graph. Only the train batches are augmented (D8).',
  },
  {
    id: 'D8',
    title: 'D8 — Augmentation (train only)',
    render(ctx) {
      const a = ctx.config.augment;
      if (!a.enabled) return 'Augmentation is off (`augment.enabled: false`).';
      const cj = a.color_jitter;
      return table(
        ['operation', 'parameters', 'why'],
        [
          ['horizontal flip', `p = ${a.hflip}`, 'objects are as recognizable mirrored; no text to read'],
          [
            'random resized crop',
            a.random_resized_crop.enabled
              ? `scale ${a.random_resized_crop.scale.join('–')}, ratio ${a.random_resized_crop.ratio.join('–')}, output ${ctx.config.dataset.image_size}²`
              : 'off',
            'varied framing and object position',
          ],
          [
            'color jitter',
            `brightness ${cj.brightness}, contrast ${cj.contrast}, saturation ${cj.saturation}, hue ${cj.hue}`,
            'robustness to lighting and camera',
          ],
        ],
        [':--', ':--', ':--'],
      );
    },
  },
  {
    id: 'D9',
    title: 'D9 — Do the augmentations preserve the labels?',
    render(ctx) {
      const a = ctx.config.augment;
      const lo = a.random_resized_crop.scale[0];
      return (
        `- **Flip**: yes — a mirrored object is the same object (no class here depends on left/right).\n` +
        `- **Random resized crop**: yes — at least ${(100 * lo).toFixed(0)} % of the image area is kept, so the object stays in view.\n` +
        `- **Color jitter**: yes — small changes (≤ ${Math.max(a.color_jitter.brightness, a.color_jitter.contrast, a.color_jitter.saturation)} ` +
        `relative, hue ≤ ${a.color_jitter.hue}) leave shapes and textures intact.`
      );
    },
  },
  {
    id: 'D10',
    title: 'D10 — Examples after augmentation',
    render(ctx) {
      if (!ctx.inputs.augmentPreviewPng) return missing(ctx, 'the augmentation preview', 'data preview');
      return (
        ctx.image(ctx.inputs.augmentPreviewPng, 'augment-preview.png', 'Train samples: original (top) and augmented (bottom)') +
        '\n\nTop row: originals; bottom row: the same images through the training augmentation (flip, crop, color jitter).'
      );
    },
  },
  {
    id: 'D11',
    title: 'D11 — Shape of a train batch',
    render(ctx) {
      const c = ctx.inputs.sanity?.checks.find((x) => x.name === 'batch_shape');
      if (!c) return missing(ctx, 'the batch-shape check', 'sanity');
      return `${c.passed ? '✅' : '❌'} ${c.detail}.`;
    },
  },
  {
    id: 'M0',
    title: 'M0 — Baselines',
    render(ctx) {
      const b = ctx.inputs.baselines;
      if (!b) return missing(ctx, 'the baselines', 'baselines');
      return (
        table(
          ['predictor', 'split', 'images', 'accuracy', 'macro-F1'],
          b.results.map((r) => [
            r.predictor === 'majority' ? `majority class (${b.majority_class.id} "${b.majority_class.name}")` : 'uniform random',
            r.split,
            r.count,
            pct(r.accuracy),
            pct(r.macro_f1),
          ]),
        ) +
        `\n\nChance level is 1/${b.num_classes} = ${pct(1 / b.num_classes)}. Any trained model must beat these numbers clearly; the majority ` +
        `predictor's macro-F1 is near 0 because it never predicts ${b.num_classes - 1} of the classes.`
      );
    },
  },
  {
    id: 'M1',
    title: 'M1 — Architecture and parameter count',
    render(ctx) {
      const s = ctx.inputs.sanity;
      if (!s) return missing(ctx, 'the model summary', 'sanity');
      const m = ctx.config.model;
      const rows = s.model.layers
        .filter((l) => l.params > 0 || /Add|Pool|Dropout|Input/i.test(l.type))
        .map((l) => [l.name, l.type, l.outputShape, group(l.params)]);
      return (
        `Residual network: stem conv 3×3 → BN → ${m.activation}; ${m.blocks.length} stages of [${m.blocks.join(', ')}] blocks, widths ` +
        `[${m.widths.join(', ')}] (each block: conv 3×3 → BN → ${m.activation} → Dropout2d(${m.dropout}) → conv 3×3 → BN, + shortcut, 1×1 ` +
        `projection when the shape changes, stride 2 at the start of stages 2+) → global average pooling → dense → logits.\n\n` +
        `**Total parameters: ${group(s.model.totalParams)}** (trainable ${group(s.model.trainableParams)}, BatchNorm running statistics ` +
        `${group(s.model.nonTrainableParams)}). Output shape: [${s.model.outputShape.join(', ')}].\n\n` +
        `The two model hyper-parameters: **blocks per stage** (\`model.blocks\`, depth and capacity: more blocks fit more but overfit sooner) and ` +
        `**Dropout2d rate** (\`model.dropout\`, drops whole channels inside each block: regularization against that overfitting).\n\n` +
        `<details><summary>Layer table (${s.model.layers.length} layers)</summary>\n\n${table(['layer', 'type', 'output shape', 'params'], rows)}\n\n</details>`
      );
    },
  },
  {
    id: 'M2',
    title: 'M2 — Initial loss and first backward pass',
    render(ctx) {
      const s = ctx.inputs.sanity;
      if (!s) return missing(ctx, 'the initial-loss check', 'sanity');
      const lines = s.checks
        .filter((c) => c.name === 'initial_loss' || c.name === 'gradients')
        .map((c) => `- ${c.passed ? '✅' : '❌'} **${c.name}**: ${c.detail}`);
      const shape = s.checks.find((c) => c.name === 'batch_shape');
      return lines.join('\n') + (shape ? `\n- batch ${JSON.stringify(shape.values.batch)} → output ${JSON.stringify(shape.values.output)}` : '');
    },
  },
  {
    id: 'M3',
    title: 'M3 — Overfitting a small subset',
    async render(ctx) {
      const s = ctx.inputs.sanity;
      const c = s?.checks.find((x) => x.name === 'overfit');
      if (!s || !c) return missing(ctx, 'the overfit run', 'sanity');
      const chart = s.overfit_history.length
        ? await ctx.chart(
            curvesSpec('Overfit run (train = val = the small subset)', [{ run: 'overfit', history: s.overfit_history }]),
            'overfit.png',
            'Overfit curve',
          )
        : '';
      return (
        `${c.passed ? '✅' : '❌'} ${c.detail}.\n\nModel hyper-parameters: blocks ${JSON.stringify(ctx.config.model.blocks)}, dropout ` +
        `${ctx.config.model.dropout}. ` +
        `TensorBoard: \`${s.tensorboard}\` (tag \`train/loss\`).\n\n${chart}\n\n` +
        (c.passed
          ? 'The train loss falls to near zero: the model and the training loop can memorize the subset, so the pipeline (labels, loss, gradients, ' +
            'optimizer) works.'
          : 'The model did not memorize the subset: look for a bug (labels, a layer without gradient, LR) before any long run.')
      );
    },
  },
  {
    id: 'M4',
    title: 'M4 — Learning-rate finder and LR × weight-decay mini-grid',
    async render(ctx) {
      const { lrFind: r, lrFindPng, miniGrid: m, miniGridPng } = ctx.inputs;
      const parts: string[] = [];
      if (!r) parts.push(missing(ctx, 'the LR sweep', 'lr-find'));
      else {
        parts.push(lrFindPng ? ctx.image(lrFindPng, 'lr-find.png', 'LR finder') : '');
        parts.push(
          `Sweep ${r.min_lr.toExponential(1)} → ${r.max_lr.toExponential(1)} over ${r.steps_planned} steps (ran ${r.points.length}), smoothing ` +
            `${r.smoothing} (bias-corrected), stop when the smoothed loss exceeds ${r.diverge_factor} × its best.\n\n` +
            table(
              ['', 'LR', 'value'],
              [
                ['lowest smoothed loss', r.best.lr.toExponential(2), f4(r.best.smoothed)],
                ['steepest descent', r.steepest.lr.toExponential(2), `${r.steepest.slope.toFixed(3)} per decade`],
                ['divergence', r.diverged_at === null ? '— (none in the sweep)' : r.diverged_at.toExponential(2), ''],
                ['**suggested**', `**${r.suggested_lr.toExponential(2)}**`, ''],
              ],
            ) +
            `\n\nRule: ${r.rule}.`,
        );
      }
      if (!m) parts.push(missing(ctx, 'the LR × weight-decay mini-grid', 'lr-find --mini-grid'));
      else {
        const img = miniGridPng
          ? ctx.image(miniGridPng, 'lr-mini-grid.png', 'Mini-grid heatmap')
          : await ctx.chart(miniGridSpec(m), 'lr-mini-grid.png', 'Mini-grid heatmap');
        parts.push(
          `Mini-grid: ${m.rows.length} pairs, ${m.steps} steps each. ${m.rule}.\n\n` +
            table(
              ['rank', 'LR', 'weight decay', 'final loss'],
              m.rows.map((x) => [x.rank, x.lr.toExponential(1), x.weight_decay, Number.isFinite(x.final_loss) ? x.final_loss.toFixed(4) : 'diverged']),
            ) +
            `\n\n${img}\n\nBest pair: LR ${m.rows[0].lr.toExponential(1)}, weight decay ${m.rows[0].weight_decay}.`,
        );
      }
      parts.push(`Chosen for the run: \`train.lr\` = ${ctx.config.train.lr}, \`train.weight_decay\` = ${ctx.config.train.weight_decay}.`);
      return parts.filter(Boolean).join('\n\n');
    },
  },
  {
    id: 'M5',
    title: 'M5 — Grid search',
    render(ctx) {
      const gs = ctx.inputs.grids;
      if (gs.length === 0) return missing(ctx, 'a grid search', 'grid');
      return gs
        .map((g) => {
          const s = g.summary;
          const best = s.rows[0];
          const head = ['rank', ...s.keys.map((k) => `\`${k}\``), `${s.metric} (best)`, 'epoch', 'val/loss (last)', 'train/loss (last)', 'status'];
          const rows = s.rows.map((r) => [
            r.rank,
            ...s.keys.map((k) => JSON.stringify(r.params[k])),
            f4(r.value),
            r.best_epoch ?? '—',
            f4(r.final['val/loss']),
            f4(r.final['train/loss']),
            r.status,
          ]);
          return (
            `### Grid \`${s.name}\` (${s.rows.length} trials, ${s.epochs} epochs ` +
            `each${s.max_steps_per_epoch ? `, ≤ ${s.max_steps_per_epoch} steps per epoch` : ''}, seed ${s.seed})\n\n` +
            table(head, rows) +
            '\n\n' +
            (g.png ? `${ctx.image(g.png, `grid-${s.name}.png`, `Grid ${s.name}`)}\n\n` : '') +
            (best && best.value !== null ? `Best: **${best.trial}** with ${s.metric} ${f4(best.value)} (epoch ${best.best_epoch}). ` : '') +
            `TensorBoard (Scalars and HParams): \`tensorboard --logdir ${g.dir}\`.`
          );
        })
        .join('\n\n');
    },
  },
  {
    id: 'M6',
    title: 'M6 — Training curves of the main run',
    async render(ctx) {
      const h = ctx.inputs.history;
      if (!h || h.history.length === 0) return missing(ctx, "the main run's history (artifacts/history.json)", 'train');
      const chart = await ctx.chart(
        curvesSpec(`Run "${h.experiment}"`, [{ run: h.experiment, history: h.history }], ['loss', 'accuracy', 'f1']),
        'train-curves.png',
        'Train and val curves',
      );
      const last = h.history.at(-1)!;
      const bestVal = bestEpoch(h.history, 'val/loss', true);
      const gap = last['train/accuracy'] - last['val/accuracy'];
      const overfit = bestVal && bestVal.epoch < last.epoch && last['val/loss'] > bestVal['val/loss'] * 1.02;
      const verdict = overfit
        ? `val loss bottomed at epoch ${bestVal!.epoch} (${f4(bestVal!['val/loss'])}) and rose to ${f4(last['val/loss'])} while the train loss kept ` +
          `falling: overfitting after epoch ${bestVal!.epoch}; best.ckpt keeps the best epoch.`
        : last['train/accuracy'] < 0.5 && gap < 0.05
          ? 'train and val are close and both still improving: under-fitting / not converged yet — more epochs or capacity would help.'
          : 'val loss still at or near its minimum at the last epoch: no clear overfitting yet.';
      return (
        `${h.history.length} epochs (${h.stop_reason ?? 'running'}); best ` +
        `${h.best ? `${h.best.monitor} ${f4(h.best.value)} at epoch ${h.best.epoch}` : '—'} (\`artifacts/best.ckpt\`).\n\n${chart}\n\n` +
        epochTable(h.history) +
        `\n\nTrain−val accuracy gap at the last epoch: ${(100 * gap).toFixed(1)} points. ${verdict}`
      );
    },
  },
  {
    id: 'M7',
    title: 'M7 — Comparing runs (overlays)',
    async render(ctx) {
      const trials = ctx.inputs.grids.flatMap((g) => g.trials.map((t) => ({ grid: g.summary.name, t })));
      const others = ctx.inputs.otherHistories;
      // The main run overlays with the others, so one --runs folder beside it is already a comparison.
      const mainWithOthers = others.length > 0 && ctx.inputs.history ? 1 : 0;
      if (trials.length + others.length + mainWithOthers < 2)
        return missing(ctx, 'at least two runs to overlay (a grid, or other runs passed with --runs)', 'grid');
      const parts: string[] = [];
      const keys = [...new Set(trials.flatMap(({ t }) => Object.keys(t.params)))];
      for (const key of keys) {
        const values = new Set(trials.map(({ t }) => JSON.stringify(t.params[key])));
        if (values.size < 2) continue;
        const series: CurveSeries[] = trials.map(({ t }) => ({ run: t.trial, group: `${key}=${JSON.stringify(t.params[key])}`, history: t.history }));
        const slug = key.replace(/[^\w]+/g, '-');
        parts.push(
          `**Varying \`${key}\`** (colour = value; solid = train, dashed = val; every other parameter varies too, as in the grid):\n\n` +
            (await ctx.chart(curvesSpec(`Grid runs by ${key}`, series), `overlay-${slug}.png`, `Overlay by ${key}`)) +
            '\n\n' +
            comparisonSentence(
              key,
              trials.map(({ t }) => t),
            ),
        );
      }
      if (others.length) {
        const series: CurveSeries[] = [...(ctx.inputs.history ? [ctx.inputs.history] : []), ...others].map((h) => ({ run: h.experiment, history: h.history }));
        parts.push(`**Other runs**:\n\n${await ctx.chart(curvesSpec('Runs compared', series), 'overlay-runs.png', 'Runs compared')}`);
      }
      return parts.length ? parts.join('\n\n') : 'The grid varies a single value per key: nothing to overlay.';
    },
  },
  {
    id: 'M8',
    title: 'M8 — Further iteration',
    render(ctx) {
      const others = ctx.inputs.otherHistories;
      if (others.length === 0)
        return (
          `No further run given. Train a variant (e.g. \`tinynet train --config ${ctx.configArg} --set train.experiment=iter2 --set ` +
          `paths.artifacts=artifacts/iter2 ...\`) and pass its folder with \`tinynet report --runs artifacts/iter2\`.`
        );
      return table(
        ['run', 'epochs', 'best', 'command'],
        others.map((h) => {
          const best = h.best ? `${h.best.monitor} ${f4(h.best.value)} (epoch ${h.best.epoch})` : '—';
          return [h.experiment, h.history.length, best, `\`${h.command}\``];
        }),
      );
    },
  },
  {
    id: 'M9',
    title: 'M9 — Final evaluation on the test split',
    render(ctx) {
      const evals = ctx.inputs.evaluations.filter((e) => e.report.dataset.split === 'test');
      if (evals.length === 0) return missing(ctx, 'a test-split evaluation (artifacts/*.eval-test.json)', 'evaluate');
      return evals
        .map(({ file, report: r }) => {
          const ref = r.reference;
          const rows: Array<Array<string | number>> = [
            ['accuracy (top-1)', pct(r.metrics.accuracy), pct(ref?.accuracy ?? null)],
            ['top-5 accuracy', pct(r.metrics.top5), pct(ref?.top5 ?? null)],
            ['macro-F1', pct(r.metrics.macro_f1), pct(ref?.macro_f1 ?? null)],
          ];
          const gap = ref?.accuracy != null ? r.metrics.accuracy - ref.accuracy : null;
          const cm = r.files.confusion_png ? ctx.image(r.files.confusion_png, `confusion-${r.source.kind}.png`, 'Confusion matrix (test)') : '';
          return (
            `Evaluated \`${r.source.file}\` (${r.source.engine}) on ${r.dataset.count} test images — \`${file}\`.\n\n` +
            table(['metric', 'test', 'val (training time)'], rows) +
            (gap !== null
              ? `\n\nTest − val accuracy: ${(100 * gap).toFixed(2)} points — ` +
                (Math.abs(gap) < 0.03
                  ? 'a small gap: the val score was a fair estimate, no sign of overfitting to val.'
                  : gap < 0
                    ? 'test is clearly below val: the choices tuned on val (epoch, hyper-parameters) overfit it somewhat.'
                    : 'test is above val (sampling noise of small splits).')
              : '') +
            (r.most_confused.length
              ? `\n\nMost confused pairs: ${r.most_confused
                  .slice(0, 5)
                  .map((p) => `${p.true_name} → ${p.predicted_name} (${p.count})`)
                  .join('; ')}.`
              : '') +
            (cm ? `\n\n${cm}` : '')
          );
        })
        .join('\n\n');
    },
  },
  {
    id: 'L',
    title: 'Limits and problems met',
    render(ctx) {
      const notes: string[] = [];
      const s = ctx.inputs.sanity;
      if (s) for (const c of s.checks.filter((x) => !x.passed)) notes.push(`Sanity check **${c.name}** failed: ${c.detail}.`);
      for (const g of ctx.inputs.grids)
        for (const r of g.summary.rows.filter((x) => x.value === null)) notes.push(`Grid ${g.summary.name}: trial ${r.trial} ${r.status}.`);
      const h = ctx.inputs.history;
      if (h?.stop_reason && h.stop_reason !== 'completed') notes.push(`The main run stopped: ${h.stop_reason}.`);
      if (ctx.inputs.lrFind?.diverged_at)
        notes.push(`The LR sweep diverged at ${ctx.inputs.lrFind.diverged_at.toExponential(2)}: LRs above it are unusable with this setup.`);
      return (
        (notes.length ? notes.map((n) => `- ${n}`).join('\n') : '- No failed check, failed trial or aborted run in the artifacts.') +
        `\n- Compute: CPU training (${h?.backend ?? 'see the train log'}); budgets of the grid and the runs are in their sections.`
      );
    },
  },
  {
    id: 'R',
    title: 'Reproducibility',
    render(ctx) {
      const i = ctx.inputs;
      const cmds = [
        i.stats ? `tinynet data stats --config ${ctx.configArg}` : null,
        i.augmentPreviewPng ? `tinynet data preview --config ${ctx.configArg}` : null,
        i.baselines?.command,
        i.sanity?.command,
        i.lrFind?.command,
        i.miniGrid?.command,
        ...i.grids.map((g) => g.summary.command),
        i.history?.command,
        ...i.evaluations.map(() => `tinynet evaluate --config ${ctx.configArg}`),
        `tinynet report --config ${ctx.configArg}`,
      ].filter((c): c is string => Boolean(c));
      const config = i.history?.config ?? ctx.config;
      return (
        `- **Seed**: ${ctx.config.seed} (data split seed ${ctx.config.dataset.split_seed})\n` +
        `- **Config**: \`${ctx.configArg}\`${i.history ? ` (hash of the main run's resolved config: \`${i.history.config_hash.slice(0, 16)}…\`)` : ''}\n` +
        `- **Versions**: ${ctx.versions}\n` +
        `- **Artifacts**: ${[
          ['runs/', i.grids.length > 0 || i.sanity !== null],
          ['artifacts/best.ckpt', i.history !== null],
          ['artifacts/history.json', i.history !== null],
        ]
          .map(([n, ok]) => `${ok ? '☑' : '☐'} \`${n}\``)
          .join(', ')}\n\n` +
        '**Commands** (in the order of the protocol):\n\n```bash\n' +
        [...new Set(cmds)].join('\n') +
        '\n```\n\n' +
        `<details><summary>Resolved config of ` +
        `${i.history ? 'the main run' : 'this report'}</summary>\n\n\`\`\`json\n${JSON.stringify(config, null, 2)}\n\`\`\`\n\n</details>`
      );
    },
  },
];

/** One sentence on what varying `key` did: the mean best val accuracy per value. */
function comparisonSentence(key: string, trials: Array<{ params: Record<string, unknown>; history: EpochRecord[] }>): string {
  const byValue = new Map<string, number[]>();
  for (const t of trials) {
    const best = Math.max(...t.history.map((h) => h['val/accuracy']).filter(Number.isFinite));
    if (!Number.isFinite(best)) continue;
    const v = JSON.stringify(t.params[key]);
    byValue.set(v, [...(byValue.get(v) ?? []), best]);
  }
  const means = [...byValue.entries()].map(([v, xs]) => ({ v, mean: xs.reduce((a, b) => a + b, 0) / xs.length })).sort((a, b) => b.mean - a.mean);
  if (means.length < 2) return '';
  return (
    `Mean best val accuracy by \`${key}\`: ${means.map((m) => `${m.v} → ${pct(m.mean)}`).join(', ')}; best value ${means[0].v} ` +
    `(${(100 * (means[0].mean - means.at(-1)!.mean)).toFixed(1)} points over the worst).`
  );
}
