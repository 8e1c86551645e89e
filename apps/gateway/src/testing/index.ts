/** Test helpers other apps' tests reuse (`@ropline/gateway/testing`): private Orthanc, temp dirs, fixtures. */
export {
  startOrthanc,
  hasOrthanc,
  freePort,
  ORTHANC_BIN,
  ORTHANC_DICOMWEB,
  type OrthancProcess,
} from './orthanc.process.js';
export { makeTempDir } from './temp-dir.util.js';
export { createDicomWebClient, readStowReply, multipartBody, PLANTED_PHI } from './stow.fixtures.js';
export { makeOpInstance, newStudyUid, waitFor, OP_8BIT } from '../analysis/analysis.fixtures.js';
