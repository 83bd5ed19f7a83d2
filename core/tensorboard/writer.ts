import { openSync, writeSync, closeSync, fsyncSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { frameRecord } from './record.js';
import { encodeEvent, encodeHParamsPluginData } from './proto.js';
import { gridPng, type RgbImages } from './image.js';

export type HParamValue = number | string | boolean;

export interface MetricSpec {
  tag: string;
  dataset?: 'training' | 'validation';
  description?: string;
}

let fileCounter = 0;

/** The NULL_TENSOR TensorBoard's hparams summaries carry (a float32 scalar 0). */
const NULL_TENSOR = { dtype: 'DT_FLOAT', tensor_shape: {}, float_val: [0] };

/**
 * Writes a TensorBoard event file (events.out.tfevents.<time>.<host>.<pid>.<n>) in `dir`:
 * TFRecord-framed Event protos, the first one `file_version: "brain.Event:2"`.
 * Records are appended synchronously, so a crash loses at most the record being written.
 */
export class EventWriter {
  readonly file: string;
  private fd: number | null;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(now)}.${hostname()}.${process.pid}.${fileCounter++}`);
    this.fd = openSync(this.file, 'a');
    this.write({ wall_time: now, step: 0, file_version: 'brain.Event:2' });
  }

  private write(event: Record<string, unknown>): void {
    if (this.fd === null) throw new Error(`EventWriter: ${this.file} is closed`);
    writeSync(this.fd, frameRecord(encodeEvent(event)));
  }

  private summary(step: number, value: Record<string, unknown>): void {
    this.write({ wall_time: Date.now() / 1000, step, summary: { value: [value] } });
  }

  scalar(tag: string, value: number, step: number): void {
    this.summary(step, { tag, simple_value: value });
  }

  /** One PNG image (Summary.Image, RGB). */
  image(tag: string, png: Uint8Array, height: number, width: number, step: number): void {
    this.summary(step, { tag, image: { height, width, colorspace: 3, encoded_image_string: png } });
  }

  /** Several RGB images tiled into one grid image. */
  async images(tag: string, samples: RgbImages, step: number): Promise<void> {
    const { png, height, width } = await gridPng(samples);
    this.image(tag, png, height, width, step);
  }

  /** Markdown text (the text plugin: a rank-0 DT_STRING tensor). */
  text(tag: string, markdown: string, step: number): void {
    this.summary(step, {
      tag,
      metadata: { plugin_data: { plugin_name: 'text', content: new Uint8Array(0) }, data_class: 'DATA_CLASS_TENSOR' },
      tensor: { dtype: 'DT_STRING', tensor_shape: {}, string_val: [Buffer.from(markdown, 'utf8')] },
    });
  }

  private hparamsSummary(tag: string, data: Record<string, unknown>): void {
    const content = encodeHParamsPluginData({ version: 0, ...data });
    this.summary(0, { tag, metadata: { plugin_data: { plugin_name: 'hparams', content } }, tensor: NULL_TENSOR });
  }

  /** The HParams tab's column definitions: which hyperparameters and metrics the sessions report. */
  hparamsExperiment(hparams: Record<string, HParamValue>, metrics: MetricSpec[]): void {
    const type = (v: HParamValue) => (typeof v === 'number' ? 'DATA_TYPE_FLOAT64' : typeof v === 'boolean' ? 'DATA_TYPE_BOOL' : 'DATA_TYPE_STRING');
    this.hparamsSummary('_hparams_/experiment', {
      experiment: {
        time_created_secs: Date.now() / 1000,
        hparam_infos: Object.entries(hparams).map(([name, v]) => ({ name, type: type(v) })),
        metric_infos: metrics.map((m) => ({
          name: { group: '', tag: m.tag },
          description: m.description ?? '',
          dataset_type: m.dataset === 'training' ? 'DATASET_TRAINING' : m.dataset === 'validation' ? 'DATASET_VALIDATION' : 'DATASET_UNKNOWN',
        })),
      },
    });
  }

  hparamsSessionStart(hparams: Record<string, HParamValue>, groupName = ''): void {
    const value = (v: HParamValue) => (typeof v === 'number' ? { number_value: v } : typeof v === 'boolean' ? { bool_value: v } : { string_value: v });
    this.hparamsSummary('_hparams_/session_start_info', {
      session_start_info: {
        hparams: Object.fromEntries(Object.entries(hparams).map(([k, v]) => [k, value(v)])),
        group_name: groupName,
        start_time_secs: Date.now() / 1000,
      },
    });
  }

  hparamsSessionEnd(status: 'success' | 'failure' | 'running' | 'unknown'): void {
    const s = { success: 'STATUS_SUCCESS', failure: 'STATUS_FAILURE', running: 'STATUS_RUNNING', unknown: 'STATUS_UNKNOWN' }[status];
    this.hparamsSummary('_hparams_/session_end_info', { session_end_info: { status: s, end_time_secs: Date.now() / 1000 } });
  }

  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}
