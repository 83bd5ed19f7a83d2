/**
 * Run `fn` over an (async) iterable with at most `concurrency` calls in flight. Used to keep
 * sharp's thread pool busy while the JS thread reads the source; stops at the first error.
 */
export async function forEachConcurrent<T>(items: AsyncIterable<T> | Iterable<T>, concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = Symbol.asyncIterator in items ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : toAsync(items as Iterable<T>);
  let failed: unknown = null;
  const lane = async () => {
    while (failed === null) {
      const next = await it.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (err) {
        if (failed === null) failed = err;
        return;
      }
    }
  };
  const lanes = Array.from({ length: Math.max(1, concurrency) }, lane);
  const results = await Promise.allSettled(lanes);
  if (failed !== null) {
    await it.return?.();
    throw failed;
  }
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
