import { InvalidPaymentDataError } from '../errors/invalid-payment-required-error.js';
import { MAX_CHALLENGES, MAX_MPP_HEADER_BYTES, MAX_PARAM_VALUE_BYTES, MAX_PARAMS_PER_CHALLENGE } from './limits.js';

// A strict reader of an HTTP authentication challenge list (RFC 9110 section 11.6.1):
//   challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param = token BWS "=" BWS ( token / quoted-string )
// several challenges separated by commas. Quoted values may hold commas and escaped quotes.

/** One challenge as written: its scheme, and either a token68 or its auth-params (names lower-cased). */
export interface RawChallenge {
  scheme: string;
  token68?: string | undefined;
  params: Record<string, string>;
  /** Why the challenge cannot be used although the header as a whole was readable (e.g. a duplicate param). */
  defect?: string | undefined;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;
const OWS = /[ \t]/;
const SOURCE = 'WWW-Authenticate header';

/** Parses every challenge of a `WWW-Authenticate` value. Throws a typed error on broken syntax. */
export function parseChallengeList(value: string): RawChallenge[] {
  if (value.length > MAX_MPP_HEADER_BYTES) fail(`larger than ${MAX_MPP_HEADER_BYTES} bytes`);
  const challenges: RawChallenge[] = [];
  let current: RawChallenge | undefined;
  let i = 0;
  const skip = (pattern: RegExp) => {
    while (i < value.length && pattern.test(value[i]!)) i += 1;
  };
  const readToken = () => {
    const start = i;
    skip(TCHAR);
    return value.slice(start, i);
  };

  while (i < value.length) {
    skip(/[ \t,]/);
    if (i >= value.length) break;
    const token = readToken();
    if (!token) fail(`unexpected character at ${i}`);
    const afterToken = i;
    skip(OWS);
    if (value[i] === '=' && current) {
      // An auth-param of the current challenge.
      i += 1;
      skip(OWS);
      const paramValue = value[i] === '"' ? readQuoted() : readToken();
      if (paramValue === '' && value[i - 1] !== '"') fail(`auth-param ${token} has no value`);
      addParam(current, token.toLowerCase(), paramValue);
    } else if (value[i] === '=' && !current) {
      fail('an auth-param before any scheme');
    } else {
      // A new challenge: `token` is its scheme.
      if (afterToken === i && i < value.length && value[i] !== ',') fail(`no space after scheme ${token}`);
      current = { scheme: token, params: Object.create(null) as Record<string, string> };
      challenges.push(current);
      if (challenges.length > MAX_CHALLENGES) fail(`more than ${MAX_CHALLENGES} challenges`);
      const token68 = tryToken68();
      if (token68 === undefined) continue; // its auth-params follow
      current.token68 = token68;
    }
    skip(OWS);
    if (i < value.length && value[i] !== ',') fail(`unexpected character at ${i}`);
  }
  return challenges;

  /** A token68 right after the scheme, when what follows is one (ends at a comma or the end). */
  function tryToken68(): string | undefined {
    const start = i;
    skip(TOKEN68_CHAR);
    if (i === start) return undefined;
    while (value[i] === '=') i += 1;
    const end = i;
    skip(OWS);
    if (i >= value.length || value[i] === ',') return value.slice(start, end);
    i = start; // an auth-param list, read by the main loop
    return undefined;
  }

  /** A quoted-string, unescaped; `\uXXXX` is read as mppx writes characters above U+00FF. */
  function readQuoted(): string {
    i += 1; // opening quote
    let out = '';
    while (i < value.length) {
      const ch = value[i]!;
      i += 1;
      if (ch === '"') return out;
      if (ch === '\\') {
        const next = value[i];
        if (next === undefined) break;
        const hex = next === 'u' ? value.slice(i + 1, i + 5) : '';
        if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 5;
        } else {
          if (next < ' ' && next !== '\t') fail('a control character in a quoted value');
          out += next;
          i += 1;
        }
      } else {
        if ((ch < ' ' && ch !== '\t') || ch === '\x7f') fail('a control character in a quoted value');
        out += ch;
      }
      if (out.length > MAX_PARAM_VALUE_BYTES) fail(`a value larger than ${MAX_PARAM_VALUE_BYTES} bytes`);
    }
    return fail('an unterminated quoted value');
  }
}

function addParam(challenge: RawChallenge, name: string, value: string): void {
  if (challenge.token68 !== undefined) fail(`scheme ${challenge.scheme} has both a token68 and auth-params`);
  if (value.length > MAX_PARAM_VALUE_BYTES) fail(`a value larger than ${MAX_PARAM_VALUE_BYTES} bytes`);
  if (Object.keys(challenge.params).length >= MAX_PARAMS_PER_CHALLENGE) fail(`more than ${MAX_PARAMS_PER_CHALLENGE} auth-params in one challenge`);
  if (name in challenge.params) challenge.defect ??= `duplicate parameter ${name}`;
  else challenge.params[name] = value;
}

function fail(reason: string): never {
  throw new InvalidPaymentDataError({ source: SOURCE, reason });
}
