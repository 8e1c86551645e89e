export { readDicomMeta, hex4, type DicomFile, type SendOutcome } from './dicom-file.js';
export { stowBatch, connectionError, type StowTarget } from './stow.sink.js';
export { cstoreBatch, type CStoreTarget } from './cstore.sink.js';
