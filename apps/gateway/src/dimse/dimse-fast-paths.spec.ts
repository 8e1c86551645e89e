import dcmjsDimse from 'dcmjs-dimse';
import { describe, expect, it } from 'vitest';
import { installDimseFastPaths } from './dimse-fast-paths.js';

const { Dataset, association, constants, requests, responses } = dcmjsDimse;
type Table = Record<string, unknown>;
type Naming = { _uidNameFromValue(tables: Table | Table[], value: unknown): string | undefined };
// The library's own implementations, as they were before the fast paths replaced them.
const originals = installDimseFastPaths();
const originalEncode = originals.getDenaturalizedCommandDataset;
const originalName = originals._uidNameFromValue;

function storeResponse(status: number, comment?: string) {
  const request = new requests.CStoreRequest(
    new Dataset(
      { SOPClassUID: '1.2.840.10008.5.1.4.1.1.77.1.5.1', SOPInstanceUID: '2.25.1234567890.1.2.3' },
      '1.2.840.10008.1.2.1',
    ),
  );
  const response = responses.CStoreResponse.fromRequest(request);
  response.setStatus(status);
  if (comment) response.setErrorComment(comment);
  return response;
}

describe('dcmjs-dimse fast paths', () => {
  it('encode C-STORE response command sets to the same bytes as dcmjs-dimse', () => {
    expect(installDimseFastPaths()).toBe(originals); // idempotent
    expect(Dataset.prototype.getDenaturalizedCommandDataset).not.toBe(originalEncode);
    for (const r of [
      storeResponse(0x0000),
      storeResponse(0xa700, 'INGEST.DISK_FULL'),
      storeResponse(0xc000, 'X'.repeat(64)),
    ]) {
      const command = r.getCommandDataset();
      const fast = command.getDenaturalizedCommandDataset();
      expect(fast.length).toBeGreaterThan(0);
      expect(Buffer.compare(fast, originalEncode.call(command))).toBe(0);
    }
  });

  it('name UIDs in log strings exactly like dcmjs-dimse', () => {
    installDimseFastPaths();
    const { SopClass, StorageClass, TransferSyntax } = constants as unknown as Record<string, Table>;
    const values = [
      ...Object.values(StorageClass).slice(0, 40),
      ...Object.values(SopClass).slice(0, 20),
      ...Object.values(TransferSyntax),
      '1.2.3.4.unknown',
    ];
    const a = new association.Association('SCU', 'SCP') as unknown as Naming;
    for (const v of values) {
      expect(a._uidNameFromValue([SopClass, StorageClass], v)).toBe(
        originalName.call(a, [SopClass, StorageClass], v),
      );
      expect(a._uidNameFromValue(TransferSyntax, v)).toBe(originalName.call(a, TransferSyntax, v));
    }
  });
});
