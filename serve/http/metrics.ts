/**
 * Prometheus metrics of one server (own registry, so several servers in one process — tests —
 * never collide): requests by route and status, latency, batch sizes, queue depth, inference time.
 */
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tinynet_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'tinynet_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'tinynet_batch_size',
    help: 'Samples per inference batch',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  readonly inference = new Histogram({
    name: 'tinynet_inference_duration_seconds',
    help: 'onnxruntime run() time per batch',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly batchWait = new Histogram({
    name: 'tinynet_batch_wait_seconds',
    help: 'Time the oldest sample of a batch waited in the queue',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly images = new Counter({
    name: 'tinynet_images_total',
    help: 'Images (samples) classified',
    registers: [this.registry],
  });

  constructor(queueDepth: () => number, busyWorkers: () => number) {
    new Gauge({
      name: 'tinynet_queue_depth',
      help: 'Samples waiting for a batch',
      registers: [this.registry],
      collect() {
        this.set(queueDepth());
      },
    });
    new Gauge({
      name: 'tinynet_busy_workers',
      help: 'Inference workers running a batch',
      registers: [this.registry],
      collect() {
        this.set(busyWorkers());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'tinynet_' });
  }
}
