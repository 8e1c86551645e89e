/**
 * Group commit: requests that arrive while earlier ones are being written are written together,
 * as one statement (one round trip, one transaction, one WAL flush) when a slot frees up. Nothing
 * waits for a timer: a lone request goes out at once, and batches only form under load, as large
 * as the load makes them. A failed batch of several is retried one request at a time, so a bad
 * request fails alone and the others succeed as they would have on their own.
 */
export class GroupCommit<T, R> {
  private readonly queue: Array<{ item: T; resolve(r: R): void; reject(e: unknown): void }> = [];
  private inFlight = 0;

  /**
   * @param write writes a batch atomically and returns one result per item, in order
   * @param maxInFlight batches written at the same time (each holds one database connection)
   * @param maxBatch most items per batch
   */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxInFlight = 2,
    private readonly maxBatch = 64,
  ) {}

  /** Requests waiting for a free slot. */
  get queued(): number {
    return this.queue.length;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async run(batch: typeof this.queue): Promise<void> {
    try {
      const results = await this.write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (e) {
      if (batch.length === 1) {
        batch[0].reject(e);
        return;
      }
      // Nothing of the batch was written (one statement): each request again, on its own.
      await Promise.all(batch.map((b) => this.run([b])));
    }
  }
}
