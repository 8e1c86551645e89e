import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';
import { Prisma, type ModelEvent, type PrismaClient, type RegisteredModel } from '@ropline/db';
import { inspectArtifact, type ArtifactKind, type InspectedArtifact } from './artifact-inspect.js';
import { copyIntoStore } from './artifact-store.js';

export type ModelStatusName = 'candidate' | 'active' | 'retired';
export type { ModelEvent, RegisteredModel };

export interface GateResult {
  ok: boolean;
  reasons: string[];
}
/** Promotion gate (issue 8 adds metric gates): must pass unless `force` with a reason. */
export type PromotionGate = (
  candidate: RegisteredModel,
  active: RegisteredModel | null,
) => GateResult | Promise<GateResult>;

export interface ChangeOptions {
  actor: string;
  reason?: string;
}
export interface PromoteOptions extends ChangeOptions {
  force?: boolean;
  gate?: PromotionGate;
}
export interface ListFilter {
  kind?: ArtifactKind;
  name?: string;
  status?: ModelStatusName;
}
export interface RegisterOptions {
  actor: string;
  /**
   * Extra metrics stored in the row beside the inspected ones (e.g. `rop retrain`'s held-out
   * comparison `{ candidate, active, heldOut }`, which the metric gate reads).
   */
  metrics?: Record<string, unknown>;
  /**
   * Plain file names inside the artifact directory (reports, charts) copied into the registry's
   * immutable copy beside the artifact; their sha256s are recorded in `metrics.attachments`.
   */
  attachments?: string[];
}
export interface RegisterResult {
  model: RegisteredModel;
  /** False when the same artifact (same sha256) was registered before: the existing row. */
  created: boolean;
}
export interface ModelDetails {
  model: RegisteredModel;
  segmenter: RegisteredModel | null;
  classifier: RegisteredModel | null;
  events: ModelEvent[];
}

export interface ModelRegistry {
  register(dir: string, opts: RegisterOptions): Promise<RegisterResult>;
  promote(name: string, version: string, opts: PromoteOptions): Promise<RegisteredModel>;
  rollback(name: string, opts: ChangeOptions): Promise<RegisteredModel>;
  getActive(kind: ArtifactKind, name: string): Promise<RegisteredModel | null>;
  list(filter?: ListFilter): Promise<RegisteredModel[]>;
  show(name: string, version: string): Promise<ModelDetails>;
  /** Audit events of a model name, oldest first. */
  history(name: string): Promise<ModelEvent[]>;
}

export interface RegistryConfig {
  prisma: PrismaClient;
  /** Where registered artifacts are copied (`<storeDir>/<sha256>`); default `var/models`. */
  storeDir?: string;
}

type Tx = Prisma.TransactionClient;

const uniqueViolation = (e: unknown) =>
  e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';

function requireActor(actor: string): void {
  if (!actor?.trim())
    throw new RopError('REGISTRY.ACTOR_REQUIRED', 'every registry change needs an actor (who)');
}

/** Serializes changes of one (kind, name) across processes for the rest of the transaction. */
async function lockName(tx: Tx, kind: string, name: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`registry:${kind}:${name}`}, 0))`;
}

export function createModelRegistry(config: RegistryConfig): ModelRegistry {
  const { prisma } = config;
  const storeDir = path.resolve(config.storeDir ?? path.join('var', 'models'));

  async function findVersion(name: string, version: string): Promise<RegisteredModel> {
    const m = await prisma.registeredModel.findUnique({ where: { name_version: { name, version } } });
    if (!m)
      throw new RopError('REGISTRY.NOT_FOUND', `No registered model ${name}@${version}`, { name, version });
    return m;
  }

  async function registerInspected(
    a: InspectedArtifact,
    actor: string,
    extra: { metrics?: Record<string, unknown>; attachments?: Record<string, string> } = {},
  ): Promise<RegisterResult> {
    const existing = await prisma.registeredModel.findUnique({ where: { sha256: a.sha256 } });
    if (existing) return { model: existing, created: false };
    const clash = await prisma.registeredModel.findFirst({
      where: {
        OR: [
          { name: a.name, version: a.version },
          { name: a.name, NOT: { kind: a.kind } },
        ],
      },
    });
    if (clash) throw conflict(a, clash);
    const seg = a.components.segmenter ? await registerInspected(a.components.segmenter, actor) : null;
    const cls = a.components.classifier ? await registerInspected(a.components.classifier, actor) : null;
    const attached = Object.keys(extra.attachments ?? {});
    const location = await copyIntoStore(storeDir, a.dir, { ...a, files: [...a.files, ...attached] });
    const metrics = {
      ...a.metrics,
      ...extra.metrics,
      ...(attached.length ? { attachments: extra.attachments } : {}),
    };
    try {
      const model = await prisma.$transaction(async (tx) => {
        const m = await tx.registeredModel.create({
          data: {
            kind: a.kind,
            name: a.name,
            version: a.version,
            sha256: a.sha256,
            location,
            sourcePath: a.dir,
            datasetHash: a.datasetHash,
            metrics: metrics as Prisma.InputJsonValue,
            detail: a.detail,
            createdBy: actor,
            segmenterId: seg?.model.id ?? null,
            classifierId: cls?.model.id ?? null,
          },
        });
        await tx.modelEvent.create({
          data: {
            modelId: m.id,
            kind: a.kind,
            name: a.name,
            action: 'register',
            toVersion: a.version,
            actor,
          },
        });
        return m;
      });
      return { model, created: true };
    } catch (e) {
      if (!uniqueViolation(e)) throw e;
      // A concurrent registration won: the same artifact is success, anything else a conflict.
      const again = await prisma.registeredModel.findUnique({ where: { sha256: a.sha256 } });
      if (again) return { model: again, created: false };
      const other = await prisma.registeredModel.findFirst({ where: { name: a.name, version: a.version } });
      throw other ? conflict(a, other) : e;
    }
  }

  return {
    async register(dir, { actor, metrics, attachments }) {
      requireActor(actor);
      const a = await inspectArtifact(dir);
      return registerInspected(a, actor, {
        metrics,
        attachments: attachments?.length ? await hashAttachments(a, attachments) : undefined,
      });
    },

    async promote(name, version, opts) {
      requireActor(opts.actor);
      if (opts.force && !opts.reason?.trim()) {
        throw new RopError(
          'REGISTRY.REASON_REQUIRED',
          '--force needs a --reason (it is written to the audit log)',
        );
      }
      const target = await findVersion(name, version);
      try {
        return await prisma.$transaction(async (tx) => {
          await lockName(tx, target.kind, name);
          const candidate = await tx.registeredModel.findUniqueOrThrow({ where: { id: target.id } });
          const active = await tx.registeredModel.findFirst({
            where: { kind: target.kind, name, status: 'active' },
          });
          if (active?.id === candidate.id) return candidate;
          let gateReasons: string[] = [];
          let gatePassed: boolean | undefined;
          if (opts.gate) {
            const verdict = await opts.gate(candidate, active);
            gateReasons = verdict.reasons;
            gatePassed = verdict.ok;
            if (!verdict.ok && !opts.force) {
              throw new RopError(
                'REGISTRY.GATE_FAILED',
                `${name}@${version} did not pass the promotion gate: ${verdict.reasons.join('; ') || 'no reason given'} (use --force with --reason to override)`,
                { name, version },
              );
            }
          }
          return activate(tx, candidate, active, 'promote', opts, {
            gateReasons,
            gatePassed,
            forced: Boolean(opts.force),
          });
        });
      } catch (e) {
        if (uniqueViolation(e)) throw concurrentChange(name);
        throw e;
      }
    },

    async rollback(name, opts) {
      requireActor(opts.actor);
      const any = await prisma.registeredModel.findFirst({ where: { name } });
      if (!any) throw new RopError('REGISTRY.NOT_FOUND', `No registered model named ${name}`, { name });
      try {
        return await prisma.$transaction(async (tx) => {
          await lockName(tx, any.kind, name);
          const active = await tx.registeredModel.findFirst({
            where: { kind: any.kind, name, status: 'active' },
          });
          const events = await tx.modelEvent.findMany({
            where: { kind: any.kind, name, action: { in: ['promote', 'rollback'] } },
            orderBy: { id: 'asc' },
          });
          const previous = previousActive(events);
          if (!active || !previous || previous === active.version) {
            throw new RopError(
              'REGISTRY.NOTHING_TO_ROLL_BACK',
              `${name} has no earlier active version to roll back to${active ? ` (active: ${active.version})` : ' (none is active)'}`,
              { name },
            );
          }
          const target = await tx.registeredModel.findUniqueOrThrow({
            where: { name_version: { name, version: previous } },
          });
          return activate(tx, target, active, 'rollback', opts, {});
        });
      } catch (e) {
        if (uniqueViolation(e)) throw concurrentChange(name);
        throw e;
      }
    },

    getActive: (kind, name) => prisma.registeredModel.findFirst({ where: { kind, name, status: 'active' } }),

    list: (filter = {}) =>
      prisma.registeredModel.findMany({
        where: { kind: filter.kind, name: filter.name, status: filter.status },
        orderBy: [{ kind: 'asc' }, { name: 'asc' }, { createdAt: 'asc' }],
      }),

    async show(name, version) {
      const model = await findVersion(name, version);
      const byId = (id: string | null) => (id ? prisma.registeredModel.findUnique({ where: { id } }) : null);
      return {
        model,
        segmenter: await byId(model.segmenterId),
        classifier: await byId(model.classifierId),
        events: await prisma.modelEvent.findMany({ where: { modelId: model.id }, orderBy: { id: 'asc' } }),
      };
    },

    history: (name) => prisma.modelEvent.findMany({ where: { name }, orderBy: { id: 'asc' } }),
  };
}

/** Retires `active` (if any), activates `target`, writes the audit event; inside the lock. */
async function activate(
  tx: Tx,
  target: RegisteredModel,
  active: RegisteredModel | null,
  action: 'promote' | 'rollback',
  opts: ChangeOptions,
  extra: { gateReasons?: string[]; gatePassed?: boolean; forced?: boolean },
): Promise<RegisteredModel> {
  if (active) await tx.registeredModel.update({ where: { id: active.id }, data: { status: 'retired' } });
  const updated = await tx.registeredModel.update({ where: { id: target.id }, data: { status: 'active' } });
  await tx.modelEvent.create({
    data: {
      modelId: target.id,
      kind: target.kind,
      name: target.name,
      action,
      fromVersion: active?.version ?? null,
      toVersion: target.version,
      actor: opts.actor,
      reason: opts.reason ?? null,
      forced: Boolean(extra.forced),
      details: {
        ...(extra.gatePassed !== undefined ? { gatePassed: extra.gatePassed } : {}),
        ...(extra.gateReasons?.length ? { gateReasons: extra.gateReasons } : {}),
      },
    },
  });
  return updated;
}

/**
 * Replays promote/rollback events as a stack of activations: a promote pushes its version, a
 * rollback pops the current one. The version below the top is what a rollback re-activates, so
 * repeated rollbacks walk further back instead of toggling between two versions.
 */
export function previousActive(events: Pick<ModelEvent, 'action' | 'toVersion'>[]): string | null {
  const stack: string[] = [];
  for (const e of events) {
    if (e.action === 'promote' && e.toVersion) stack.push(e.toVersion);
    else if (e.action === 'rollback') stack.pop();
  }
  return stack.length >= 2 ? stack[stack.length - 2] : null;
}

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Validates attachment names (plain files beside the artifact, not part of it) and hashes them. */
async function hashAttachments(a: InspectedArtifact, names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of names) {
    if (!PLAIN_NAME.test(n) || a.files.includes(n))
      throw new RopError(
        'REGISTRY.BAD_ATTACHMENT',
        `attachment ${n} must be a plain file name in ${a.dir} that is not part of the artifact`,
      );
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(a.dir, n));
    } catch (e) {
      throw new RopError('REGISTRY.BAD_ATTACHMENT', `cannot read attachment ${n}: ${(e as Error).message}`);
    }
    out[n] = createHash('sha256').update(bytes).digest('hex');
  }
  return out;
}

function conflict(a: InspectedArtifact, existing: RegisteredModel): RopError {
  if (existing.kind !== a.kind) {
    return new RopError(
      'REGISTRY.CONFLICT',
      `The name ${a.name} is already used by a ${existing.kind}; a ${a.kind} needs another name`,
      { name: a.name },
    );
  }
  return new RopError(
    'REGISTRY.CONFLICT',
    `${a.name}@${a.version} is already registered with sha256 ${existing.sha256.slice(0, 12)}…, this artifact has ${a.sha256.slice(0, 12)}…: bump the version`,
    { name: a.name, version: a.version },
  );
}

function concurrentChange(name: string): RopError {
  return new RopError('REGISTRY.CONFLICT', `${name} was changed concurrently; try again`, { name });
}
