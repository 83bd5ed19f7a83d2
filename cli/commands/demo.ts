import type { Command } from 'commander';
import path from 'node:path';
import { withConfigOptions, configFromOptions, type ConfigOptions } from '../common.js';
import { packageFile } from '../../core/paths.js';
import { STAGES, prepareBackend } from '../demo/stages.js';
import { startServer, closeOnSignals } from '../../serve/server.js';
import { demoRoutes } from '../../serve/routes/demo.js';
import { chooseDemoSamples } from '../../serve/routes/demo-samples.js';
import { cacheDirFor } from '../../dataset/prepare.js';
import { isTinynetError } from '../../core/errors.js';

interface DemoOptions extends ConfigOptions {
  serve: boolean;
  verbose?: boolean;
  port?: string;
}

function line(mark: string, name: string, text: string, seconds?: number): void {
  const time = seconds === undefined ? '' : ` (${seconds.toFixed(1)}s)`;
  process.stdout.write(`${mark} ${name.padEnd(9)} ${text}${time}\n`);
}

export function register(program: Command): void {
  withConfigOptions(
    program
      .command('demo')
      .description(
        'the whole toolchain on the built-in synthetic dataset: data, stats, baselines, sanity, train, export, evaluate, report, then serve the API ' +
          'and the web demo',
      )
      .option('--no-serve', 'stop after the report')
      .option('--port <port>', 'port for the server (default serve.port)')
      .option('--verbose', 'show every log line and progress bar, not only one line per stage'),
    packageFile('configs', 'smoke.yaml'),
  ).action(async (opts: DemoOptions) => {
    const sets = [...(opts.set ?? [])];
    if (opts.port !== undefined) sets.push(`serve.port=${opts.port}`);
    const { config, hash } = configFromOptions({ ...opts, set: sets });
    // One line per stage: the stages' own info lines and progress bars only with --verbose.
    if (!opts.verbose && !process.env.TINYNET_LOG) process.env.TINYNET_LOG = 'warn';
    const configArg = opts.config ? path.relative(process.cwd(), opts.config) || opts.config : 'configs/smoke.yaml';
    const started = Date.now();
    line('•', 'backend', await prepareBackend(config));
    for (const stage of STAGES) {
      const t0 = Date.now();
      try {
        line('✓', stage.name, await stage.run({ config, configHash: hash, configArg }), (Date.now() - t0) / 1000);
      } catch (err) {
        line('✗', stage.name, isTinynetError(err) ? err.message : String((err as Error)?.message ?? err), (Date.now() - t0) / 1000);
        throw err;
      }
    }
    process.stdout.write(
      `demo finished in ${((Date.now() - started) / 1000).toFixed(0)}s; artifacts in ${config.paths.artifacts}, TensorBoard: tensorboard --logdir ` +
        `${config.paths.runs}\n`,
    );
    if (!opts.serve) return;

    const modelPath = path.join(config.paths.artifacts, 'model.onnx');
    const server = await startServer({
      modelPath,
      config: config.serve,
      apiKey: process.env.TINYNET_API_KEY?.trim() || null,
      extraRoutes: demoRoutes({ modelPath, samples: chooseDemoSamples(undefined, cacheDirFor(config)) }),
    });
    const sample = packageFile('web-demo', 'samples');
    process.stdout.write(
      `serving ${server.url}/ (web demo) and ${server.url}/v1/classify — Ctrl-C to stop\n` +
        `  curl -s -H 'Content-Type: image/png' --data-binary @"$(ls ${sample}/*.png | head -1)" '${server.url}/v1/classify?topk=3'\n`,
    );
    await closeOnSignals(server);
  });
}
