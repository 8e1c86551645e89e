// Test-fixture helpers, exported as '@ropline/dicom/testing' for other libs' tests. Not for production.
export { createImageDataset, testUid, type ImageDatasetSpec } from './image-dataset.builder.js';
export { encodeRleFrame, packBits, type RleFrameSpec } from './rle.encoder.js';
export { writeEncapsulated, encapsulatePixelData } from './encapsulated.builder.js';
export { writeBmp24 } from './bmp.writer.js';
export {
  hasTool,
  runTool,
  withTempDir,
  hasPydicom,
  pydicomPixels,
  pydicomPython,
  type OracleImage,
} from './external.tools.js';
export { gradientRgb, gradientGray, meanAbsDiff, maxAbsDiff } from './pixels.util.js';
export { runOn, dciodvfyFindings, type ToolRun } from './dicom-validators.js';
