import { userInfo } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { RopError } from '@ropline/core';
import type { MetricGateOptions, ModelRegistry, PromotionGate, RegisteredModel } from '@ropline/registry';
import { runCommand } from '../run-command.js';
import { cliContext } from '../cli-context.js';

export interface DbOptions {
  databaseUrl?: string;
  dataDir?: string;
}

/** The OS user, for the audit log when --by is not given. */
export function defaultActor(): string {
  try {
    return userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER || 'unknown';
  }
}

export function dbOptions(cmd: Command): Command {
  return cmd
    .option(
      '--database-url <url>',
      'Postgres URL (env DATABASE_URL); default: embedded Postgres under the data dir',
    )
    .option('--data-dir <dir>', "ROPline's state directory (env ROPLINE_DATA_DIR)", undefined);
}

/**
 * Opens the database and registry for one command and closes them after (the embedded Postgres
 * this process started stops with it). db and registry are loaded lazily: the registry imports
 * @ropline/models (tfjs), which other commands should not pay for.
 */
export async function withRegistry<T>(opts: DbOptions, fn: (r: ModelRegistry) => Promise<T>): Promise<T> {
  const [{ openDatabase }, { createModelRegistry }] = await Promise.all([
    import('@ropline/db'),
    import('@ropline/registry'),
  ]);
  const dataDir = opts.dataDir ?? (process.env.ROPLINE_DATA_DIR || 'var');
  const db = await openDatabase({ databaseUrl: opts.databaseUrl, dataDir }, cliContext());
  try {
    return await fn(createModelRegistry({ prisma: db.prisma, storeDir: path.join(dataDir, 'models') }));
  } finally {
    await db.close();
  }
}

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2);

function line(m: RegisteredModel): string {
  const when = m.createdAt.toISOString().slice(0, 19).replace('T', ' ');
  return [
    m.kind.padEnd(10),
    `${m.name}@${m.version}`.padEnd(30),
    m.status.padEnd(9),
    m.sha256.slice(0, 12),
    when,
    m.createdBy,
  ].join('  ');
}

function parseMargin(value: string): number {
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('expected a number between 0 and 1');
  return n;
}

/**
 * The default promotion gate of `rop models promote`: pipelines must pass `metricGate` (held-out
 * macro F1 and quadratic kappa vs the active version, recorded by `rop retrain`); single models
 * (segmenter, classifier) are not gated.
 */
export async function pipelineGate(margins: MetricGateOptions): Promise<PromotionGate> {
  const { metricGate } = await import('@ropline/registry');
  const gate = metricGate(margins);
  return (candidate, active) =>
    candidate.kind === 'pipeline' ? gate(candidate, active) : { ok: true, reasons: [] };
}

function nonEmpty(label: string, v: string): void {
  if (!v.trim()) throw new RopError('CLI.BAD_ARGUMENT', `${label} must not be empty`);
}

export function registerModelRegistryCommands(program: Command): void {
  const models = program
    .command('models')
    .description('Model registry: register artifacts, list, show, promote, roll back (audited)');

  dbOptions(
    models
      .command('register')
      .description('Verify an artifact or pipeline directory and register an immutable copy of it')
      .argument('<dir>', 'model artifact (manifest.json) or pipeline directory (pipeline.json)')
      .option('--by <name>', 'who registers it (default: the OS user)')
      .option('--json', 'print the registered row as JSON'),
  ).action((dir: string, opts: DbOptions & { by?: string; json?: boolean }) =>
    runCommand(() =>
      withRegistry(opts, async (r) => {
        const { model, created } = await r.register(dir, { actor: opts.by ?? defaultActor() });
        if (opts.json) process.stdout.write(`${toJson({ created, model })}\n`);
        else {
          process.stdout.write(
            `${created ? 'registered' : 'already registered'} ${model.kind} ${model.name}@${model.version} sha256 ${model.sha256} (${model.status})\n`,
          );
        }
      }),
    ),
  );

  dbOptions(
    models
      .command('list')
      .description('List registered models')
      .addOption(
        new Option('--kind <kind>', 'only this kind').choices(['segmenter', 'classifier', 'pipeline']),
      )
      .addOption(
        new Option('--status <status>', 'only this status').choices(['candidate', 'active', 'retired']),
      )
      .option('--name <name>', 'only this name')
      .option('--json', 'print JSON'),
  ).action(
    (
      opts: DbOptions & {
        kind?: 'segmenter' | 'classifier' | 'pipeline';
        status?: 'candidate' | 'active' | 'retired';
        name?: string;
        json?: boolean;
      },
    ) =>
      runCommand(() =>
        withRegistry(opts, async (r) => {
          const rows = await r.list({ kind: opts.kind, status: opts.status, name: opts.name });
          if (opts.json) process.stdout.write(`${toJson(rows)}\n`);
          else process.stdout.write(rows.map((m) => `${line(m)}\n`).join('') || '(no models registered)\n');
        }),
      ),
  );

  dbOptions(
    models
      .command('show')
      .description('Show one registered model with its components and audit events')
      .argument('<name>')
      .argument('<version>')
      .option('--json', 'print JSON'),
  ).action((name: string, version: string, opts: DbOptions & { json?: boolean }) =>
    runCommand(() =>
      withRegistry(opts, async (r) => {
        const d = await r.show(name, version);
        if (opts.json) {
          process.stdout.write(`${toJson(d)}\n`);
          return;
        }
        const m = d.model;
        const out = [
          `${m.kind} ${m.name}@${m.version} (${m.status})`,
          `  sha256       ${m.sha256}`,
          `  location     ${m.location}`,
          `  source       ${m.sourcePath}`,
          `  detail       ${m.detail ?? '-'}`,
          `  dataset hash ${m.datasetHash ?? '-'}`,
          `  created      ${m.createdAt.toISOString()} by ${m.createdBy}`,
          `  metrics      ${JSON.stringify(m.metrics)}`,
          ...(d.segmenter ? [`  segmenter    ${d.segmenter.name}@${d.segmenter.version}`] : []),
          ...(d.classifier ? [`  classifier   ${d.classifier.name}@${d.classifier.version}`] : []),
          '  events',
          ...d.events.map(
            (e) =>
              `    ${e.at.toISOString()} ${e.action} ${e.fromVersion ?? '-'} -> ${e.toVersion ?? '-'} by ${e.actor}${e.forced ? ' (forced)' : ''}${e.reason ? `: ${e.reason}` : ''}`,
          ),
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      }),
    ),
  );

  dbOptions(
    models
      .command('promote')
      .description(
        'Make a version the active one of its name (the previous active one is retired); pipelines must pass the metric gate',
      )
      .argument('<name>')
      .argument('<version>')
      .option('--reason <text>', 'why (written to the audit log)')
      .option('--force', 'override a failing promotion gate (needs --reason; recorded as forced)')
      .option(
        '--margin-f1 <x>',
        "pipelines: the candidate's held-out macro F1 may be at most this much below the active version's",
        parseMargin,
        0.02,
      )
      .option(
        '--margin-kappa <x>',
        "pipelines: the candidate's held-out quadratic kappa may be at most this much below the active version's",
        parseMargin,
        0.02,
      )
      .option('--by <name>', 'who promotes (default: the OS user)'),
  ).action(
    (
      name: string,
      version: string,
      opts: DbOptions & {
        reason?: string;
        force?: boolean;
        by?: string;
        marginF1: number;
        marginKappa: number;
      },
    ) =>
      runCommand(() => {
        nonEmpty('NAME', name);
        return withRegistry(opts, async (r) => {
          const gate = await pipelineGate({ marginMacroF1: opts.marginF1, marginKappa: opts.marginKappa });
          let reasons: string[] = [];
          const m = await r.promote(name, version, {
            actor: opts.by ?? defaultActor(),
            reason: opts.reason,
            force: opts.force,
            gate: async (candidate, active) => {
              const v = await gate(candidate, active);
              reasons = v.reasons;
              return v;
            },
          });
          for (const reason of reasons) process.stderr.write(`gate: ${reason}\n`);
          process.stdout.write(`active ${m.kind} ${m.name}@${m.version}\n`);
        });
      }),
  );

  dbOptions(
    models
      .command('rollback')
      .description('Re-activate the version that was active before the current one')
      .argument('<name>')
      .option('--reason <text>', 'why (written to the audit log)')
      .option('--by <name>', 'who rolls back (default: the OS user)'),
  ).action((name: string, opts: DbOptions & { reason?: string; by?: string }) =>
    runCommand(() =>
      withRegistry(opts, async (r) => {
        const m = await r.rollback(name, { actor: opts.by ?? defaultActor(), reason: opts.reason });
        process.stdout.write(`active ${m.kind} ${m.name}@${m.version} (rolled back)\n`);
      }),
    ),
  );
}
