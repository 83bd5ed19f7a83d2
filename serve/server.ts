/**
 * `tinynet serve`: open the model, build the app, listen (127.0.0.1 unless told otherwise), and
 * shut down cleanly — stop accepting, answer what is in flight, drain the batch queue, stop the
 * workers — on close() or SIGTERM/SIGINT.
 */
import { serve as listen, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { createLogger } from '../core/log.js';
import { onStopSignals } from '../core/signals.js';
import type { ServeConfig } from '../core/config/index.js';
import { InferenceService } from './inference.js';
import { createApp } from './app.js';
import { ServeMetrics } from './http/metrics.js';

const log = createLogger('serve');

export interface StartOptions {
  modelPath: string;
  config: ServeConfig;
  /** Bearer token for inference routes (the CLI passes TINYNET_API_KEY). */
  apiKey?: string | null;
  /** The web demo's routes (see createApp's extraRoutes). */
  extraRoutes?: Hono;
}

export interface RunningServer {
  url: string;
  port: number;
  service: InferenceService;
  metrics: ServeMetrics;
  /** Stop accepting, finish in-flight requests and queued batches, stop the workers. */
  close(): Promise<void>;
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const cfg = opts.config;
  const service = await InferenceService.open({
    modelPath: opts.modelPath,
    providers: cfg.providers,
    workers: cfg.workers,
    threads: cfg.threads,
    maxBatch: cfg.max_batch,
    maxDelayMs: cfg.max_delay_ms,
    maxQueue: cfg.max_queue,
    maxInputPixels: cfg.max_input_pixels,
  });
  const metrics = new ServeMetrics(
    () => service.batcher.depth,
    () => service.pool.busyWorkers,
  );
  let accepting = true;
  let inFlight = 0;
  let idle: (() => void) | null = null;
  const app = createApp({
    service,
    metrics,
    bodyLimitMb: cfg.body_limit_mb,
    requestTimeoutMs: cfg.request_timeout_ms,
    corsOrigins: cfg.cors_origins,
    defaultTopk: cfg.default_topk,
    maxImagesPerRequest: Math.min(cfg.max_queue, 256),
    apiKey: opts.apiKey ?? null,
    isReady: () => accepting,
    extraRoutes: opts.extraRoutes,
  });

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = listen(
      {
        fetch: async (req, env) => {
          inFlight += 1;
          try {
            const res = await app.fetch(req, env);
            // Tell keep-alive clients to reconnect elsewhere once we are shutting down.
            if (!accepting) res.headers.set('Connection', 'close');
            return res;
          } finally {
            inFlight -= 1;
            if (inFlight === 0 && idle) idle();
          }
        },
        hostname: cfg.host,
        port: cfg.port,
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const http = server as Server;
  // Slow or stalled clients cannot hold a connection forever.
  http.requestTimeout = cfg.request_timeout_ms;
  http.headersTimeout = Math.min(cfg.request_timeout_ms, 60_000);
  const port = (http.address() as AddressInfo).port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  const url = `http://${host}:${port}`;
  log.info(`listening on ${url} (POST /v1/classify, /v2 KServe, /metrics${opts.apiKey ? '; bearer token required for inference' : ''})`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(cfg.host) && !opts.apiKey) {
    log.warn(`bound to ${cfg.host}: reachable from other machines with no TINYNET_API_KEY set — anyone who can reach it can run inference`);
  }

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      accepting = false;
      log.info(`shutting down: no new connections, draining ${inFlight} request(s) and ${service.batcher.depth} queued sample(s)`);
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      // Flush the queue now (no batching window) so queued requests can finish.
      const drained = service.batcher.drain();
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      await drained;
      http.closeIdleConnections();
      // Connections still open after every answer went out are idle keep-alives: end them.
      const hard = setTimeout(() => http.closeAllConnections(), 1000);
      await stopped;
      clearTimeout(hard);
      await service.close();
      log.info('stopped');
    })());

  return { url, port, service, metrics, close };
}

/** SIGTERM / SIGINT → graceful close → exit 0; a second signal exits at once (core/signals.ts). */
export function closeOnSignals(server: RunningServer): Promise<void> {
  return new Promise((resolve) => {
    onStopSignals(
      (sig) => {
        log.info(`${sig} received`);
        server.close().then(resolve, (err) => {
          log.error(`shutdown failed: ${(err as Error).message}`);
          process.exitCode = 1;
          resolve();
        });
      },
      log,
      'draining',
    );
  });
}
