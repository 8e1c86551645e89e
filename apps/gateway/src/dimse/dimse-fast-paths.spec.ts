import { createRequire } from 'node:module';
import dcmjsDimse from 'dcmjs-dimse';
import { describe, expect, it } from 'vitest';
import { encodeCommandSet, installDimseFastPaths } from './dimse-fast-paths.js';

const { Dataset, association, constants, requests, responses } = dcmjsDimse;
type Table = Record<string, unknown>;
type Naming = { _uidNameFromValue(tables: Table | Table[], value: unknown): string | undefined };
// The library's own implementations, as they were before the fast paths replaced them.
const originals = installDimseFastPaths();
const originalEncode = originals.getDenaturalizedCommandDataset;
const originalName = originals._uidNameFromValue;

function storeResponse(status: number, comment?: string, sopInstanceUid = '2.25.1234567890.1.2.3') {
  const request = new requests.CStoreRequest(
    new Dataset(
      { SOPClassUID: '1.2.840.10008.5.1.4.1.1.77.1.5.1', SOPInstanceUID: sopInstanceUid },
      '1.2.840.10008.1.2.1',
    ),
  );
  const response = responses.CStoreResponse.fromRequest(request);
  response.setStatus(status);
  if (comment) response.setErrorComment(comment);
  return response;
}

// The denaturalized command set the fast path encodes, from the dcmjs copy dcmjs-dimse bundles.
const requireFromDimse = createRequire(createRequire(import.meta.url).resolve('dcmjs-dimse'));
const { DicomMetaDictionary } = (
  requireFromDimse('dcmjs') as { data: { DicomMetaDictionary: { denaturalizeDataset(d: unknown): unknown } } }
).data;
const dcmjsDict = (command: { getElements(): unknown }) =>
  DicomMetaDictionary.denaturalizeDataset(command.getElements()) as Parameters<typeof encodeCommandSet>[0];

describe('dcmjs-dimse fast paths', () => {
  it('encode C-STORE response command sets to the same bytes as dcmjs-dimse', () => {
    expect(installDimseFastPaths()).toBe(originals); // idempotent
    expect(Dataset.prototype.getDenaturalizedCommandDataset).not.toBe(originalEncode);
    const echo = responses.CEchoResponse.fromRequest(new requests.CEchoRequest());
    echo.setStatus(0x0000);
    const cases = [
      { r: storeResponse(0x0000), direct: true },
      { r: storeResponse(0xa700, 'INGEST.DISK_FULL'), direct: true },
      { r: storeResponse(0xc000, 'X'.repeat(64)), direct: true },
      { r: storeResponse(0x0110, 'odd', '2.25.12345678901'), direct: true }, // odd-length UID and text
      { r: storeResponse(0xb000, ''), direct: true },
      { r: echo, direct: true },
      { r: storeResponse(0xc000, 'Überlänge'), direct: false }, // non-ASCII: dcmjs encodes it
    ];
    for (const { r, direct } of cases) {
      const command = r.getCommandDataset();
      const fast = command.getDenaturalizedCommandDataset();
      expect(fast.length).toBeGreaterThan(0);
      expect(Buffer.compare(fast, originalEncode.call(command))).toBe(0);
      const dict = dcmjsDict(command);
      expect(encodeCommandSet(dict) !== null).toBe(direct);
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
