/**
 * The Hono app: request ids, structured request logs, metrics, CORS (only when configured),
 * bearer auth on inference routes (only when a key is given), body limit, request timeout,
 * JSON errors for everything (404, 405 on known paths, 413, 415, 422, 503), and the routes.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { bodyLimit } from 'hono/body-limit';
import { timeout } from 'hono/timeout';
import { HTTPException } from 'hono/http-exception';
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { createLogger } from '../core/log.js';
import type { InferenceService } from './inference.js';
import { ServeMetrics } from './http/metrics.js';
import { HttpError, errorResponse, toHttpError } from './http/errors.js';
import type { AppEnv, RouteDeps } from './http/context.js';
import { classifyRoutes } from './routes/classify.js';
import { kserveRoutes } from './routes/kserve.js';

const log = createLogger('serve/http');

export interface AppOptions {
  service: InferenceService;
  metrics?: ServeMetrics;
  bodyLimitMb: number;
  requestTimeoutMs: number;
  corsOrigins?: string[];
  defaultTopk?: number;
  maxImagesPerRequest?: number;
  /** Bearer token required on inference routes; null/undefined = open. */
  apiKey?: string | null;
  /** False while starting or draining: readiness answers 503 and inference is refused. */
  isReady?: () => boolean;
  /**
   * More routes, e.g. the web demo (`demoRoutes({ modelPath, samplesDir })` from
   * serve/routes/demo.ts: the page at `/`, `/model.onnx` and its assets). Mounted last, so they
   * can never shadow an API route.
   */
  extraRoutes?: Hono;
}

/** Paths and the methods they answer, for 405 on a known path with the wrong method. */
const KNOWN_PATHS: Array<[RegExp, string[], string]> = [
  [/^\/v1\/classify$/, ['POST'], '/v1/classify'],
  [/^\/v2\/?$/, ['GET'], '/v2'],
  [/^\/v2\/health\/live$/, ['GET'], '/v2/health/live'],
  [/^\/v2\/health\/ready$/, ['GET'], '/v2/health/ready'],
  [/^\/v2\/models\/[^/]+$/, ['GET'], '/v2/models/:name'],
  [/^\/v2\/models\/[^/]+\/ready$/, ['GET'], '/v2/models/:name/ready'],
  [/^\/v2\/models\/[^/]+\/infer$/, ['POST'], '/v2/models/:name/infer'],
  [/^\/v2\/models\/[^/]+\/versions\/[^/]+$/, ['GET'], '/v2/models/:name/versions/:version'],
  [/^\/v2\/models\/[^/]+\/versions\/[^/]+\/ready$/, ['GET'], '/v2/models/:name/versions/:version/ready'],
  [/^\/v2\/models\/[^/]+\/versions\/[^/]+\/infer$/, ['POST'], '/v2/models/:name/versions/:version/infer'],
  [/^\/metrics$/, ['GET'], '/metrics'],
];

export function createApp(opts: AppOptions): Hono<AppEnv> {
  const service = opts.service;
  const metrics =
    opts.metrics ??
    new ServeMetrics(
      () => service.batcher.depth,
      () => service.pool.busyWorkers,
    );
  const isReady = opts.isReady ?? (() => true);
  service.onBatch = (s) => {
    metrics.batchSize.observe(s.size);
    metrics.inference.observe(s.inferMs / 1000);
    metrics.batchWait.observe(s.waitMs / 1000);
    metrics.images.inc(s.size);
  };
  const deps: RouteDeps = {
    service,
    metrics,
    defaultTopk: opts.defaultTopk ?? 5,
    maxImagesPerRequest: opts.maxImagesPerRequest ?? 256,
    isReady,
  };

  const app = new Hono<AppEnv>();
  app.use('*', requestLog(metrics));
  if (opts.corsOrigins && opts.corsOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: opts.corsOrigins,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Content-Type', 'Authorization'],
        exposeHeaders: ['X-Request-Id'],
      }),
    );
  }
  app.use('*', methodGuard());
  const inference: MiddlewareHandler<AppEnv>[] = [
    readyGuard(isReady),
    ...(opts.apiKey ? [bearer(opts.apiKey)] : []),
    bodyLimit({
      maxSize: Math.floor(opts.bodyLimitMb * 1024 * 1024),
      onError: () => {
        // The rest of the body is never read: close the connection so no client reuses it mid-upload.
        throw new HttpError('serve.body_too_large', `the request body is over ${opts.bodyLimitMb} MB`, { Connection: 'close' });
      },
    }),
    timeout(opts.requestTimeoutMs, () => new HTTPException(503, { message: `the request took longer than ${opts.requestTimeoutMs} ms` })),
  ];
  app.use('/v1/classify', ...inference);
  app.use('/v2/models/:name/infer', ...inference);
  app.use('/v2/models/:name/versions/:version/infer', ...inference);

  app.route('/', classifyRoutes(deps));
  app.route('/', kserveRoutes(deps));
  app.get('/metrics', async (c) => {
    c.set('route', '/metrics');
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });
  if (opts.extraRoutes) app.route('/', opts.extraRoutes as unknown as Hono<AppEnv>);

  app.notFound((c) => errorResponse(c, new HttpError('serve.not_found', `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`)));
  app.onError((err, c) => {
    const http = toHttpError(err);
    if (http.status === 500) log.error(`request ${c.get('requestId')} failed: ${(err as Error)?.stack ?? String(err)}`);
    return errorResponse(c, http);
  });
  return app;
}

/** Request id (echoed or made), one structured log line and the metrics for every request. */
function requestLog(metrics: ServeMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    c.set('requestId', id);
    c.set('route', 'unmatched');
    c.set('images', 0);
    const start = performance.now();
    await next();
    c.header('X-Request-Id', id);
    const seconds = (performance.now() - start) / 1000;
    const route = c.get('route');
    metrics.requests.inc({ route, method: c.req.method, status: String(c.res.status) });
    metrics.latency.observe({ route }, seconds);
    log.info(
      JSON.stringify({
        id,
        method: c.req.method,
        path: c.req.path.slice(0, 200),
        route,
        status: c.res.status,
        ms: Math.round(seconds * 1e5) / 100,
        images: c.get('images'),
      }),
    );
  };
}

function methodGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const known = KNOWN_PATHS.find(([re]) => re.test(c.req.path));
    if (known) c.set('route', known[2]);
    if (known && c.req.method !== 'OPTIONS' && !known[1].includes(c.req.method) && !(c.req.method === 'HEAD' && known[1].includes('GET'))) {
      c.header('Allow', known[1].join(', '));
      throw new HttpError('serve.method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${known[1].join(', ')}`);
    }
    await next();
  };
}

function readyGuard(isReady: () => boolean): MiddlewareHandler<AppEnv> {
  return async (_c, next) => {
    if (!isReady()) throw new HttpError('serve.not_ready', 'the server is not ready (starting or shutting down)', { 'Retry-After': '1' });
    await next();
  };
}

function bearer(apiKey: string): MiddlewareHandler<AppEnv> {
  const want = createHash('sha256').update(apiKey).digest();
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const got = createHash('sha256')
      .update(m ? m[1].trim() : '')
      .digest();
    if (!m || !timingSafeEqual(got, want)) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new HttpError('serve.unauthorized', 'a valid bearer token is required (Authorization: Bearer <TINYNET_API_KEY>)');
    }
    await next();
  };
}
