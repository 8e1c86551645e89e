import type { PluginContext } from '@ropline/core';
import type { DeliveryConfig } from './destination.schema.js';
import type { Sender } from './destination.sender.js';
import type { OutboxItem, OutboxStatus, OutboxStore } from './outbox.store.js';

export interface OutboxRunner {
  /** Look for due items now (call after enqueueing). */
  wake(): void;
  /** Delivers until nothing is due now (items waiting for their backoff are left). Tests, CLI. */
  drain(): Promise<void>;
  /** Stops after the batch in flight; its items are settled, never left half-recorded. */
  close(): Promise<void>;
}

export interface OutboxRunnerOptions {
  store: OutboxStore;
  senders: Map<string, Sender>;
  policy: DeliveryConfig;
  ctx: PluginContext;
  /** Items claimed per cycle (across destinations). */
  claimLimit?: number;
  /** Called after each item is settled (metrics, tests). */
  onSettled?(item: OutboxItem, status: OutboxStatus): void;
}

/**
 * Delivers outbox items: claim due rows (SKIP LOCKED: several runners may share one database), group
 * them by destination, send in the destination's batch size, and settle each item from its own
 * answer (per-instance STOW status or DIMSE status): sent, retried with exponential backoff, or dead.
 */
export function startOutboxRunner(o: OutboxRunnerOptions): OutboxRunner {
  const claimLimit = o.claimLimit ?? 64;
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let cycle: Promise<number> | null = null;

  async function deliverGroup(dest: string, items: OutboxItem[]): Promise<void> {
    const sender = o.senders.get(dest);
    if (!sender) {
      for (const item of items) {
        const outcome = {
          ok: false as const,
          status: 'UNKNOWN_DESTINATION',
          error: `no destination named '${dest}' is configured`,
          permanent: true,
        };
        o.onSettled?.(item, await o.store.settle(item, outcome, o.policy));
      }
      return;
    }
    const size = sender.destination.batchSize;
    for (let i = 0; i < items.length; i += size) {
      const batch = items.slice(i, i + size);
      const outcomes = await sender.deliver(batch);
      for (let k = 0; k < batch.length; k++) {
        const status = await o.store.settle(batch[k], outcomes[k], o.policy);
        if (status !== 'sent') {
          o.ctx.log(status === 'dead' ? 'error' : 'warn', 'outbox delivery failed', {
            destination: dest,
            item: String(batch[k].id),
            attempt: batch[k].attempts,
            status: outcomes[k].status,
            next: status,
          });
        }
        o.onSettled?.(batch[k], status);
      }
    }
  }

  async function runCycle(): Promise<number> {
    const items = await o.store.claim(claimLimit, o.policy.leaseMs);
    const groups = new Map<string, OutboxItem[]>();
    for (const item of items) groups.set(item.destination, [...(groups.get(item.destination) ?? []), item]);
    await Promise.all([...groups].map(([dest, list]) => deliverGroup(dest, list)));
    return items.length;
  }

  const once = () => (cycle ??= runCycle().finally(() => (cycle = null)));

  const loop = (async () => {
    while (!stopped) {
      let claimed = 0;
      try {
        claimed = await once();
      } catch (e) {
        o.ctx.log('error', 'outbox cycle failed', { error: (e as Error).message });
      }
      if (claimed > 0 || stopped) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, o.policy.pollIntervalMs);
        wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wakeUp = null;
    }
  })();

  return {
    wake: () => wakeUp?.(),
    async drain() {
      while ((await once()) > 0 || cycle) {
        /* until nothing is due */
      }
    },
    async close() {
      stopped = true;
      wakeUp?.();
      await loop;
    },
  };
}
