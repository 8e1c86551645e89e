import { getDefaultDecoderRegistry, NATIVE_TRANSFER_SYNTAXES, TransferSyntax } from '@ropline/dicom';
import type { DimseConfig } from './dimse.config.js';

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';
/** Storage SOP classes (PS3.4 Annex B, PS3.6 Annex A). */
const STORAGE_ROOT = '1.2.840.10008.5.1.4.1.1.';

/** PS3.8 9.3.4 A-ASSOCIATE-RJ parameters (result / source / reason). */
export interface AssociateReject {
  result: number;
  source: number;
  reason: number;
  why: string;
}

/** Result 1 permanent, 2 transient; source 1 service user (ACSE related), 3 service provider (presentation). */
export const Reject = {
  calledAe: { result: 1, source: 1, reason: 7, why: 'called AE title not recognized' },
  callingAe: { result: 1, source: 1, reason: 3, why: 'calling AE title not recognized' },
  tooMany: { result: 2, source: 3, reason: 2, why: 'local limit exceeded (maxAssociations)' },
} as const satisfies Record<string, AssociateReject>;

/** AE titles compare without their space padding (PS3.5 6.2, AE: leading/trailing spaces not significant). */
const norm = (ae: string) => ae.trim();

/** Why an association is refused, or null to go on and negotiate its presentation contexts. */
export function checkAssociation(
  config: DimseConfig,
  calledAe: string,
  callingAe: string,
  activeAssociations: number,
): AssociateReject | null {
  if (norm(calledAe) !== norm(config.aeTitle)) return Reject.calledAe;
  const allowed = config.allowedCallingAeTitles;
  if (allowed !== null && !allowed.some((ae) => norm(ae) === norm(callingAe))) return Reject.callingAe;
  if (activeAssociations >= config.maxAssociations) return Reject.tooMany;
  return null;
}

/** Transfer syntaxes the gateway stores as received: those libs/dicom can decode. */
export function storableTransferSyntaxes(): string[] {
  return getDefaultDecoderRegistry().transferSyntaxUids();
}

export type ContextDecision =
  | { accept: true; transferSyntaxUid: string }
  | { accept: false; reason: 'abstract-syntax' | 'transfer-syntaxes' };

/**
 * PS3.8 9.3.3.2 presentation context negotiation. Storage classes: the first proposed compressed
 * syntax libs/dicom decodes (kept as-is, no transcoding by the sender), else Explicit VR LE, else
 * Implicit VR LE, else another supported native one. Verification: Explicit or Implicit VR LE.
 */
export function negotiateContext(abstractSyntaxUid: string, proposed: string[]): ContextDecision {
  const isStorage = abstractSyntaxUid.startsWith(STORAGE_ROOT);
  if (!isStorage && abstractSyntaxUid !== VERIFICATION_SOP_CLASS) {
    return { accept: false, reason: 'abstract-syntax' };
  }
  const supported = isStorage
    ? storableTransferSyntaxes()
    : [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian];
  const ok = proposed.filter((ts) => supported.includes(ts));
  const pick =
    ok.find((ts) => !NATIVE_TRANSFER_SYNTAXES.includes(ts)) ??
    ok.find((ts) => ts === TransferSyntax.ExplicitVRLittleEndian) ??
    ok.find((ts) => ts === TransferSyntax.ImplicitVRLittleEndian) ??
    ok[0];
  return pick ? { accept: true, transferSyntaxUid: pick } : { accept: false, reason: 'transfer-syntaxes' };
}
