import type { Database, Prisma } from '@ropline/db';
import { attr, withIncludeFields, type DicomJson } from './dicom-json.util.js';
import type { SearchQuery } from './dicomweb.params.js';

/** Scope from the URL (already validated UIDs). */
export interface SearchScope {
  study?: string;
  series?: string;
}

const anyOf = (list: string[] | undefined) => (list ? { in: list } : undefined);

/**
 * QIDO-RS (PS3.18 10.6) over the studies/series/instances tables. Every value reaches Postgres as
 * a Prisma parameter; the replies hold only what the gateway keeps (no patient attributes).
 */
export class QidoService {
  constructor(
    private readonly db: Database,
    private readonly baseUrl: () => string,
  ) {}

  private studyUrl(study: string): string {
    return `${this.baseUrl()}/dicomweb/studies/${study}`;
  }

  async searchStudies(q: SearchQuery): Promise<DicomJson[]> {
    const where: Prisma.StudyWhereInput = {
      studyInstanceUid: anyOf(q.study),
      series: {
        some: {
          seriesInstanceUid: anyOf(q.series),
          modality: q.modality,
          instances: { some: this.instanceWhere(q) },
        },
      },
    };
    const rows = await this.db.prisma.study.findMany({
      where,
      orderBy: [{ createdAt: 'asc' }, { studyInstanceUid: 'asc' }],
      skip: q.offset,
      take: q.limit,
      select: {
        studyInstanceUid: true,
        series: { select: { modality: true, _count: { select: { instances: true } } } },
      },
    });
    return rows.map((s) => {
      const modalities = [...new Set(s.series.map((x) => x.modality).filter((m): m is string => !!m))].sort();
      return withIncludeFields(
        {
          '00080061': attr('CS', modalities.length ? modalities : undefined),
          '00081190': attr('UR', this.studyUrl(s.studyInstanceUid)),
          '0020000D': attr('UI', s.studyInstanceUid),
          '00201206': attr('IS', s.series.length),
          '00201208': attr(
            'IS',
            s.series.reduce((n, x) => n + x._count.instances, 0),
          ),
        },
        q.includefield,
      );
    });
  }

  async searchSeries(q: SearchQuery, scope: SearchScope): Promise<DicomJson[]> {
    const where: Prisma.SeriesWhereInput = {
      seriesInstanceUid: anyOf(q.series),
      modality: q.modality,
      study: { studyInstanceUid: scope.study ?? anyOf(q.study) },
      instances: { some: this.instanceWhere(q) },
    };
    const rows = await this.db.prisma.series.findMany({
      where,
      orderBy: [{ createdAt: 'asc' }, { seriesInstanceUid: 'asc' }],
      skip: q.offset,
      take: q.limit,
      select: {
        seriesInstanceUid: true,
        modality: true,
        study: { select: { studyInstanceUid: true } },
        _count: { select: { instances: true } },
      },
    });
    return rows.map((s) => {
      const study = s.study.studyInstanceUid;
      return withIncludeFields(
        {
          '00080060': attr('CS', s.modality),
          '00081190': attr('UR', `${this.studyUrl(study)}/series/${s.seriesInstanceUid}`),
          '0020000D': attr('UI', study),
          '0020000E': attr('UI', s.seriesInstanceUid),
          '00201209': attr('IS', s._count.instances),
        },
        q.includefield,
      );
    });
  }

  async searchInstances(q: SearchQuery, scope: SearchScope): Promise<DicomJson[]> {
    const where: Prisma.InstanceWhereInput = {
      ...this.instanceWhere(q),
      modality: q.modality,
      series: {
        seriesInstanceUid: scope.series ?? anyOf(q.series),
        study: { studyInstanceUid: scope.study ?? anyOf(q.study) },
      },
    };
    const rows = await this.db.prisma.instance.findMany({
      where,
      orderBy: [{ instanceNumber: { sort: 'asc', nulls: 'last' } }, { sopInstanceUid: 'asc' }],
      skip: q.offset,
      take: q.limit,
      include: {
        series: { select: { seriesInstanceUid: true, study: { select: { studyInstanceUid: true } } } },
      },
    });
    return rows.map((i) => {
      const study = i.series.study.studyInstanceUid;
      const series = i.series.seriesInstanceUid;
      return withIncludeFields(
        {
          '00080016': attr('UI', i.sopClassUid),
          '00080018': attr('UI', i.sopInstanceUid),
          '00080060': attr('CS', i.modality),
          '00080070': attr('LO', i.manufacturer),
          '00081090': attr('LO', i.manufacturerModel),
          '00081190': attr('UR', `${this.studyUrl(study)}/series/${series}/instances/${i.sopInstanceUid}`),
          '00083002': attr('UI', i.transferSyntaxUid),
          '0020000D': attr('UI', study),
          '0020000E': attr('UI', series),
          '00200013': attr('IS', i.instanceNumber),
          '00200062': attr('CS', i.laterality),
          '00280008': attr('IS', i.frames),
          '00280010': attr('US', i.rows),
          '00280011': attr('US', i.columns),
        },
        q.includefield,
      );
    });
  }

  /** Instance-level keys (shared by the three levels: a study matches when one instance does). */
  private instanceWhere(q: SearchQuery): Prisma.InstanceWhereInput {
    return {
      sopInstanceUid: anyOf(q.sop),
      sopClassUid: anyOf(q.sopClass),
      laterality: q.laterality,
      instanceNumber: q.instanceNumber,
    };
  }
}
