/** What the middlewares put on the Hono context for the routes and the request log. */
import type { InferenceService } from '../inference.js';
import type { ServeMetrics } from './metrics.js';

export type AppEnv = {
  Variables: {
    requestId: string;
    /** The route pattern, for metrics labels (set by each route). */
    route: string;
    /** Samples this request classified, for the request log. */
    images: number;
  };
};

export interface RouteDeps {
  service: InferenceService;
  metrics: ServeMetrics;
  defaultTopk: number;
  /** Most images one request may carry. */
  maxImagesPerRequest: number;
  isReady: () => boolean;
}
