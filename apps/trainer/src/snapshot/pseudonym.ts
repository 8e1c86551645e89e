import { createHmac } from 'node:crypto';

/**
 * Pseudonymous keys: HMAC-SHA256(salt, purpose + value), hex, truncated to 16 characters (64 bits:
 * collision-free at hospital scale). Without the salt a key cannot be confirmed by hashing guessed
 * patient IDs; the purpose prefix keeps an infant key from ever equalling an item id.
 */
export function pseudonym(salt: string, purpose: 'infant' | 'item' | 'dicom', value: string): string {
  return createHmac('sha256', salt).update(`${purpose}\u0000${value}`).digest('hex').slice(0, 16);
}

/** The infant key (the split's grouping key): PatientID, else the study when the ID is absent. */
export function infantKey(salt: string, patientId: string | undefined, studyInstanceUid: string): string {
  const id = patientId?.trim();
  return `inf-${pseudonym(salt, 'infant', id ? `pid:${id}` : `study:${studyInstanceUid}`)}`;
}

export function itemId(salt: string, sopInstanceUid: string, frame: number): string {
  return `img-${pseudonym(salt, 'item', `${sopInstanceUid}:${frame}`)}`;
}
