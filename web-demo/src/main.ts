import { loadConfig, loadSamples, type DemoConfig } from './config.js';
import { DemoError, asDemoError } from './errors.js';
import { labelsFor, readModelContract } from './model-meta.js';
import { decodeImage, prepareImage } from './preprocess.js';
import { maxDifference, renderBars, topK } from './results.js';
import { ModelRuntime, webgpuAvailable, type Backend } from './runtime.js';
import { classifyOnServer } from './server-client.js';

const TOP_K = 5;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusLine = $<HTMLParagraphElement>('status');
const alertBox = $<HTMLDivElement>('alert');
const backendSelect = $<HTMLSelectElement>('backend');
const fileInput = $<HTMLInputElement>('file');
const dropZone = $<HTMLDivElement>('drop');
const samplesBox = $<HTMLDivElement>('samples');
const resultsBox = $<HTMLOListElement>('results');
const modelDetails = $<HTMLPreElement>('model-details');

let config: DemoConfig;
let modelBytes: Uint8Array | null = null;
let runtime: ModelRuntime | null = null;
/** Images wait here for the runtime (and run one at a time, so timings are per image). */
let queue: Promise<void> = Promise.resolve();

function showError(err: DemoError | null): void {
  alertBox.replaceChildren();
  alertBox.hidden = err === null;
  if (!err) return;
  const msg = document.createElement('p');
  msg.textContent = err.message;
  alertBox.append(msg);
  if (err.hint) {
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent = err.hint;
    alertBox.append(hint);
  }
  alertBox.dataset.code = err.code;
}

function setState(state: 'loading' | 'ready' | 'error'): void {
  document.body.dataset.state = state;
  const disabled = state !== 'ready';
  fileInput.disabled = disabled;
  backendSelect.disabled = state === 'loading';
  for (const b of samplesBox.querySelectorAll('button')) b.disabled = disabled;
}

async function fetchModel(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw asDemoError(err, 'web_demo.model_load', `Could not download the model from ${url}`, 'Check the network and the model URL (?model=…).');
  }
  if (!res.ok) {
    throw new DemoError(
      'web_demo.model_load',
      `Could not load the model from ${url} (HTTP ${res.status}).`,
      'Check the model URL (?model=…), or export a model with `tinynet export` and serve it.',
    );
  }
  return new Uint8Array(await res.arrayBuffer());
}

async function startRuntime(backend: Backend, keepAlert = false): Promise<void> {
  setState('loading');
  statusLine.textContent = `Starting the ${backend} backend…`;
  const t0 = performance.now();
  try {
    if (!modelBytes) {
      statusLine.textContent = 'Downloading the model…';
      modelBytes = await fetchModel(config.modelUrl);
    }
    const contract = readModelContract(modelBytes);
    const previous = runtime;
    runtime = null;
    await previous?.release();
    runtime = await ModelRuntime.create(modelBytes, contract, backend, config.wasmBase);
  } catch (err) {
    const error = asDemoError(err, 'web_demo.model_load', 'The model could not be loaded');
    showError(error);
    if (backend === 'webgpu' && error.code === 'web_demo.backend') {
      // Keep the page usable: fall back to WebAssembly, leaving the WebGPU message on screen.
      backendSelect.value = 'wasm';
      await startRuntime('wasm', true);
      return;
    }
    statusLine.textContent = 'No model loaded.';
    setState('error');
    return;
  }
  const { info, contract } = runtime;
  const ms = performance.now() - t0;
  // An int8 (QDQ) or float16 export says so in its metadata; the runtime needs no other setting for it.
  const precision = contract.metadata.precision?.precision ?? 'fp32';
  statusLine.textContent =
    `Backend: ${info.backend} · threads: ${info.threads}` +
    (info.crossOriginIsolated ? '' : ' (page not cross-origin isolated, so one thread)') +
    ` · ${contract.labels.length || 'unnamed'} classes, ${contract.width}×${contract.height} input, ${precision} · ready in ${Math.round(ms)} ms`;
  document.body.dataset.backend = info.backend;
  document.body.dataset.precision = precision;
  document.body.dataset.threads = String(info.threads);
  document.body.dataset.modelReadyMs = String(ms);
  const { classes, ...rest } = contract.metadata;
  modelDetails.textContent = JSON.stringify(
    {
      url: config.modelUrl,
      onnxruntimeWeb: info.ortVersion,
      input: contract.inputName,
      output: contract.outputName,
      classes: classes?.length ?? 0,
      metadata: rest,
    },
    null,
    2,
  );
  if (!keepAlert) showError(null);
  setState('ready');
}

function newCard(name: string): HTMLLIElement {
  const card = document.createElement('li');
  card.className = 'card';
  card.dataset.name = name;
  card.dataset.state = 'working';
  const title = document.createElement('h3');
  title.textContent = name;
  const body = document.createElement('p');
  body.className = 'note';
  body.textContent = 'Classifying…';
  card.append(title, body);
  resultsBox.prepend(card);
  return card;
}

function failCard(card: HTMLLIElement, err: DemoError): void {
  card.dataset.state = 'error';
  card.dataset.errorCode = err.code;
  const note = card.querySelector('.note') as HTMLElement;
  note.className = 'note error';
  note.setAttribute('role', 'alert');
  note.textContent = err.hint ? `${err.message} ${err.hint}` : err.message;
}

async function classifyFile(file: Blob, name: string): Promise<void> {
  const card = newCard(name);
  try {
    const bitmap = await decodeImage(file, name);
    const rt = runtime;
    if (!rt) throw new DemoError('web_demo.model_load', 'No model is loaded.', 'Reload the page.');
    const { width, height, resize } = rt.contract;
    const prepared = prepareImage(bitmap, width, height, resize);
    bitmap.close();
    const prediction = await rt.classify(prepared.pixels);
    const scores = topK(prediction.probabilities, labelsFor(rt.contract, prediction.probabilities.length), TOP_K);
    card.dataset.state = 'done';
    card.dataset.top1 = String(scores[0].index);
    card.dataset.inferenceMs = String(prediction.inferenceMs);
    card.dataset.probabilities = JSON.stringify(Array.from(prediction.probabilities));
    if (!document.body.dataset.firstPredictionMs) document.body.dataset.firstPredictionMs = String(performance.now());

    prepared.canvas.className = 'thumb';
    prepared.canvas.setAttribute('role', 'img');
    prepared.canvas.setAttribute('aria-label', `${name} as the model sees it (${width}×${height})`);
    const note = card.querySelector('.note') as HTMLElement;
    note.textContent = `${prepared.width}×${prepared.height} px · ${rt.info.backend} · ${prediction.inferenceMs.toFixed(1)} ms`;
    const answers = document.createElement('div');
    answers.className = 'answers';
    answers.append(renderBars(scores, 'In this browser'));
    card.append(prepared.canvas, answers);
    if (config.classifyUrl) card.append(compareButton(card, answers, file, prediction.probabilities));
  } catch (err) {
    failCard(card, asDemoError(err, 'web_demo.classify', `"${name}" could not be classified`));
  }
}

function compareButton(card: HTMLLIElement, answers: HTMLElement, file: Blob, page: Float32Array): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'compare';
  button.textContent = 'Ask the server too';
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Asking the server…';
    answers.querySelector('.server')?.remove();
    card.querySelector('.agreement')?.remove();
    try {
      const server = await classifyOnServer(config.classifyUrl!, file, TOP_K);
      const bars = renderBars(server, 'On the server (/v1/classify)');
      bars.classList.add('server');
      answers.append(bars);
      const diff = maxDifference(page, server);
      const same = server[0]?.index === Number(card.dataset.top1);
      const agreement = document.createElement('p');
      agreement.className = 'agreement';
      agreement.dataset.maxDiff = String(diff);
      agreement.dataset.sameTop1 = String(same);
      agreement.textContent = `${same ? 'Same' : 'Different'} top-1; largest probability difference ${diff.toExponential(1)}.`;
      card.append(agreement);
      card.dataset.server = JSON.stringify(server);
    } catch (err) {
      const p = document.createElement('p');
      p.className = 'agreement error';
      p.setAttribute('role', 'alert');
      const e = asDemoError(err, 'web_demo.server', 'The server could not classify the image');
      p.textContent = e.hint ? `${e.message} ${e.hint}` : e.message;
      card.append(p);
    } finally {
      button.disabled = false;
      button.textContent = 'Ask the server again';
    }
  });
  return button;
}

function enqueue(files: Iterable<File>): void {
  for (const file of files) {
    queue = queue.then(() => classifyFile(file, file.name || 'pasted image'));
  }
}

function wireInputs(): void {
  fileInput.addEventListener('change', () => {
    if (fileInput.files) enqueue(Array.from(fileInput.files));
    fileInput.value = '';
  });
  for (const type of ['dragenter', 'dragover']) {
    dropZone.addEventListener(type, (e) => {
      e.preventDefault();
      dropZone.classList.add('over');
    });
  }
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropZone.classList.remove('over');
    if (document.body.dataset.state !== 'ready') return;
    if (e.dataTransfer?.files.length) enqueue(Array.from(e.dataTransfer.files));
  });
  document.addEventListener('paste', (e) => {
    if (document.body.dataset.state !== 'ready') return;
    const files = Array.from(e.clipboardData?.files ?? []);
    if (files.length) enqueue(files);
  });
  backendSelect.addEventListener('change', () => {
    void startRuntime(backendSelect.value as Backend);
  });
}

async function showSamples(): Promise<void> {
  if (!config.samplesUrl) return;
  try {
    const samples = await loadSamples(config.samplesUrl);
    if (samples.length === 0) return;
    const list = document.createElement('ul');
    for (const s of samples) {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.disabled = document.body.dataset.state !== 'ready';
      const img = document.createElement('img');
      img.src = s.url;
      img.alt = '';
      img.width = 48;
      img.height = 48;
      button.append(img, document.createTextNode(s.label ? `${s.name} (${s.label})` : s.name));
      button.addEventListener('click', async () => {
        const res = await fetch(s.url);
        if (!res.ok) {
          showError(new DemoError('web_demo.sample', `Sample "${s.name}" could not be downloaded (HTTP ${res.status}).`));
          return;
        }
        queue = queue.then(async () => classifyFile(await res.blob(), s.name));
      });
      item.append(button);
      list.append(item);
    }
    samplesBox.replaceChildren(list);
    samplesBox.hidden = false;
  } catch {
    /* samples are a convenience; the page works without them */
  }
}

async function main(): Promise<void> {
  config = await loadConfig(window.location);
  if (webgpuAvailable()) {
    const option = document.createElement('option');
    option.value = 'webgpu';
    option.textContent = 'WebGPU';
    backendSelect.append(option);
  }
  const backend: Backend = config.backend === 'webgpu' && webgpuAvailable() ? 'webgpu' : 'wasm';
  backendSelect.value = backend;
  wireInputs();
  const samples = showSamples();
  await startRuntime(backend);
  await samples;
  setState(document.body.dataset.state as 'ready' | 'error');
}

void main();
