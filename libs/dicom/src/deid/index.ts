export { BASIC_PROFILE, PATIENT_CHARACTERISTICS, type DeidAction } from './deid.profile.js';
export { DEID_METHOD, deidMethodCodes, deidentify, remapUid, type DeidOptions } from './deidentify.js';
export { deidentifyToPart10, toWritable } from './deid.write.js';
