import type { ClassScore } from './server-client.js';

/** The k most likely classes, highest first. */
export function topK(probabilities: Float32Array, labels: string[], k: number): ClassScore[] {
  const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a]);
  return order.slice(0, k).map((index) => ({ index, label: labels[index] ?? `class ${index}`, probability: probabilities[index] }));
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Top-k as labelled bars; the exact numbers ride along in data-* for scripts and tests. */
export function renderBars(scores: ClassScore[], caption: string): HTMLElement {
  const figure = el('figure', 'bars');
  figure.append(el('figcaption', undefined, caption));
  const list = el('ol');
  for (const s of scores) {
    const item = el('li');
    item.dataset.index = String(s.index);
    item.dataset.probability = String(s.probability);
    const pct = (s.probability * 100).toFixed(1);
    const name = el('span', 'label', s.label);
    const value = el('span', 'value', `${pct}%`);
    const track = el('span', 'track');
    const fill = el('span', 'fill');
    fill.style.width = `${Math.max(0, Math.min(100, s.probability * 100))}%`;
    track.append(fill);
    track.setAttribute('role', 'img');
    track.setAttribute('aria-label', `${s.label}: ${pct} percent`);
    item.append(name, value, track);
    list.append(item);
  }
  figure.append(list);
  return figure;
}

/** Largest |p_page − p_server| over the classes both lists name. */
export function maxDifference(page: Float32Array, server: ClassScore[]): number {
  let worst = 0;
  for (const s of server) worst = Math.max(worst, Math.abs(page[s.index] - s.probability));
  return worst;
}
