import type { Command } from 'commander';
import { RopError } from '@ropline/core';
import type { OutboxItem, OutboxStatus } from '@ropline/outbox';
import { cliContext } from '../cli-context.js';
import { runCommand } from '../run-command.js';
import { dbOptions, type DbOptions } from './models-registry.command.js';

const STATUSES: OutboxStatus[] = ['pending', 'sending', 'sent', 'dead'];

async function withOutbox<T>(
  opts: DbOptions,
  fn: (store: import('@ropline/outbox').OutboxStore) => Promise<T>,
) {
  const [{ openDatabase }, { OutboxStore }] = await Promise.all([
    import('@ropline/db'),
    import('@ropline/outbox'),
  ]);
  const dataDir = opts.dataDir ?? (process.env.ROPLINE_DATA_DIR || 'var');
  const db = await openDatabase({ databaseUrl: opts.databaseUrl, dataDir }, cliContext());
  try {
    return await fn(new OutboxStore(db));
  } finally {
    await db.close();
  }
}

const row = (i: OutboxItem) =>
  [
    String(i.id).padStart(6),
    i.status.padEnd(7),
    i.destination.padEnd(16),
    i.kind.padEnd(7),
    `${i.attempts}`.padStart(2),
    (i.lastStatus ?? '-').padEnd(16),
    i.sopInstanceUid,
  ].join('  ');

interface ListOptions extends DbOptions {
  status?: string;
  destination?: string;
  study?: string;
  limit: string;
  json?: boolean;
}

interface RetryOptions extends DbOptions {
  id?: string[];
  destination?: string;
  study?: string;
}

/** `rop outbox list|retry`: what is waiting, sent or dead-lettered per destination, and an admin's retry. */
export function registerOutboxCommand(program: Command): void {
  const outbox = program
    .command('outbox')
    .description(
      'Result objects and forwarded instances on their way to PACS destinations: list, retry dead ones',
    );
  dbOptions(
    outbox
      .command('list')
      .description(
        'List outbox items (newest last); dead items are the ones a PACS refused for good or after every retry',
      )
      .option('--status <status>', `one of ${STATUSES.join(', ')}`)
      .option('--destination <name>', 'only this destination')
      .option('--study <uid>', 'only this Study Instance UID')
      .option('--limit <n>', 'at most this many rows', '200')
      .option('--json', 'JSON lines instead of a table'),
  ).action((o: ListOptions) =>
    runCommand(async () => {
      if (o.status && !STATUSES.includes(o.status as OutboxStatus))
        throw new RopError('CLI.BAD_ARGUMENT', `--status must be one of ${STATUSES.join(', ')}`);
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new RopError('CLI.BAD_ARGUMENT', '--limit must be a positive integer');
      await withOutbox(o, async (store) => {
        const items = await store.list({
          status: o.status as OutboxStatus | undefined,
          destination: o.destination,
          studyInstanceUid: o.study,
          limit,
        });
        if (o.json) {
          for (const i of items)
            process.stdout.write(
              `${JSON.stringify(i, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}\n`,
            );
          return;
        }
        process.stdout.write(
          `${'id'.padStart(6)}  status   destination       kind     #   last status       SOP Instance UID\n`,
        );
        for (const i of items) process.stdout.write(`${row(i)}\n`);
        process.stdout.write(`${items.length} item(s)\n`);
      });
    }),
  );
  dbOptions(
    outbox
      .command('retry')
      .description(
        'Put dead items (all, or --id / --destination / --study) back in the queue, due now, attempts reset',
      )
      .option('--id <id...>', 'outbox item ids (also pending ones: retried now)')
      .option('--destination <name>', 'only this destination')
      .option('--study <uid>', 'only this Study Instance UID'),
  ).action((o: RetryOptions) =>
    runCommand(async () => {
      const ids = o.id?.map((s) => {
        if (!/^\d{1,18}$/.test(s))
          throw new RopError('CLI.BAD_ARGUMENT', `--id ${s}: expected an item id from rop outbox list`);
        return BigInt(s);
      });
      const n = await withOutbox(o, (store) =>
        store.retry({ ids, destination: o.destination, studyInstanceUid: o.study }),
      );
      process.stdout.write(
        `rop outbox: ${n} item(s) queued again (a running viewer delivers them within its poll interval)\n`,
      );
    }),
  );
}
