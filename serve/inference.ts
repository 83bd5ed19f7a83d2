/**
 * The model behind the server and evaluate: model info from the file, a warm session pool, the
 * dynamic batcher, and top-k answers. One log line says what runs: provider, threads, model, I/O.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createLogger } from '../core/log.js';
import { TinynetError } from '../core/errors.js';
import { topKIndices } from '../core/metrics.js';
import { decodeImage } from '../core/image/decode.js';
import { readModelInfo, type ModelInfo } from './model/model-info.js';
import { SessionPool } from './session/pool.js';
import type { ProviderName } from '../core/onnxruntime-providers.js';
import { DynamicBatcher, type BatchStats, type SampleResult } from './batcher.js';
import { inputDims, pixelsToSample, type Sample } from './model/input-tensor.js';

const log = createLogger('serve');

export interface InferenceSettings {
  modelPath: string;
  providers: ProviderName[];
  workers: number;
  threads: number;
  maxBatch: number;
  maxDelayMs: number;
  maxQueue: number;
  maxInputPixels: number;
}

export interface TopKEntry {
  index: number;
  wnid: string | null;
  label: string;
  score: number;
}

export class InferenceService {
  private constructor(
    readonly info: ModelInfo,
    readonly pool: SessionPool,
    readonly batcher: DynamicBatcher,
    readonly modelBytes: Uint8Array,
    private readonly settings: InferenceSettings,
  ) {}

  static async open(settings: InferenceSettings): Promise<InferenceService> {
    if (!existsSync(settings.modelPath)) {
      throw new TinynetError(
        'model.not_found',
        `model file not found: ${settings.modelPath}`,
        'run `tinynet export` first, or pass --model with an existing .onnx file',
      );
    }
    const bytes = new Uint8Array(await readFile(settings.modelPath));
    const info = readModelInfo(bytes, settings.modelPath);
    const pool = await SessionPool.open(
      { modelPath: settings.modelPath, providers: settings.providers, threads: settings.threads, workers: settings.workers },
      { inputName: info.inputName, dtype: info.inputDtype, dims: inputDims(info, Math.min(settings.maxBatch, 8)) },
    );
    log.info(
      `model ${info.name} on ${pool.info.provider.toUpperCase()} · ${pool.info.workers} worker(s) × ${pool.info.threads} intra-op thread(s) · ` +
        `input ${info.inputName} ${info.inputDtype}[N,${info.layout === 'nhwc' ? `${info.height},${info.width},3` : `3,${info.height},${info.width}`}] · ` +
        `outputs ${pool.info.outputNames.join(', ')} · ${info.numClasses} classes · ${info.precision}`,
    );
    const batcher = new DynamicBatcher(pool, info, { maxBatch: settings.maxBatch, maxDelayMs: settings.maxDelayMs, maxQueue: settings.maxQueue });
    return new InferenceService(info, pool, batcher, bytes, settings);
  }

  set onBatch(fn: (s: BatchStats) => void) {
    this.batcher.onBatch = fn;
  }

  /** Decode and resize one image by the model's rule; TinynetError `image.*` when it is bad. */
  async decode(bytes: Uint8Array): Promise<Sample> {
    const img = await decodeImage(bytes, {
      width: this.info.width,
      height: this.info.height,
      rule: this.info.resize,
      maxInputPixels: this.settings.maxInputPixels,
    });
    return pixelsToSample(img.pixels, this.info);
  }

  infer(samples: Sample[]): Promise<SampleResult[]> {
    return this.batcher.submit(samples);
  }

  topK(probabilities: Float32Array, k: number): TopKEntry[] {
    const kk = Math.min(k, this.info.numClasses);
    return topKIndices(probabilities, 0, this.info.numClasses, kk).map((i) => ({
      index: i,
      wnid: this.info.labels[i].wnid,
      label: this.info.labels[i].label,
      score: probabilities[i],
    }));
  }

  async close(): Promise<void> {
    await this.batcher.drain();
    await this.pool.close();
  }
}
