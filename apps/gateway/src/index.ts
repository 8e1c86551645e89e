/**
 * apps/gateway — DICOMweb STOW-RS/QIDO/WADO and DIMSE C-STORE ingest, durable content-addressed storage, routing rules, study assembly and the analyze-study workers.
 * Not implemented yet: it lands with issue 6. This file only makes the project a valid,
 * type-checked workspace member; it exports no features.
 */
export const APP_NAME = 'gateway';
