import type { Command } from 'commander';
import path from 'node:path';
import { withConfigOptions, configFromOptions, type ConfigOptions } from '../common.js';
import { resolveUserPath } from '../../core/paths.js';
import { buildReport } from '../../report/build.js';

export function register(program: Command): void {
  withConfigOptions(
    program
      .command('report')
      .description('write artifacts/report/report.md and a self-contained report.html answering the course report (D1–D11, M0–M9) from the artifacts'),
  )
    .option('--runs <dirs...>', 'other runs (their paths.artifacts folders) to compare with the main run')
    .option('--out <dir>', 'output folder (default <paths.artifacts>/report)')
    .action(async (opts: ConfigOptions & { runs?: string[]; out?: string }) => {
      const { config } = configFromOptions(opts);
      const outDir = opts.out ? resolveUserPath(opts.out) : path.join(config.paths.artifacts, 'report');
      const r = await buildReport({ config, configArg: opts.config ?? 'configs/config.yaml', runs: (opts.runs ?? []).map((d) => resolveUserPath(d)), outDir });
      process.stdout.write(
        `wrote ${path.join(outDir, 'report.md')} (${r.images.length} images in ${path.join(outDir, 'images')})\nwrote ` +
          `${path.join(outDir, 'report.html')} (self-contained)\n` +
          (r.missing.length
            ? `sections waiting for artifacts: ${r.missing.join(', ')} (the report says which command makes each)\n`
            : 'every section has its artifacts\n'),
      );
    });
}
