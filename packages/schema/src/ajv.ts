// One ajv configuration for every schema of this package, so the designer and the server compile
// the exported schemas exactly as the validator does.
import { Ajv } from 'ajv';
import { MAX_DURATION_LENGTH, parseIsoDuration } from './duration.ts';

const MAX_URI_LENGTH = 2048;

/** Absolute URI with a scheme. A parser, not a regex, so huge inputs cannot trigger backtracking. */
function isUri(s: string): boolean {
  return s.length <= MAX_URI_LENGTH && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && URL.canParse(s);
}

export function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true, // report every problem at once, as the designer needs
    verbose: true, // the error translator reads parentSchema to name allowed properties
    discriminator: true, // assignee and action-step unions
    strict: true,
    strictRequired: false, // `if: { required: [...] }` tests presence without redeclaring properties
    useDefaults: false, // validation never changes the document
    coerceTypes: false,
  });
  ajv.addFormat('iso-duration', {
    type: 'string',
    validate: (s: string) => s.length <= MAX_DURATION_LENGTH && parseIsoDuration(s) !== null,
  });
  ajv.addFormat('uri', { type: 'string', validate: isUri });
  return ajv;
}
