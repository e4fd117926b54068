// The .eml reader lives with the scripts (npm start reads the demo owner's
// sign-in link with it); tests read mail the same way.
export { parseEml, decodeWords } from '../../scripts/eml.mjs';
