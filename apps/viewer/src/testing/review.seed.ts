import { randomUUID } from 'node:crypto';
import type { Database } from '@ropline/db';

const CLASSES = ['stage0', 'stage1', 'stage2', 'stage3'];
const probs = (stage: string) => Object.fromEntries(CLASSES.map((c) => [c, c === stage ? 0.7 : 0.1]));

/**
 * A study with a finished analysis written straight into the tables (no pipeline): deterministic
 * stages per eye for worklist ordering/filter tests. `outbox` adds one result object with outbox
 * items in the given statuses.
 */
export async function seedAnalysedStudy(
  db: Database,
  o: {
    uid: string;
    receivedAt: Date;
    eyes: Record<string, string>;
    outbox?: ('pending' | 'sent' | 'dead')[];
  },
): Promise<{ id: string }> {
  const { prisma } = db;
  const study = await prisma.study.create({
    data: { studyInstanceUid: o.uid, createdAt: o.receivedAt, lastReceivedAt: o.receivedAt },
  });
  const series = await prisma.series.create({
    data: { seriesInstanceUid: `${o.uid}.0`, studyId: study.id, modality: 'OP' },
  });
  const analysis = await prisma.analysis.create({
    data: {
      studyId: study.id,
      jobId: randomUUID(),
      pipelineKey: 'default',
      pipelineVersion: 'seeded-1',
      status: 'done',
      imageCount: Object.keys(o.eyes).length,
      finishedAt: o.receivedAt,
    },
  });
  let k = 0;
  for (const [laterality, stage] of Object.entries(o.eyes)) {
    k += 1;
    const inst = await prisma.instance.create({
      data: {
        sopInstanceUid: `${o.uid}.${k}`,
        sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.5.1',
        seriesId: series.id,
        transferSyntaxUid: '1.2.840.10008.1.2.1',
        modality: 'OP',
        laterality,
        rows: 10,
        columns: 10,
        blobSha256: '0'.repeat(64),
        byteSize: 1n,
        source: 'stow',
      },
    });
    const p = await prisma.prediction.create({
      data: {
        analysisId: analysis.id,
        instanceId: inst.id,
        laterality,
        status: 'ok',
        stage,
        confidence: 0.7,
        probabilities: probs(stage),
        lines: [],
      },
    });
    await prisma.eyeResult.create({
      data: {
        analysisId: analysis.id,
        laterality,
        stage,
        confidence: 0.7,
        evidencePredictionId: p.id,
        imageCount: 1,
      },
    });
  }
  if (o.outbox) {
    const ro = await prisma.resultObject.create({
      data: {
        analysisId: analysis.id,
        kind: 'report',
        sopInstanceUid: `${o.uid}.99`,
        sopClassUid: '1.2.840.10008.5.1.4.1.1.88.33',
        seriesInstanceUid: `${o.uid}.98`,
        studyInstanceUid: o.uid,
        blobSha256: '1'.repeat(64),
        byteSize: 1n,
      },
    });
    let d = 0;
    for (const status of o.outbox) {
      await prisma.outboxItem.create({
        data: {
          destination: `pacs${(d += 1)}`,
          kind: 'result',
          sopInstanceUid: ro.sopInstanceUid,
          sopClassUid: ro.sopClassUid,
          transferSyntaxUid: '1.2.840.10008.1.2.1',
          studyInstanceUid: o.uid,
          blobSha256: ro.blobSha256,
          byteSize: 1n,
          resultObjectId: ro.id,
          status,
        },
      });
    }
  }
  return { id: study.id };
}
