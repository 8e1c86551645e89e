import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RopError } from '@ropline/core';
import {
  DATASET_EMPTY,
  badOption,
  computeCounts,
  readDataset,
  withStaging,
  type DatasetManifest,
  type SkippedItem,
  type Stage,
} from '@ropline/datasets';
import { decodeFrame, deidentifyToPart10, readDicom, type DicomDataset } from '@ropline/dicom';
import { encodePng } from '@ropline/preprocess';
import { confirmedImages, labelRef, type ConfirmedImage } from './confirmed-images.js';
import { infantKey, itemId, pseudonym } from './pseudonym.js';
import { chooseMask, defaultLineWidth } from './snapshot-masks.js';
import type { ProvenanceRecord, SnapshotOptions, SnapshotResult } from './snapshot.types.js';

/** Clinicians' stage labels ('stage0'..'stage3', as the viewer stores them) -> dataset stages. */
export function stageOfLabel(label: string | null | undefined): Stage | null | undefined {
  if (label === null || label === undefined) return null;
  const m = /^stage([0-3])$/.exec(label.trim());
  return m ? (Number(m[1]) as Stage) : undefined;
}

/** A one-way fingerprint of the salt: tells which key made a snapshot without revealing it. */
export function saltFingerprint(salt: string): string {
  return createHash('sha256').update(`ropline-pseudonym-key\u0000${salt}`).digest('hex').slice(0, 16);
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Loads an instance's blob once per instance (multi-frame images share it). */
function instanceCache(readBlob: SnapshotOptions['readBlob']) {
  let last: { sha: string; ds: DicomDataset } | null = null;
  return async (sha: string): Promise<DicomDataset> => {
    if (last?.sha !== sha) last = { sha, ds: readDicom(await readBlob(sha)) };
    return last.ds;
  };
}

/**
 * `rop dataset snapshot`: every image with a clinician-confirmed stage and/or line -> a
 * ropline-dataset/1 folder (images/*.png, masks/*.png, items.csv, dataset.json) plus
 * provenance.jsonl and de-identified DICOM copies under dicom/. No patient identity reaches the
 * snapshot: ids and the infant key are salted HMACs, the DICOM copies pass deidentify(). Written
 * atomically (staged, then renamed): a failure leaves no partial snapshot.
 */
export async function createSnapshot(opts: SnapshotOptions): Promise<SnapshotResult> {
  if (!opts.salt) badOption('a pseudonym salt is required');
  if (opts.lineWidth !== undefined && !(opts.lineWidth > 0)) badOption('lineWidth must be positive');
  const images = await confirmedImages(opts.db, opts.since);
  images.sort((a, b) =>
    a.blobSha256 < b.blobSha256 ? -1 : a.blobSha256 > b.blobSha256 ? 1 : a.frame - b.frame,
  );
  const included = opts.include ? await readDataset(opts.include) : null;
  const now = opts.now ?? new Date();
  return withStaging(opts.out, !!opts.force, async (staging) => {
    await mkdir(path.join(staging.staging, 'dicom'));
    const provenance: ProvenanceRecord[] = [];
    const skipped: SkippedItem[] = [];
    const result = { excludedUngradable: 0, clinicianLines: 0, modelLines: 0, noMask: 0 };
    const dicomWritten = new Set<string>();
    const load = instanceCache(opts.readBlob);
    let done = 0;
    for (const image of images) {
      opts.onProgress?.(done++, images.length, `image ${done}`);
      if (image.ungradable) {
        result.excludedUngradable++;
        continue;
      }
      const rec = await addImage(opts, staging, image, load, dicomWritten, skipped);
      if (!rec) continue;
      provenance.push(rec);
      if (rec.maskSource === 'clinician') result.clinicianLines++;
      else if (rec.maskSource === 'model') result.modelLines++;
      else if (rec.stage !== 0) result.noMask++;
    }
    opts.onProgress?.(images.length, images.length, 'done');
    if (included) {
      const from = { name: included.manifest.name, hash: included.manifest.hash };
      for (const item of included.items) {
        const it = await staging.addExisting(included.dir, item);
        provenance.push({
          id: it.id,
          source: 'included',
          stage: it.stage,
          maskSource: it.mask ? 'dataset' : 'none',
          includedFrom: from,
        });
      }
    }
    if (!staging.items.length)
      throw new RopError(DATASET_EMPTY, 'nothing to snapshot: no confirmed, gradable image matched');
    provenance.sort(byId);
    await writeFile(
      path.join(staging.staging, 'provenance.jsonl'),
      provenance.map((p) => JSON.stringify(p)).join('\n') + '\n',
    );
    const manifest: DatasetManifest = await staging.commit({
      name: opts.name ?? path.basename(path.resolve(opts.out)),
      // 'snapshot' is not (yet) one of the datasets lib's SourceKind values; readDataset accepts it.
      source: {
        kind: 'snapshot' as DatasetManifest['source']['kind'],
        params: {
          since: opts.since?.toISOString() ?? null,
          include: included ? `${included.manifest.name} (${included.manifest.hash.slice(0, 16)})` : null,
          pseudonymKey: saltFingerprint(opts.salt),
        },
      },
      skipped,
      warnings: [],
      history: [
        {
          op: 'snapshot',
          at: now.toISOString(),
          params: { images: provenance.length, excludedUngradable: result.excludedUngradable },
        },
      ],
    });
    return {
      out: path.resolve(opts.out),
      hash: manifest.hash,
      images: manifest.counts.total,
      byStage: computeCounts(staging.items).byStage,
      included: included?.items.length ?? 0,
      skipped,
      ...result,
    };
  });
}

type Staging = Parameters<Parameters<typeof withStaging>[2]>[0];

async function addImage(
  opts: SnapshotOptions,
  staging: Staging,
  image: ConfirmedImage,
  load: (sha: string) => Promise<DicomDataset>,
  dicomWritten: Set<string>,
  skipped: SkippedItem[],
): Promise<ProvenanceRecord | null> {
  const id = itemId(opts.salt, image.sopInstanceUid, image.frame);
  const stage = stageOfLabel(image.stage?.stage);
  if (stage === undefined) {
    skipped.push({ file: id, reason: `unknown stage label '${image.stage?.stage}'` });
    return null;
  }
  let ds: DicomDataset;
  let pixels;
  try {
    ds = await load(image.blobSha256);
    pixels = await decodeFrame(ds, image.frame);
  } catch (e) {
    const code = e instanceof RopError ? e.code : ((e as NodeJS.ErrnoException).code ?? 'ERROR');
    skipped.push({ file: id, reason: `source image unreadable (${code})` });
    return null;
  }
  const infant = infantKey(opts.salt, ds.string('PatientID'), image.studyInstanceUid);
  const stroke = opts.lineWidth ?? defaultLineWidth(pixels.width, pixels.height);
  const chosen = await chooseMask(opts.db, opts.readBlob, image, stage, pixels.width, pixels.height, stroke);
  const dicom = `dicom/dcm-${pseudonym(opts.salt, 'dicom', image.sopInstanceUid)}.dcm`;
  if (!dicomWritten.has(dicom)) {
    const bytes = deidentifyToPart10(ds, { salt: opts.salt, pseudonym: infant });
    await writeFile(path.join(staging.staging, dicom), bytes);
    dicomWritten.add(dicom);
  }
  const item = await staging.addNew(
    {
      stem: id,
      infant,
      eye: image.laterality === 'U' ? '' : image.laterality,
      view: '',
      stage,
      split: '',
      augmented_from: '',
    },
    encodePng(pixels),
    chosen.mask,
    '.png',
  );
  return {
    id: item.id,
    source: 'confirmed',
    stage,
    ...(image.stage ? { stageLabel: labelRef(image.stage) } : {}),
    ...(image.line ? { lineLabel: labelRef(image.line) } : {}),
    history: image.history.map(labelRef),
    maskSource: chosen.source,
    maskAnalysisId: chosen.analysisId,
    maskModelVersion: chosen.modelVersion,
    dicom,
    frame: image.frame,
  };
}
