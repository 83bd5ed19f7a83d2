/** Start a real server on 127.0.0.1:0 with the tiny fixture model, for serve tests. */
import path from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { validateConfig } from '../../core/config/index.js';
import type { ServeConfig } from '../../core/config/index.js';
import { startServer, type RunningServer } from '../../serve/server.js';
import { writeTinyModel } from './serve-fixtures.js';
import type { TinyClassifierOptions } from './tiny-onnx-classifier.js';

export async function startTestServer(
  serve: Partial<ServeConfig> = {},
  model: TinyClassifierOptions = {},
  apiKey: string | null = null,
): Promise<RunningServer & { modelPath: string }> {
  const modelPath = writeTinyModel(model);
  const { config } = validateConfig({ serve: { port: 0, providers: ['cpu'], threads: 1, ...serve } });
  const server = await startServer({ modelPath, config: config.serve, apiKey });
  return Object.assign(server, { modelPath });
}

/** The value of one Prometheus sample line (`name{labels} value`), or 0 when absent. */
export function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** Node's arguments for `tinynet serve` of the built CLI with the smoke config, this model and port, then `extra`. */
export function serveCommand(model: string, port: number, ...extra: string[]): string[] {
  const cli = path.join(PACKAGE_ROOT, 'dist/cli/main.js');
  return [cli, 'serve', '--config', path.join(PACKAGE_ROOT, 'configs/smoke.yaml'), '--model', model, '--port', String(port), ...extra];
}
