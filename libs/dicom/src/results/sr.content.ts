import type { NaturalDataset } from '../reader/dcmjs.adapter.js';
import type { Code } from './sr.codes.js';

/**
 * SR content item constructors (PS3.3 C.17.3 SR Document Content module, Table C.17-6 and the
 * value-type macros C.18). Each returns one ContentSequence item in dcmjs keywords.
 */
export type Relationship =
  'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'INFERRED FROM' | 'SELECTED FROM';
export type Item = NaturalDataset;

const base = (rel: Relationship, valueType: string, name?: Code): Item => ({
  RelationshipType: rel,
  ValueType: valueType,
  ...(name ? { ConceptNameCodeSequence: [name] } : {}),
});

const withChildren = (item: Item, children?: Item[]): Item =>
  children && children.length ? { ...item, ContentSequence: children } : item;

export function container(rel: Relationship, name: Code, children: Item[]): Item {
  return withChildren({ ...base(rel, 'CONTAINER', name), ContinuityOfContent: 'SEPARATE' }, children);
}

export function codeItem(rel: Relationship, name: Code, value: Code, children?: Item[]): Item {
  return withChildren({ ...base(rel, 'CODE', name), ConceptCodeSequence: [value] }, children);
}

export function textItem(rel: Relationship, name: Code, value: string): Item {
  return { ...base(rel, 'TEXT', name), TextValue: value };
}

export function uidItem(rel: Relationship, name: Code, uid: string): Item {
  return { ...base(rel, 'UIDREF', name), UID: uid };
}

/** NUM (C.18.1): Numeric Value is DS, at most 16 characters. */
export function numItem(rel: Relationship, name: Code, value: number, unit: Code): Item {
  const text = String(Number(value.toPrecision(6)));
  return {
    ...base(rel, 'NUM', name),
    MeasuredValueSequence: [{ NumericValue: text, MeasurementUnitsCodeSequence: [unit] }],
  };
}

export interface ImageRef {
  sopClassUid: string;
  sopInstanceUid: string;
  frameNumber?: number;
}

/** IMAGE (C.18.4): the referenced instance (+ frame for multi-frame images). */
export function imageItem(rel: Relationship, ref: ImageRef): Item {
  return {
    ...base(rel, 'IMAGE'),
    ReferencedSOPSequence: [
      {
        ReferencedSOPClassUID: ref.sopClassUid,
        ReferencedSOPInstanceUID: ref.sopInstanceUid,
        ...(ref.frameNumber !== undefined ? { ReferencedFrameNumber: ref.frameNumber } : {}),
      },
    ],
  };
}

/**
 * SCOORD POLYLINE (C.18.6): Graphic Data is FL column/row pairs in image pixel coordinates, origin
 * at the top left corner of the top left pixel (C.18.6.1.1). The image it lies on is its one
 * SELECTED FROM child, by value.
 */
export function polylineItem(
  rel: Relationship,
  name: Code,
  points: readonly number[],
  image: ImageRef,
): Item {
  return {
    ...base(rel, 'SCOORD', name),
    GraphicType: 'POLYLINE',
    GraphicData: [...points],
    ContentSequence: [imageItem('SELECTED FROM', image)],
  };
}
