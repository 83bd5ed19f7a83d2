/**
 * One line per event, to stderr so stdout stays clean for results (JSON, tables) that users pipe.
 * Level from TINYNET_LOG (debug|info|warn|error|silent); tests set it to silent or warn.
 */
import { currentLevelAllows } from './log-level.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(scope: string): Logger;
}

export function createLogger(scope: string): Logger {
  const emit = (level: LogLevel, msg: string) => {
    if (!currentLevelAllows(level)) return;
    const time = new Date().toISOString().slice(11, 19);
    const tag = level === 'info' ? '' : ` ${level.toUpperCase()}`;
    process.stderr.write(`${time} [${scope}]${tag} ${msg}\n`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    child: (sub) => createLogger(`${scope}/${sub}`),
  };
}

export const log = createLogger('tinynet');
