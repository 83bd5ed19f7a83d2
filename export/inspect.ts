/** `tinynet inspect`: what an ONNX file takes, gives, contains and says about itself. */
import { readFileSync, existsSync } from 'node:fs';
import { decodeModel, toNumber, onnx, type ModelProto, type GraphProto, type ValueInfoProto } from '../onnx/proto.js';
import { decodeMetadata, METADATA_KEYS, type PrecisionInfo, type TinynetMetadata } from '../core/onnx-metadata.js';
import { TinynetError } from '../core/errors.js';

export interface IoInfo {
  name: string;
  dtype: string;
  dims: Array<number | string>;
}

export interface OnnxInspection {
  file?: string;
  irVersion: number;
  opsets: Array<{ domain: string; version: number }>;
  producer: string;
  graphName: string;
  inputs: IoInfo[];
  outputs: IoInfo[];
  nodes: number;
  ops: Record<string, number>;
  parameters: number;
  parameterBytes: number;
  metadataProps: Record<string, string>;
  metadata: TinynetMetadata;
}

const DTYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(onnx.TensorProto.DataType).map(([k, v]) => [v as number, k.toLowerCase()]));

function io(v: ValueInfoProto): IoInfo {
  const t = v.type?.tensorType;
  return {
    name: v.name ?? '',
    dtype: DTYPE_NAMES[t?.elemType ?? 0] ?? String(t?.elemType),
    dims: (t?.shape?.dim ?? []).map((d: { dimParam?: string | null; dimValue?: number | { toNumber(): number } | null }) =>
      d.dimParam ? d.dimParam : toNumber(d.dimValue),
    ),
  };
}

export function inspectModel(model: ModelProto): OnnxInspection {
  const graph = model.graph as GraphProto | null;
  if (!graph) throw new TinynetError('export.bad_onnx', 'the ONNX model has no graph');
  const initNames = new Set(graph.initializer.map((t) => t.name));
  const ops: Record<string, number> = {};
  for (const n of graph.node) ops[n.opType ?? '?'] = (ops[n.opType ?? '?'] ?? 0) + 1;
  let parameters = 0;
  let parameterBytes = 0;
  for (const t of graph.initializer) {
    parameters += (t.dims ?? []).reduce((a: number, d) => a * toNumber(d), 1);
    parameterBytes += t.rawData?.length ?? 0;
  }
  const metadataProps = Object.fromEntries(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  return {
    irVersion: toNumber(model.irVersion),
    opsets: model.opsetImport.map((o) => ({ domain: o.domain || 'ai.onnx', version: toNumber(o.version) })),
    producer: `${model.producerName} ${model.producerVersion}`.trim(),
    graphName: graph.name,
    // Older exporters list initializers among the inputs; only real inputs are shown.
    inputs: (graph.input as ValueInfoProto[]).filter((i) => !initNames.has(i.name)).map(io),
    outputs: (graph.output as ValueInfoProto[]).map(io),
    nodes: graph.node.length,
    ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1])),
    parameters,
    parameterBytes,
    metadataProps,
    metadata: decodeMetadata(metadataProps),
  };
}

export function inspectFile(file: string): OnnxInspection {
  if (!existsSync(file)) throw new TinynetError('export.onnx_not_found', `file not found: ${file}`, 'pass the path of an .onnx file');
  let model: ModelProto;
  try {
    model = decodeModel(readFileSync(file));
  } catch (err) {
    throw new TinynetError(
      'export.bad_onnx',
      `${file} is not an ONNX model: ${(err as Error).message}`,
      'pass a file written by tinynet export or another ONNX exporter',
    );
  }
  return { file, ...inspectModel(model) };
}

function formatDims(d: Array<number | string>): string {
  return `[${d.join(', ')}]`;
}

export function formatInspection(r: OnnxInspection): string {
  const lines: string[] = [];
  if (r.file) lines.push(`file        ${r.file}`);
  lines.push(`producer    ${r.producer}   IR ${r.irVersion}   opset ${r.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}`);
  lines.push('inputs');
  for (const i of r.inputs) lines.push(`  ${i.name}  ${i.dtype} ${formatDims(i.dims)}`);
  lines.push('outputs');
  for (const o of r.outputs) lines.push(`  ${o.name}  ${o.dtype} ${formatDims(o.dims)}`);
  lines.push(`parameters  ${r.parameters.toLocaleString('en-US')} (${(r.parameterBytes / 1e6).toFixed(2)} MB)`);
  lines.push(
    `nodes       ${r.nodes}: ${Object.entries(r.ops)
      .map(([op, n]) => `${op}×${n}`)
      .join(' ')}`,
  );
  const m = r.metadata;
  if (m.input)
    lines.push(
      `input       ${m.input.dtype} ${m.input.layout} ${m.input.height}×${m.input.width}×${m.input.channels} ${m.input.color}, resize ` +
        `${m.input.resize}, normalization ${m.input.normalized_in_graph ? 'in graph' : 'by caller'}`,
    );
  if (m.normalization)
    lines.push(
      `normalize   mean ${JSON.stringify(m.normalization.mean)} std ${JSON.stringify(m.normalization.std)} pixel_scale ${m.normalization.pixel_scale}`,
    );
  if (m.classes)
    lines.push(
      `classes     ${m.classes.length}: ${m.classes
        .slice(0, 5)
        .map((c) => c.name)
        .join(', ')}${m.classes.length > 5 ? ', …' : ''}`,
    );
  if (m.provenance) {
    const p = m.provenance;
    lines.push(`provenance  tinynet ${p.tinynet_version}, exported ${p.exported_at} from ${p.source}${p.source_file ? ` ${p.source_file}` : ''}`);
    if (p.config_hash) lines.push(`            config ${p.config_hash.slice(0, 12)}${p.epoch !== undefined ? `, epoch ${p.epoch}` : ''}`);
    if (p.metrics)
      lines.push(
        `            ${Object.entries(p.metrics)
          .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(4) : v}`)
          .join(' ')}`,
      );
  }
  if (m.precision) lines.push(...formatPrecision(m.precision));
  const known = new Set<string>(Object.values(METADATA_KEYS));
  const other = Object.entries(r.metadataProps).filter(([k]) => !known.has(k));
  for (const [k, v] of other) lines.push(`metadata    ${k} = ${v.length > 80 ? `${v.slice(0, 77)}...` : v}`);
  return lines.join('\n');
}

function formatPrecision(p: PrecisionInfo): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const parts = [p.precision, p.weights ? `weights ${p.weights}` : '', p.activations ? `activations ${p.activations}` : ''].filter(Boolean);
  const lines = [`precision   ${parts.join(', ')}`];
  const c = p.calibration;
  if (c)
    lines.push(
      `            calibration ${c.method} on ${c.images} ${c.split} images` +
        `${c.percentile !== undefined ? `, percentile ${c.percentile}` : ''}${c.bins !== undefined ? `, ${c.bins} bins` : ''}`,
    );
  const a = p.accuracy;
  if (a)
    lines.push(
      `            ${a.split} accuracy (${a.images} images): float ${pct(a.float)}, ${p.precision} ${pct(a.model)}, top-1 agreement ${pct(a.top1_agreement)}`,
    );
  if (p.left_in_float)
    lines.push(
      `            left in float: ${Object.entries(p.left_in_float)
        .map(([op, n]) => `${op}×${n}`)
        .join(' ')}`,
    );
  return lines;
}
