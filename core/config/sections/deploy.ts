import { z } from 'zod';

export { exportSection } from './export.js';

export const serveSection = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Execution providers in order of preference. */
  providers: z
    .array(z.enum(['cuda', 'cpu']))
    .min(1)
    .default(['cuda', 'cpu']),
  /** Sessions (worker threads) running inference. */
  workers: z.number().int().min(1).max(64).default(1),
  /** Intra-op threads per session (0 = number of cores / workers). */
  threads: z.number().int().nonnegative().default(0),
  max_batch: z.number().int().min(1).default(32),
  max_delay_ms: z.number().min(0).default(5),
  max_queue: z.number().int().min(1).default(1024),
  body_limit_mb: z.number().positive().default(16),
  max_input_pixels: z.number().int().positive().default(40_000_000),
  request_timeout_ms: z.number().int().positive().default(30_000),
  /** Allowed CORS origins; empty = CORS off. */
  cors_origins: z.array(z.string()).default([]),
  default_topk: z.number().int().min(1).default(5),
});
