import type { Socket } from 'node:net';
import dcmjsDimse from 'dcmjs-dimse';
import { isRopError, RopError, type PluginContext } from '@ropline/core';
import type { BlobStore } from '../blob/blob-store.port.js';
import type { IngestService } from '../ingest/ingest.service.js';
import { validateInstance } from '../ingest/instance.validator.js';
import { checkAssociation, negotiateContext } from './association.policy.js';
import type { DimseConfig } from './dimse.config.js';
import { installDimseFastPaths } from './dimse-fast-paths.js';
import { storeStatusOf, StoreStatus } from './dimse.status.js';
import { part10Header } from './part10-meta.js';
import { StoreSink } from './store-sink.js';

const { Scp, Dataset, constants, responses } = dcmjsDimse;
type Association = dcmjsDimse.association.Association;
type PresentationContext = dcmjsDimse.association.PresentationContext;
type CStoreRequest = dcmjsDimse.requests.CStoreRequest;
type CEchoRequest = dcmjsDimse.requests.CEchoRequest;
type ScpOptions = ConstructorParameters<typeof Scp>[1];

export interface StoreScpDeps {
  config: DimseConfig;
  limits: { maxInstanceBytes: number; minFreeDiskBytes: number };
  blobs: BlobStore;
  ingest: IngestService;
  ctx: PluginContext;
  /** Accepted associations now open (shared by all connections of one server). */
  associations: { active: number };
  /** Registers work the server must wait for before the database closes. */
  track(work: Promise<unknown>): void;
}

const Result = constants.PresentationContextResult;

/**
 * A C-ECHO / C-STORE SCP class bound to `deps` (dcmjs-dimse creates one instance per connection).
 * Each C-STORE data set is streamed into a staged blob behind a Part-10 header, validated like a
 * STOW-RS part and stored through IngestService; the response is sent only once it is durable.
 */
export function createStoreScpClass(deps: StoreScpDeps): typeof Scp {
  installDimseFastPaths();
  const { ctx } = deps;
  return class StoreScp extends Scp {
    private counted = false;
    private callingAe = '';
    private readonly sinks = new WeakMap<object, StoreSink>();
    private readonly open = new Set<StoreSink>();

    constructor(socket: Socket, opts?: ScpOptions) {
      super(socket, opts);
      socket.setNoDelay(true);
      this.on('close', () => this.release());
    }

    override associationRequested(association: Association): void {
      const called = association.getCalledAeTitle();
      this.callingAe = association.getCallingAeTitle().trim();
      const reject = checkAssociation(deps.config, called, this.callingAe, deps.associations.active);
      if (reject) {
        ctx.log('warn', 'DIMSE association rejected', {
          calledAe: called.trim(),
          callingAe: this.callingAe,
          why: reject.why,
        });
        this.sendAssociationReject(reject.result, reject.source, reject.reason);
        return;
      }
      let accepted = 0;
      for (const { context } of association.getPresentationContexts()) {
        const d = negotiateContext(context.getAbstractSyntaxUid(), context.getTransferSyntaxUids());
        if (d.accept) {
          context.setResult(Result.Accept, d.transferSyntaxUid);
          accepted += 1;
        } else {
          const why = d.reason === 'abstract-syntax' ? 'AbstractSyntax' : 'TransferSyntaxes';
          context.setResult(Result[`Reject${why}NotSupported`]);
        }
      }
      this.counted = true;
      deps.associations.active += 1;
      ctx.log('info', 'DIMSE association accepted', { callingAe: this.callingAe, contexts: accepted });
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
      this.release();
    }

    override cEchoRequest(request: CEchoRequest, callback: (r: dcmjsDimse.responses.CEchoResponse) => void) {
      const response = responses.CEchoResponse.fromRequest(request);
      response.setStatus(StoreStatus.Success);
      ctx.log('info', 'DIMSE C-ECHO', { callingAe: this.callingAe });
      callback(response);
    }

    override createStoreWritableStream(context: PresentationContext, request: CStoreRequest) {
      const header = part10Header(
        request.getAffectedSopClassUid(),
        request.getAffectedSopInstanceUid(),
        context.getAcceptedTransferSyntaxUid() ?? '',
      );
      const sink = new StoreSink(deps.blobs, header, deps.limits.maxInstanceBytes);
      sink.on('error', () => undefined); // reported through done()
      this.sinks.set(request, sink);
      this.open.add(sink);
      return sink;
    }

    override createDatasetFromStoreWritableStream(
      _writable: unknown,
      context: PresentationContext,
      callback: (dataset: dcmjsDimse.Dataset) => void,
    ): void {
      // The bytes stay in the staged blob: hand dcmjs-dimse an empty data set (no parse, no copy)
      // in the accepted syntax, which it uses to find the presentation context of the response.
      callback(new Dataset({}, context.getAcceptedTransferSyntaxUid()));
    }

    override cStoreRequest(
      request: CStoreRequest,
      callback: (r: dcmjsDimse.responses.CStoreResponse) => void,
    ) {
      const work = this.store(request).then(({ status, comment }) => {
        const response = responses.CStoreResponse.fromRequest(request);
        response.setStatus(status);
        if (comment) response.setErrorComment(comment.slice(0, 64));
        callback(response);
      });
      deps.track(work);
    }

    override abort(source: number, reason: number): void {
      ctx.log('warn', 'DIMSE association aborted by peer', { callingAe: this.callingAe, source, reason });
      this.release();
    }

    private async store(request: CStoreRequest): Promise<{ status: number; comment?: string }> {
      const sopInstanceUid = request.getAffectedSopInstanceUid();
      const sink = this.sinks.get(request);
      if (!sink) return { status: StoreStatus.ProcessingFailure, comment: 'No data set received' };
      this.open.delete(sink); // complete: from here on this call owns (commits or discards) it
      let bytes = 0;
      try {
        await sink.done();
        bytes = sink.size;
        const staged = sink.result();
        if ('failure' in staged) throw staged.failure;
        const facts = validateInstance(await staged.staged.finish().then(() => staged.staged.read()));
        if (facts.sopClassUid !== request.getAffectedSopClassUid()) {
          throw new RopError('DIMSE.SOP_CLASS_MISMATCH', 'Data set SOP class differs from the command', {
            sopInstanceUid,
          });
        }
        if (facts.sopInstanceUid !== sopInstanceUid) {
          throw new RopError('DIMSE.SOP_INSTANCE_MISMATCH', 'Data set SOP instance differs from the command');
        }
        if ((await deps.blobs.freeBytes()) - bytes < deps.limits.minFreeDiskBytes) {
          throw new RopError('INGEST.DISK_FULL', 'Free disk space is below the configured watermark');
        }
        const outcome = await deps.ingest.store(staged.staged, facts, {
          source: 'dimse',
          remote: this.callingAe,
        });
        ctx.log('info', 'DIMSE C-STORE', { sopInstanceUid, bytes, outcome, status: StoreStatus.Success });
        return { status: StoreStatus.Success };
      } catch (e) {
        await sink.discard();
        const status = storeStatusOf(e);
        const code = isRopError(e) ? e.code : 'UNEXPECTED';
        ctx.log('warn', 'DIMSE C-STORE failed', { sopInstanceUid, bytes, status, code });
        return { status, comment: code };
      }
    }

    /** Association over (release, abort, close): free its slot once, drop data sets still arriving. */
    private release(): void {
      if (this.counted) {
        this.counted = false;
        deps.associations.active -= 1;
      }
      for (const sink of this.open) {
        this.open.delete(sink);
        sink.destroy();
        deps.track(sink.discard());
      }
    }
  };
}
