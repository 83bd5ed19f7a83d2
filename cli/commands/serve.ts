import type { Command } from 'commander';
import path from 'node:path';
import { withConfigOptions, configFromOptions, type ConfigOptions } from '../common.js';
import { startServer, closeOnSignals } from '../../serve/server.js';
import { demoRoutes } from '../../serve/routes/demo.js';
import { chooseDemoSamples } from '../../serve/routes/demo-samples.js';
// Straight from prepare.js: the dataset barrel also loads the TensorFlow.js augmentation code.
import { cacheDirFor } from '../../dataset/prepare.js';
import { resolveUserPath } from '../../core/paths.js';
import { TinynetError } from '../../core/errors.js';

interface ServeOptions extends ConfigOptions {
  model?: string;
  host?: string;
  port?: string;
  workers?: string;
  threads?: string;
  providers?: string;
  samples?: string;
  demo?: boolean;
}

export function register(program: Command): void {
  withConfigOptions(
    program
      .command('serve')
      .description('serve an ONNX model over REST (POST /v1/classify, KServe v2 /v2/..., /metrics) and the browser demo at /')
      .option('-m, --model <file>', 'ONNX model (default: <paths.artifacts>/model.onnx)')
      .option('--host <host>', 'address to bind (serve.host; default 127.0.0.1 — only this machine)')
      .option('--port <port>', 'port (serve.port; 0 = any free port)')
      .option('--workers <n>', 'inference worker threads, one session each (serve.workers)')
      .option('--threads <n>', 'intra-op threads per session, 0 = cores / workers (serve.threads)')
      .option('--providers <list>', 'execution providers in order, e.g. cuda,cpu (serve.providers)')
      .option(
        '--samples <dir>',
        "sample images for the web demo: a prepared dataset dir (val images) or a folder of images (default: the config's prepared dataset, if any)",
      )
      .option('--no-demo', 'do not serve the browser demo at /'),
  ).action(async (opts: ServeOptions) => {
    const sets = [...(opts.set ?? [])];
    if (opts.host !== undefined) sets.push(`serve.host=${opts.host}`);
    if (opts.port !== undefined) sets.push(`serve.port=${opts.port}`);
    if (opts.workers !== undefined) sets.push(`serve.workers=${opts.workers}`);
    if (opts.threads !== undefined) sets.push(`serve.threads=${opts.threads}`);
    if (opts.providers !== undefined)
      sets.push(
        `serve.providers=[${opts.providers
          .split(',')
          .map((p) => p.trim())
          .join(',')}]`,
      );
    const { config } = configFromOptions({ ...opts, set: sets });
    const modelPath = opts.model ? resolveUserPath(opts.model) : path.join(config.paths.artifacts, 'model.onnx');
    const apiKey = process.env.TINYNET_API_KEY?.trim() || null;
    if (process.env.TINYNET_API_KEY !== undefined && !apiKey) {
      throw new TinynetError('serve.bad_api_key', 'TINYNET_API_KEY is set but empty', 'unset it for an open server, or set a non-empty token');
    }
    // The browser demo at / runs the same model file in the page (onnxruntime-web).
    const extraRoutes =
      opts.demo === false
        ? undefined
        : demoRoutes({ modelPath, samples: chooseDemoSamples(opts.samples ? resolveUserPath(opts.samples) : undefined, cacheDirFor(config)) });
    const server = await startServer({ modelPath, config: config.serve, apiKey, extraRoutes });
    // Machine-readable for scripts and tests that start the server on port 0.
    process.stdout.write(`${JSON.stringify({ listening: server.url, model: server.service.info.name })}\n`);
    await closeOnSignals(server);
  });
}
