import { z } from 'zod';

/** Relative paths resolve against the working directory. */
export const pathsSection = z.strictObject({
  cache: z.string().min(1).default('data/cache'),
  artifacts: z.string().min(1).default('artifacts'),
  runs: z.string().min(1).default('runs'),
});
