/** The protocol commands as `tinynet <command> --config C` runs them: setup, compute, write the artifacts. */
import path from 'node:path';
import type { Config } from '../../core/config/index.js';
import { createLogger } from '../../core/log.js';
import { toCsv } from '../../core/csv.js';
import { renderChart } from '../../core/charts.js';
import { lrFinderSpec, miniGridSpec } from '../../core/protocol-charts.js';
import { protocolPaths, type LrFindFile, type MiniGridFile, type SanityFile } from '../../core/protocol-artifacts.js';
import { writeFileAtomicSync } from '../../core/atomic.js';
import { protocolSetup, overfitSubset } from './setup.js';
import { runSanity } from './sanity.js';
import { runLrFind, runMiniGrid } from './lr-find.js';

const log = createLogger('protocol');

const writeJson = (file: string, doc: unknown) => writeFileAtomicSync(file, `${JSON.stringify(doc, null, 1)}\n`);

export async function runSanityForConfig(config: Config, configHash: string, command: string): Promise<{ result: SanityFile; file: string }> {
  const s = await protocolSetup(config);
  const p = protocolPaths(config.paths);
  const result = await runSanity({
    config,
    configHash,
    expectedInputShape: s.meta.input_shape,
    data: s.data,
    overfitData: overfitSubset(config, s.dir, s.meta, config.sanity.overfit_size),
    buildModel: s.buildModel,
    tensorboardDir: path.join(p.sanityRuns, config.train.experiment),
    command,
    log,
  });
  writeJson(p.sanity, result);
  return { result, file: p.sanity };
}

export async function runLrFindForConfig(config: Config, configHash: string, command: string): Promise<{ result: LrFindFile; files: string[] }> {
  const s = await protocolSetup(config);
  const p = protocolPaths(config.paths);
  const result = await runLrFind({
    config,
    configHash,
    data: s.data,
    buildModel: s.buildModel,
    tensorboardDir: path.join(p.lrFindRuns, config.train.experiment),
    command,
    log,
  });
  writeJson(p.lrFindJson, result);
  writeFileAtomicSync(
    p.lrFindCsv,
    toCsv(
      ['step', 'lr', 'loss', 'smoothed_loss'],
      result.points.map((x) => [x.step, x.lr, x.loss, x.smoothed]),
    ),
  );
  await renderChart(lrFinderSpec(result), p.lrFindPng);
  return { result, files: [p.lrFindJson, p.lrFindCsv, p.lrFindPng, path.join(p.lrFindRuns, config.train.experiment)] };
}

export async function runMiniGridForConfig(config: Config, configHash: string, command: string): Promise<{ result: MiniGridFile; files: string[] }> {
  const s = await protocolSetup(config);
  const p = protocolPaths(config.paths);
  const tb = path.join(p.lrFindRuns, config.train.experiment);
  const result = await runMiniGrid({ config, configHash, data: s.data, buildModel: s.buildModel, tensorboardDir: tb, command, log });
  writeJson(p.miniGridJson, result);
  writeFileAtomicSync(
    p.miniGridCsv,
    toCsv(
      ['rank', 'lr', 'weight_decay', 'final_loss', 'diverged'],
      result.rows.map((r) => [r.rank, r.lr, r.weight_decay, r.final_loss, r.diverged]),
    ),
  );
  await renderChart(miniGridSpec(result), p.miniGridPng);
  return { result, files: [p.miniGridJson, p.miniGridCsv, p.miniGridPng, path.join(tb, 'mini-grid')] };
}
