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
  const at = new Cursor(value);
  let current: RawChallenge | undefined;
  while (!at.done()) {
    at.skip(/[ \t,]/);
    if (at.done()) break;
    const token = at.token();
    if (!token) fail(`unexpected character at ${at.i}`);
    const afterToken = at.i;
    at.skip(OWS);
    if (at.is('=')) {
      // An auth-param of the current challenge.
      if (!current) fail('an auth-param before any scheme');
      at.i += 1;
      at.skip(OWS);
      const quoted = at.is('"');
      const paramValue = quoted ? at.quoted() : at.token();
      if (paramValue === '' && !quoted) fail(`auth-param ${token} has no value`);
      addParam(current, token.toLowerCase(), paramValue);
    } else {
      // A new challenge: `token` is its scheme.
      if (afterToken === at.i && !at.done() && !at.is(',')) fail(`no space after scheme ${token}`);
      current = { scheme: token, params: Object.create(null) as Record<string, string> };
      challenges.push(current);
      if (challenges.length > MAX_CHALLENGES) fail(`more than ${MAX_CHALLENGES} challenges`);
      const token68 = at.token68();
      if (token68 === undefined) continue; // its auth-params follow
      current.token68 = token68;
    }
    at.skip(OWS);
    if (!at.done() && !at.is(',')) fail(`unexpected character at ${at.i}`);
  }
  return challenges;
}

/** A read position in one header value. */
class Cursor {
  i = 0;

  constructor(private readonly value: string) {}

  done(): boolean {
    return this.i >= this.value.length;
  }

  is(ch: string): boolean {
    return this.value[this.i] === ch;
  }

  skip(pattern: RegExp): void {
    while (this.i < this.value.length && pattern.test(this.value[this.i]!)) this.i += 1;
  }

  token(): string {
    const start = this.i;
    this.skip(TCHAR);
    return this.value.slice(start, this.i);
  }

  /** A token68 right after the scheme, when what follows is one (ends at a comma or the end). */
  token68(): string | undefined {
    const start = this.i;
    this.skip(TOKEN68_CHAR);
    if (this.i === start) return undefined;
    while (this.is('=')) this.i += 1;
    const end = this.i;
    this.skip(OWS);
    if (this.done() || this.is(',')) return this.value.slice(start, end);
    this.i = start; // an auth-param list, read by the main loop
    return undefined;
  }

  /** A quoted-string, unescaped; `\uXXXX` is read as mppx writes characters above U+00FF. */
  quoted(): string {
    const value = this.value;
    this.i += 1; // opening quote
    let out = '';
    while (this.i < value.length) {
      const ch = value[this.i]!;
      this.i += 1;
      if (ch === '"') return out;
      if (ch === '\\') out += this.#escaped();
      else {
        if ((ch < ' ' && ch !== '\t') || ch === '\x7f') fail('a control character in a quoted value');
        out += ch;
      }
      if (out.length > MAX_PARAM_VALUE_BYTES) fail(`a value larger than ${MAX_PARAM_VALUE_BYTES} bytes`);
    }
    return fail('an unterminated quoted value');
  }

  #escaped(): string {
    const next = this.value[this.i];
    if (next === undefined) return fail('an unterminated quoted value');
    const hex = next === 'u' ? this.value.slice(this.i + 1, this.i + 5) : '';
    if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
      this.i += 5;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    if (next < ' ' && next !== '\t') fail('a control character in a quoted value');
    this.i += 1;
    return next;
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
