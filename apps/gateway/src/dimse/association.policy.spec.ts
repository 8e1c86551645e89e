import { describe, expect, it } from 'vitest';
import { readDicom, TransferSyntax } from '@ropline/dicom';
import { parseGatewayConfig } from '../config/gateway.config.js';
import { makeInstance } from '../testing/stow.fixtures.js';
import { checkAssociation, negotiateContext, Reject, VERIFICATION_SOP_CLASS } from './association.policy.js';
import { resolveDimseConfig } from './dimse.config.js';
import { storeStatusOf, StoreStatus } from './dimse.status.js';
import { RopError } from '@ropline/core';
import { datasetOffset } from './dimse.test-util.js';
import { part10Header } from './part10-meta.js';

const OP = '1.2.840.10008.5.1.4.1.1.77.1.5.1';

describe('DIMSE config', () => {
  it('has the documented defaults and resolves the port', () => {
    const c = parseGatewayConfig({});
    expect(c.dimse).toEqual({
      enabled: true,
      host: '127.0.0.1',
      aeTitle: 'ROPLINE',
      allowedCallingAeTitles: null,
      maxAssociations: 8,
    });
    expect(resolveDimseConfig(c.dimse, 8080).port).toBe(11112);
    expect(resolveDimseConfig(c.dimse, 0).port).toBe(0);
    expect(resolveDimseConfig({ ...c.dimse, port: 104 }, 0).port).toBe(104);
    expect(() => parseGatewayConfig({ dimse: { aeTitle: 'A\\B' } })).toThrow(/dimse.aeTitle/);
    expect(() => parseGatewayConfig({ dimse: { aeTitle: 'X'.repeat(17) } })).toThrow(/dimse.aeTitle/);
  });
});

describe('association policy', () => {
  const config = { ...parseGatewayConfig({}).dimse, allowedCallingAeTitles: ['PACS'], maxAssociations: 2 };
  it('rejects wrong called AE, unknown calling AE, and over maxAssociations (PS3.8 9.3.4)', () => {
    expect(checkAssociation(config, 'ROPLINE ', 'PACS', 0)).toBeNull();
    expect(checkAssociation(config, 'OTHER', 'PACS', 0)).toEqual(Reject.calledAe);
    expect(Reject.calledAe).toMatchObject({ result: 1, source: 1, reason: 7 });
    expect(checkAssociation(config, 'ROPLINE', 'NOBODY', 0)).toMatchObject({
      result: 1,
      source: 1,
      reason: 3,
    });
    expect(checkAssociation(config, 'ROPLINE', 'PACS', 2)).toMatchObject({ result: 2, source: 3, reason: 2 });
    expect(checkAssociation({ ...config, allowedCallingAeTitles: null }, 'ROPLINE', 'ANY', 0)).toBeNull();
  });

  it('negotiates storage classes as-is, verification, and refuses the rest', () => {
    const { ExplicitVRLittleEndian: ex, ImplicitVRLittleEndian: im, JpegBaseline: jpeg } = TransferSyntax;
    expect(negotiateContext(OP, [im, ex, jpeg])).toEqual({ accept: true, transferSyntaxUid: jpeg });
    expect(negotiateContext(OP, [im, ex])).toEqual({ accept: true, transferSyntaxUid: ex });
    expect(negotiateContext(OP, [TransferSyntax.RleLossless])).toMatchObject({ accept: true });
    expect(negotiateContext(OP, [TransferSyntax.Jpeg2000Lossless])).toMatchObject({ accept: true });
    expect(negotiateContext(OP, ['1.2.840.10008.1.2.4.100'])).toEqual({
      accept: false,
      reason: 'transfer-syntaxes',
    });
    expect(negotiateContext(VERIFICATION_SOP_CLASS, [im])).toEqual({ accept: true, transferSyntaxUid: im });
    // Modality Worklist FIND: not a storage class (0x0122 territory, refused at association).
    expect(negotiateContext('1.2.840.10008.5.1.4.31', [im])).toEqual({
      accept: false,
      reason: 'abstract-syntax',
    });
  });
});

describe('C-STORE status mapping and Part-10 header', () => {
  it('maps ingest errors to PS3.4 B.2.3 statuses', () => {
    expect(storeStatusOf(new RopError('INGEST.INSTANCE_TOO_LARGE', ''))).toBe(0xa700);
    expect(storeStatusOf(new RopError('INGEST.DISK_FULL', ''))).toBe(0xa700);
    expect(storeStatusOf(new RopError('INGEST.DUPLICATE_SOP_INSTANCE', ''))).toBe(0xc111);
    expect(storeStatusOf(new RopError('DIMSE.SOP_CLASS_MISMATCH', ''))).toBe(0xa900);
    expect(storeStatusOf(new RopError('DICOM.TRUNCATED', ''))).toBe(StoreStatus.CannotUnderstand);
    expect(storeStatusOf(new Error('db down'))).toBe(0x0110);
  });

  it('header + received data set reads back as the same instance', () => {
    const inst = makeInstance();
    const header = part10Header(inst.sopClassUid, inst.sopInstanceUid, TransferSyntax.ExplicitVRLittleEndian);
    const file = Buffer.concat([header, inst.bytes.subarray(datasetOffset(inst.bytes))]);
    expect(datasetOffset(file)).toBe(header.length);
    const ds = readDicom(file);
    expect(ds.string('SOPInstanceUID')).toBe(inst.sopInstanceUid);
    expect(ds.meta.MediaStorageSOPInstanceUID).toBe(inst.sopInstanceUid);
    expect(ds.transferSyntaxUid).toBe(TransferSyntax.ExplicitVRLittleEndian);
  });
});
