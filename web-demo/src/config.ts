/**
 * Where the page finds its model, the server to compare with, and sample images. `config.json`
 * sits next to index.html (written by the build, or answered by the server); query parameters
 * (?model=…, ?backend=…) override it, so one static build can point at any model URL.
 */
export interface DemoConfig {
  modelUrl: string;
  /** POST endpoint of the REST API; null on a static host without a server. */
  classifyUrl: string | null;
  /** JSON list of sample images ([{name, url, label?}]); null when there are none. */
  samplesUrl: string | null;
  /** Folder (URL prefix, ending in /) holding ort's .mjs and .wasm files. */
  wasmBase: string;
  backend?: 'wasm' | 'webgpu';
}

export interface Sample {
  name: string;
  url: string;
  label?: string;
}

const DEFAULTS: DemoConfig = { modelUrl: 'model.onnx', classifyUrl: null, samplesUrl: null, wasmBase: 'ort/' };

export async function loadConfig(location: Location): Promise<DemoConfig> {
  let fromFile: Partial<DemoConfig> = {};
  try {
    const res = await fetch(new URL('config.json', location.href));
    if (res.ok) fromFile = (await res.json()) as Partial<DemoConfig>;
  } catch {
    /* no config.json: defaults (the model next to the page) */
  }
  const config: DemoConfig = { ...DEFAULTS, ...fromFile };
  const params = new URLSearchParams(location.search);
  const model = params.get('model');
  if (model) config.modelUrl = model;
  const backend = params.get('backend');
  if (backend === 'wasm' || backend === 'webgpu') config.backend = backend;
  // Resolve against the page, so relative URLs work from any sub-path of a static host.
  const abs = (u: string) => new URL(u, location.href).href;
  config.modelUrl = abs(config.modelUrl);
  config.wasmBase = abs(config.wasmBase.endsWith('/') ? config.wasmBase : `${config.wasmBase}/`);
  if (config.classifyUrl) config.classifyUrl = abs(config.classifyUrl);
  if (config.samplesUrl) config.samplesUrl = abs(config.samplesUrl);
  return config;
}

export async function loadSamples(url: string): Promise<Sample[]> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const list = (await res.json()) as Sample[];
  return list.map((s) => ({ ...s, url: new URL(s.url, url).href }));
}
