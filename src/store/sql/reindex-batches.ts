// Store.reindex for both stores: batches of resources in rid order, each batch its own transaction, so
// other requests are served in between.

export type ReindexBatch = (afterRid: number, size: number) => Promise<{ count: number; lastRid: number }>;

/** Run `batch` from the first rid until a batch comes back short; resolves to the number reindexed. */
export async function reindexInBatches(batch: ReindexBatch, batchSize = 500): Promise<number> {
  const size = Math.max(1, Math.floor(batchSize));
  let after = 0;
  let total = 0;
  for (;;) {
    const { count, lastRid } = await batch(after, size);
    total += count;
    if (count < size) return total;
    after = lastRid;
  }
}
