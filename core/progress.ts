import cliProgress from 'cli-progress';
import { currentLevelAllows } from './log-level.js';

/**
 * A progress bar with rate and ETA on a terminal; on a pipe or in CI, a plain line every
 * few seconds instead, so logs stay readable and never fill with carriage returns.
 */
export interface Progress {
  /** Advance by `n` units; `fields` are shown after the bar (e.g. loss). */
  tick(n?: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  /** Seconds between plain-line updates when not on a TTY. */
  plainEverySec?: number;
}

function formatFields(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(' ');
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function createProgress(opts: ProgressOptions): Progress {
  const unit = opts.unit ?? 'it';
  const start = Date.now();
  let done = 0;
  let fields: Record<string, string | number> = {};
  const quiet = !currentLevelAllows('info');

  if (!quiet && process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${opts.label} [{bar}] {percentage}% {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} {extra}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(opts.total, 0, { rate: '0', extra: '' });
    return {
      tick(n = 1, f) {
        done += n;
        if (f) fields = f;
        const rate = done / Math.max(1e-3, (Date.now() - start) / 1000);
        bar.update(done, { rate: formatNumber(rate), extra: formatFields(fields) });
      },
      stop() {
        bar.stop();
      },
    };
  }

  const every = (opts.plainEverySec ?? 5) * 1000;
  let lastPrint = start;
  const print = (final: boolean) => {
    if (quiet) return;
    const elapsed = (Date.now() - start) / 1000;
    const rate = done / Math.max(1e-3, elapsed);
    const eta = final ? 0 : (opts.total - done) / Math.max(1e-9, rate);
    const pct = opts.total > 0 ? Math.round((100 * done) / opts.total) : 100;
    process.stderr.write(
      `${opts.label} ${done}/${opts.total} ${unit} (${pct}%) ${formatNumber(rate)} ${unit}/s ETA ${formatEta(eta)} ${formatFields(fields)}\n`,
    );
  };
  return {
    tick(n = 1, f) {
      done += n;
      if (f) fields = f;
      if (Date.now() - lastPrint >= every) {
        lastPrint = Date.now();
        print(false);
      }
    },
    stop() {
      print(true);
    },
  };
}
