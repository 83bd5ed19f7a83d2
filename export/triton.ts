/**
 * `tinynet export --triton DIR`: a Triton Inference Server model repository for the exported ONNX
 * file, for teams that serve ONNX with Triton —
 *   DIR/<name>/config.pbtxt   platform, max_batch_size, inputs/outputs (names, datatypes, dims
 *                             without the batch dimension), dynamic batching
 *   DIR/<name>/1/model.onnx   the model, version 1
 *   DIR/<name>/labels.txt     one class name per line, in output order (Triton's classification extension)
 * Everything is read back from the ONNX file itself, so the repository describes what was written.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TinynetError } from '../core/errors.js';
import { writeFileAtomicSync } from '../core/atomic.js';
import { inspectFile, type IoInfo } from './inspect.js';

export interface TritonOptions {
  /** The model's name in the repository (default: the ONNX file name without .onnx, as `tinynet serve` names it). */
  name?: string;
  /** Largest batch Triton forms (serve.max_batch). */
  maxBatchSize: number;
  /** How long Triton waits to fill a batch (serve.max_delay_ms). */
  maxQueueDelayMs: number;
}

export interface TritonRepository {
  dir: string;
  config: string;
  model: string;
  labels: string;
}

const TRITON_TYPES: Record<string, string> = { uint8: 'TYPE_UINT8', float: 'TYPE_FP32', float16: 'TYPE_FP16', int64: 'TYPE_INT64', int32: 'TYPE_INT32' };

function tensorBlock(t: IoInfo, labels: boolean): string {
  const type = TRITON_TYPES[t.dtype];
  if (!type)
    throw new TinynetError(
      'export.triton_dtype',
      `tensor "${t.name}" has element type ${t.dtype}, which this writer does not map to Triton`,
      'export with --input uint8-nhwc or a float32 input',
    );
  const [batch, ...rest] = t.dims;
  if (typeof batch === 'number' && batch !== -1 && batch !== 0) {
    throw new TinynetError(
      'export.triton_batch',
      `tensor "${t.name}" has a fixed first dimension ${batch}; Triton's batching needs it dynamic`,
      're-export the model: tinynet writes a dynamic N',
    );
  }
  const dims = rest.map((d) => (typeof d === 'number' && d > 0 ? d : -1));
  return [
    '  {',
    `    name: "${t.name}"`,
    `    data_type: ${type}`,
    `    dims: [ ${dims.join(', ')} ]`,
    ...(labels ? ['    label_filename: "labels.txt"'] : []),
    '  }',
  ].join('\n');
}

export function writeTritonRepository(modelFile: string, dir: string, opts: TritonOptions): TritonRepository {
  const info = inspectFile(modelFile);
  const name = opts.name ?? path.basename(modelFile).replace(/\.onnx$/i, '');
  if (!/^[\w.-]+$/.test(name))
    throw new TinynetError('export.triton_name', `"${name}" is not usable as a Triton model folder name`, 'letters, digits, _ . - only');
  const classes = info.metadata.classes ?? [];
  const k = info.outputs[0]?.dims.at(-1);
  if (classes.length === 0 || classes.length !== k) {
    throw new TinynetError(
      'export.triton_labels',
      `${modelFile} carries ${classes.length} labels for ${k} outputs`,
      'export a tinynet checkpoint (or --tfjs with --meta) so the labels travel in the model',
    );
  }
  const root = path.join(dir, name);
  mkdirSync(path.join(root, '1'), { recursive: true });
  const config = [
    `name: "${name}"`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${opts.maxBatchSize}`,
    'input [',
    info.inputs.map((t) => tensorBlock(t, false)).join(',\n'),
    ']',
    'output [',
    info.outputs.map((t) => tensorBlock(t, true)).join(',\n'),
    ']',
    'dynamic_batching {',
    `  max_queue_delay_microseconds: ${Math.round(opts.maxQueueDelayMs * 1000)}`,
    '}',
    '',
  ].join('\n');
  const files = { dir: root, config: path.join(root, 'config.pbtxt'), model: path.join(root, '1', 'model.onnx'), labels: path.join(root, 'labels.txt') };
  writeFileAtomicSync(files.config, config);
  writeFileAtomicSync(files.labels, `${classes.map((c) => c.name ?? String(c.id)).join('\n')}\n`);
  copyFileSync(modelFile, files.model);
  return files;
}
