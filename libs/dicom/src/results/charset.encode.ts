// The Specific Character Set helpers moved to ../charset (shared with readDicom/writeDicom).
export { charsetTerm, chooseCharset, transcodeText } from '../charset/charset.js';
