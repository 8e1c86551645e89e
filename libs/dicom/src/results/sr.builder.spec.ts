import { describe, expect, it } from 'vitest';
import { readDicom } from '../reader/dicom.reader.js';
import { dciodvfyFindings, runOn } from '../testing/dicom-validators.js';
import { CREATED_AT, MODEL, OP_SOP_CLASS, sourceHeader, srInput } from './results.fixtures.js';
import { buildStagingSr, COMPREHENSIVE_SR_SOP_CLASS } from './sr.builder.js';
import { STAGE_CODES } from './sr.codes.js';

type Ds = Record<string, unknown>;
const seq = (v: unknown) => v as Ds[];
const concept = (item: Ds) => seq(item.ConceptNameCodeSequence)?.[0]?.CodeValue;
const child = (item: Ds, code: string) => seq(item.ContentSequence).find((c) => concept(c) === code) as Ds;

const PRIVATE_SCHEME_WARNING =
  'Warning - Unrecognized defined term <99ROPLINE> for value 1 of attribute <Coding Scheme Designator>';

describe('buildStagingSr', () => {
  it('passes dciodvfy with no errors (only the private coding scheme warnings)', async () => {
    const inputs = [
      srInput(),
      srInput({
        verification: { observerName: 'Doe^Jane', organization: 'Eye Clinic', verifiedAt: CREATED_AT },
        supersedes: [
          {
            studyInstanceUid: String(sourceHeader().StudyInstanceUID),
            seriesInstanceUid: '2.25.7',
            sopClassUid: COMPREHENSIVE_SR_SOP_CLASS,
            sopInstanceUid: '2.25.8',
          },
        ],
      }),
    ];
    for (const input of inputs) {
      const run = await runOn('dciodvfy', buildStagingSr(input).bytes);
      if (!run) return;
      const { errors, warnings } = dciodvfyFindings(run.output);
      expect(errors).toEqual([]);
      // dciodvfy does not know private "99" coding schemes (PS3.16 8.1): one warning per use of
      // 99ROPLINE (procedure, 2x confidence, 'no ROP') plus its CodingSchemeIdentificationSequence.
      expect(new Set(warnings)).toEqual(new Set([PRIVATE_SCHEME_WARNING]));
      expect(run.output).toContain('ComprehensiveSR');
    }
  });

  it('is read by dcmdump and dsrdump', async () => {
    const built = buildStagingSr(srInput());
    const dump = await runOn('dcmdump', built.bytes);
    if (dump) {
      expect(dump.status).toBe(0);
      expect(dump.output).toContain(built.sopInstanceUid);
    }
    const sr = await runOn('dsrdump', built.bytes);
    if (sr) {
      expect(sr.status).toBe(0);
      expect(sr.output).toContain('Comprehensive SR Document');
      expect(sr.output).toContain(
        '(408848001,SCT,"Retinopathy of prematurity stage 2 - intraretinal ridge")',
      );
      expect(sr.output).toContain('POLYLINE');
    }
  });

  it('writes the document attributes', () => {
    const built = buildStagingSr(srInput());
    const e = readDicom(built.bytes).elements;
    const src = sourceHeader();
    expect(e.SOPClassUID).toBe(COMPREHENSIVE_SR_SOP_CLASS);
    expect(e.SOPInstanceUID).toBe(built.sopInstanceUid);
    expect(e.SeriesInstanceUID).toBe(built.seriesInstanceUid);
    expect(e.StudyInstanceUID).toBe(src.StudyInstanceUID);
    for (const key of [
      'PatientID',
      'PatientBirthDate',
      'PatientSex',
      'StudyDate',
      'StudyTime',
      'StudyID',
      'AccessionNumber',
    ]) {
      expect(e[key], key).toBe(src[key]);
    }
    expect(e.Modality).toBe('SR');
    expect(e.SeriesNumber).toBe(9002);
    expect(e.SeriesDescription).toBe('ROP AI report');
    expect(e.CompletionFlag).toBe('COMPLETE');
    expect(e.VerificationFlag).toBe('UNVERIFIED');
    expect(e.VerifyingObserverSequence).toBeUndefined();
    expect(e.PredecessorDocumentsSequence).toBeUndefined();
    expect(e.ContentDate).toBe('20260302');
    expect(e.ContentTime).toBe('080910.123');
    expect(e.InstanceNumber).toBe(1);
    const eq = seq(e.ContributingEquipmentSequence)[0];
    expect([eq.Manufacturer, eq.ManufacturerModelName, eq.SoftwareVersions]).toEqual([
      'ROPline',
      MODEL.name,
      MODEL.version,
    ]);
    const evidence = seq(e.CurrentRequestedProcedureEvidenceSequence);
    expect(evidence).toHaveLength(1);
    expect(evidence[0].StudyInstanceUID).toBe(src.StudyInstanceUID);
    const series = seq(evidence[0].ReferencedSeriesSequence);
    expect(series.map((s) => s.SeriesInstanceUID)).toEqual([
      src.SeriesInstanceUID,
      '2.25.555555555555555555555555555555555555',
    ]);
    expect(seq(series[0].ReferencedSOPSequence)[0]).toMatchObject({
      ReferencedSOPClassUID: OP_SOP_CLASS,
      ReferencedSOPInstanceUID: src.SOPInstanceUID,
    });
  });

  it('encodes observer context, stage per eye, site, confidence, images and lines', () => {
    const e = readDicom(buildStagingSr(srInput()).bytes).elements as Ds;
    expect(e.ValueType).toBe('CONTAINER');
    expect(concept(e)).toBe('126000');
    expect(seq(child(e, '121005').ConceptCodeSequence)[0].CodeValue).toBe('121007');
    expect(child(e, '121015').TextValue).toBe(MODEL.name);
    expect(child(e, '121049').ValueType).toBe('CODE');
    const groups = seq(e.ContentSequence).filter((c) => concept(c) === '125007');
    expect(groups).toHaveLength(2);

    const [right, left] = groups;
    expect(child(right, '111001').TextValue).toBe(MODEL.name);
    expect(child(right, '111003').TextValue).toBe(MODEL.version);
    const site = child(right, '363698007');
    expect(seq(site.ConceptCodeSequence)[0].CodeValue).toBe('81745001');
    expect(seq(child(site, '272741003').ConceptCodeSequence)[0].CodeValue).toBe('24028007');
    expect(seq(child(child(left, '363698007'), '272741003').ConceptCodeSequence)[0].CodeValue).toBe(
      '7771000',
    );

    const finding = child(right, '121071');
    expect(seq(finding.ConceptCodeSequence)[0]).toMatchObject(STAGE_CODES.stage2);
    const num = seq(finding.ContentSequence).find((c) => c.ValueType === 'NUM') as Ds;
    const measured = seq(num.MeasuredValueSequence)[0];
    expect(Number(measured.NumericValue)).toBe(0.873);
    expect(seq(measured.MeasurementUnitsCodeSequence)[0]).toMatchObject({
      CodeValue: '{probability}',
      CodingSchemeDesignator: 'UCUM',
    });
    const images = seq(finding.ContentSequence).filter((c) => c.ValueType === 'IMAGE');
    expect(images).toHaveLength(1);
    expect(seq(images[0].ReferencedSOPSequence)[0].ReferencedFrameNumber).toBeUndefined();
    const lines = seq(finding.ContentSequence).filter((c) => c.ValueType === 'SCOORD');
    expect(lines.map((l) => l.GraphicType)).toEqual(['POLYLINE', 'POLYLINE']);
    expect(lines[0].GraphicData).toEqual([20.5, 31, 40, 30.5, 69.5, 31]);
    expect(lines[1].GraphicData).toEqual([10, 10, 12, 14]);
    const selected = seq(lines[0].ContentSequence)[0];
    expect(selected.RelationshipType).toBe('SELECTED FROM');
    expect(seq(selected.ReferencedSOPSequence)[0].ReferencedSOPInstanceUID).toBe(
      sourceHeader().SOPInstanceUID,
    );

    const leftFinding = child(left, '121071');
    expect(seq(leftFinding.ConceptCodeSequence)[0]).toMatchObject(STAGE_CODES.none);
    const leftImage = seq(leftFinding.ContentSequence).find((c) => c.ValueType === 'IMAGE') as Ds;
    expect(seq(leftImage.ReferencedSOPSequence)[0].ReferencedFrameNumber).toBe(2);
    expect(seq(leftFinding.ContentSequence).some((c) => c.ValueType === 'SCOORD')).toBe(false);
  });

  it('VERIFIED with the verifying observer when a clinician confirmed it; predecessors listed', () => {
    const study = String(sourceHeader().StudyInstanceUID);
    const e = readDicom(
      buildStagingSr(
        srInput({
          revision: 1,
          verification: {
            observerName: 'Doe^Jane',
            organization: 'Eye Clinic',
            verifiedAt: new Date('2026-03-03T10:00:00Z'),
          },
          supersedes: [
            {
              studyInstanceUid: study,
              seriesInstanceUid: '2.25.7',
              sopClassUid: COMPREHENSIVE_SR_SOP_CLASS,
              sopInstanceUid: '2.25.8',
            },
            {
              studyInstanceUid: study,
              seriesInstanceUid: '2.25.7',
              sopClassUid: COMPREHENSIVE_SR_SOP_CLASS,
              sopInstanceUid: '2.25.9',
            },
          ],
        }),
      ).bytes,
    ).elements;
    expect(e.VerificationFlag).toBe('VERIFIED');
    const obs = seq(e.VerifyingObserverSequence)[0];
    expect(obs.VerifyingObserverName).toEqual([{ Alphabetic: 'Doe^Jane' }]);
    expect(obs.VerifyingOrganization).toBe('Eye Clinic');
    expect(obs.VerificationDateTime).toBe('20260303100000.000000+0000');
    const pred = seq(e.PredecessorDocumentsSequence);
    expect(pred).toHaveLength(1);
    expect(pred[0].StudyInstanceUID).toBe(study);
    const predSeries = seq(pred[0].ReferencedSeriesSequence);
    expect(predSeries).toHaveLength(1);
    expect(seq(predSeries[0].ReferencedSOPSequence).map((s) => s.ReferencedSOPInstanceUID)).toEqual([
      '2.25.8',
      '2.25.9',
    ]);
    expect(e.InstanceNumber).toBe(2);
  });

  it('derives UIDs deterministically: a re-publish is identical, a new revision or model is new', () => {
    const a = buildStagingSr(srInput());
    const again = buildStagingSr(srInput());
    expect(Buffer.from(again.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    const rev1 = buildStagingSr(srInput({ revision: 1 }));
    expect(rev1.sopInstanceUid).not.toBe(a.sopInstanceUid);
    expect(rev1.seriesInstanceUid).toBe(a.seriesInstanceUid);
    const other = buildStagingSr(srInput({ analysisId: 'analysis-43' }));
    expect(other.sopInstanceUid).not.toBe(a.sopInstanceUid);
    const v2 = buildStagingSr(srInput({ model: { ...MODEL, version: '1.5.0' } }));
    expect(v2.sopInstanceUid).not.toBe(a.sopInstanceUid);
    expect(v2.seriesInstanceUid).not.toBe(a.seriesInstanceUid);
  });

  it.each([
    ['ISO_IR 192', 'utf8'],
    ['ISO_IR 100', 'latin1'],
  ] as const)('copies SpecificCharacterSet %s and encodes the names in it', async (charset, encoding) => {
    const built = buildStagingSr(
      srInput({
        source: sourceHeader({ SpecificCharacterSet: charset }),
        verification: {
          observerName: 'Dürr^Anna',
          organization: 'Augenklinik Zürich',
          verifiedAt: CREATED_AT,
        },
      }),
    );
    const raw = Buffer.from(built.bytes);
    expect(raw.includes(Buffer.from(charset, 'latin1'))).toBe(true);
    expect(raw.includes(Buffer.from('Müller^Zoë', encoding))).toBe(true);
    expect(raw.includes(Buffer.from('Augenklinik Zürich', encoding))).toBe(true);
    const e = readDicom(built.bytes).elements;
    expect(e.PatientName).toEqual([{ Alphabetic: 'Müller^Zoë' }]);
    // Nested text is checked with dcmtk (converted to UTF-8 by +U8): dcmjs 0.52 decodes text inside
    // sequence items with its default decoder, so readDicom garbles UTF-8 there (a reader issue).
    const dump = await runOn('dcmdump', built.bytes, ['+U8']);
    if (dump) {
      expect(dump.output).toContain('PN [Dürr^Anna]');
      expect(dump.output).toContain('LO [Augenklinik Zürich]');
      expect(dump.output).toContain('PN [Müller^Zoë]');
    }
  });

  it('falls back to ISO_IR 192 when the copied single-byte set cannot hold the text', () => {
    const built = buildStagingSr(
      srInput({
        source: sourceHeader({ SpecificCharacterSet: 'ISO_IR 100' }),
        model: { name: 'модель', version: '1' },
      }),
    );
    const raw = Buffer.from(built.bytes);
    expect(raw.includes(Buffer.from('ISO_IR 192', 'latin1'))).toBe(true);
    expect(readDicom(built.bytes).elements.PatientName).toEqual([{ Alphabetic: 'Müller^Zoë' }]);
  });

  it('rejects malformed polylines and revisions', () => {
    const withLine = (line: number[]) =>
      srInput({
        eyes: [{ ...srInput().eyes[0], images: [{ ...srInput().eyes[0].images[0], polylines: [line] }] }],
      });
    expect(() => buildStagingSr(withLine([1, 2, 3]))).toThrow(RangeError);
    expect(() => buildStagingSr(withLine([1, 2]))).toThrow(RangeError);
    expect(() => buildStagingSr(withLine([1, 2, NaN, 4]))).toThrow(RangeError);
    expect(() => buildStagingSr(srInput({ revision: -1 }))).toThrow(RangeError);
  });
});
