/**
 * How every long-running command meets SIGINT (Ctrl-C) and SIGTERM: the first asks it to stop
 * cleanly (finish the step, save, drain), a second exits at once with the shell's code for that
 * signal, 128 + its number (130 for SIGINT, 143 for SIGTERM).
 */
import { constants } from 'node:os';
import type { Logger } from './log.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The exit code of a process ended by `sig`: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + constants.signals[sig];
}

/**
 * Calls `stop` on the first SIGINT/SIGTERM (or the `signals` given, e.g. with Slurm's SIGUSR2);
 * on the next, logs that `abandoned` is given up and exits. Returns the function that removes the
 * handlers again.
 */
export function onStopSignals(
  stop: (sig: NodeJS.Signals) => void,
  log: Logger,
  abandoned: string,
  signals: readonly NodeJS.Signals[] = STOP_SIGNALS,
): () => void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${sig} again: exiting without ${abandoned}`);
      process.exit(signalExitCode(sig));
    }
    stopping = true;
    stop(sig);
  };
  for (const sig of signals) process.on(sig, handler);
  return () => {
    for (const sig of signals) process.off(sig, handler);
  };
}
