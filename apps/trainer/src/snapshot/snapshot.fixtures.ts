// Test fixtures for the snapshot specs (not exported): real rows in a real Postgres, blobs in a Map.
// Every patient attribute is planted, obviously fake, and must never reach a snapshot.
import { createHash } from 'node:crypto';
import type { Database } from '@ropline/db';
import { writeDicom } from '@ropline/dicom';
import { createImageDataset } from '@ropline/dicom/testing';
import { encodePng } from '@ropline/preprocess';

export const OP = '1.2.840.10008.5.1.4.1.1.77.1.5.1';
export const W = 40;
export const H = 32;

export const PHI = {
  one: { name: 'Plantedname^Babyone', id: 'MRN-PLANT-0001', birth: '20250111', accession: 'ACC-PLANT-71' },
  two: { name: 'Plantedname^Babytwo', id: 'MRN-PLANT-0002', birth: '20250222', accession: 'ACC-PLANT-72' },
  institution: 'Planted Memorial NICU',
  operator: 'Plantedop^Nurse',
};
/** The strings no snapshot file may contain. */
export const PLANTED = [
  PHI.one.name,
  'Plantedname',
  PHI.one.id,
  PHI.one.birth,
  PHI.one.accession,
  PHI.two.id,
  PHI.two.birth,
  PHI.two.accession,
  PHI.institution,
  PHI.operator,
];

export const T = (n: number) => new Date(Date.UTC(2026, 0, 1, 8, n));

export class MemoryBlobs {
  readonly map = new Map<string, Buffer>();
  put(bytes: Uint8Array): string {
    const sha = createHash('sha256').update(bytes).digest('hex');
    this.map.set(sha, Buffer.from(bytes));
    return sha;
  }
  readonly get = async (sha: string): Promise<Buffer> => {
    const b = this.map.get(sha);
    if (!b) throw Object.assign(new Error('no such blob'), { code: 'ENOENT' });
    return b;
  };
}

export function fundus(seed: number): Uint8Array {
  return Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 7 + seed * 31) % 251);
}

/** A model mask PNG at image size: a horizontal band at rows 20..22. */
export function modelMaskPng(): Buffer {
  const data = new Uint8Array(W * H);
  for (let y = 20; y < 23; y++) for (let x = 4; x < 36; x++) data[y * W + x] = 255;
  return encodePng({ data, width: W, height: H, channels: 1 });
}

interface Who {
  name: string;
  id: string;
  birth: string;
  accession: string;
}

function opInstance(who: Who, study: string, n: number, laterality: 'R' | 'L'): Uint8Array {
  return writeDicom(
    createImageDataset({
      rows: H,
      columns: W,
      samplesPerPixel: 3,
      pixelData: fundus(n),
      sopClassUid: OP,
      extra: {
        PatientName: who.name,
        PatientID: who.id,
        PatientBirthDate: who.birth,
        AccessionNumber: who.accession,
        InstitutionName: PHI.institution,
        OperatorsName: PHI.operator,
        StudyInstanceUID: study,
        SeriesInstanceUID: `${study}.1`,
        SOPInstanceUID: `${study}.1.${n}`,
        Modality: 'OP',
        ImageLaterality: laterality,
        InstanceNumber: n,
      },
    }),
  );
}

export interface Seeded {
  inst: Record<string, string>;
  analysis: Record<string, string>;
  studies: { a: string; b: string };
}

/**
 * Study A (infant one): A1 R, A2 R, A3 L, A4 L; study B (infant two): B1 R, B2 R. One finished
 * analysis per study (version 1.2.3); A1 has a model mask, the others none.
 */
export async function seedStudies(db: Database, blobs: MemoryBlobs, tag: string): Promise<Seeded> {
  const studies = { a: `2.25.${tag}1`, b: `2.25.${tag}2` };
  const inst: Record<string, string> = {};
  const analysis: Record<string, string> = {};
  const mask = blobs.put(modelMaskPng());
  const plan = [
    [
      'a',
      PHI.one,
      [
        ['A1', 'R'],
        ['A2', 'R'],
        ['A3', 'L'],
        ['A4', 'L'],
      ],
    ],
    [
      'b',
      PHI.two,
      [
        ['B1', 'R'],
        ['B2', 'R'],
      ],
    ],
  ] as const;
  for (const [key, who, images] of plan) {
    const uid = studies[key];
    const study = await db.prisma.study.create({ data: { studyInstanceUid: uid } });
    const series = await db.prisma.series.create({
      data: { seriesInstanceUid: `${uid}.1`, studyId: study.id, modality: 'OP' },
    });
    const a = await db.prisma.analysis.create({
      data: {
        studyId: study.id,
        jobId: `job-${uid}`,
        pipelineKey: 'default',
        pipelineName: 'ropline-demo',
        pipelineVersion: '1.2.3',
        status: 'done',
        imageCount: images.length,
        finishedAt: T(0),
      },
    });
    analysis[key] = a.id;
    for (const [n, [name, laterality]] of images.entries()) {
      const bytes = opInstance(who, uid, n + 1, laterality);
      const row = await db.prisma.instance.create({
        data: {
          sopInstanceUid: `${uid}.1.${n + 1}`,
          sopClassUid: OP,
          seriesId: series.id,
          transferSyntaxUid: '1.2.840.10008.1.2.1',
          modality: 'OP',
          laterality,
          rows: H,
          columns: W,
          blobSha256: blobs.put(bytes),
          byteSize: BigInt(bytes.length),
          source: 'stow',
        },
      });
      inst[name] = row.id;
      await db.prisma.prediction.create({
        data: {
          analysisId: a.id,
          instanceId: row.id,
          laterality,
          status: 'ok',
          stage: 'stage1',
          confidence: 0.9,
          maskSha256: name === 'A1' ? mask : null,
        },
      });
    }
  }
  return { inst, analysis, studies };
}

type LabelData = Parameters<Database['prisma']['confirmedLabel']['create']>[0]['data'];

export function label(db: Database, data: Partial<LabelData> & Pick<LabelData, 'kind' | 'at'>) {
  return db.prisma.confirmedLabel.create({
    data: {
      studyInstanceUid: '',
      scope: 'image',
      laterality: 'R',
      actor: 'dr.reviewer',
      modelVersion: '1.2.3',
      ...data,
    } as LabelData,
  });
}
