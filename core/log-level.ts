import type { LogLevel } from './log.js';

const ORDER: Record<string, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** True when messages of `level` would be printed under the current TINYNET_LOG. */
export function currentLevelAllows(level: LogLevel): boolean {
  const env = (process.env.TINYNET_LOG ?? 'info').toLowerCase();
  return (ORDER[level] ?? 20) >= (ORDER[env] ?? 20);
}
