// iCalendar content lines (RFC 5545 §3.1–§3.3): TEXT escaping, parameter quoting, folding at 75
// octets and CRLF. Everything the renderer writes goes through here, so strict parsers
// (ical.js, libical, Apple's, Outlook's) see one consistent encoding.

const CRLF = '\r\n';

// RFC 5545 §3.1: "Lines of text SHOULD NOT be longer than 75 octets, excluding the line break."
const MAX_OCTETS = 75;

/** Control characters other than TAB, CR and LF are not allowed in TEXT or parameter values (§3.3.11, §3.1). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks. */
const TEXT_SPECIAL = /[\\;,\r\n\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function escapeText(value: string): string {
  if (!TEXT_SPECIAL.test(value)) return value;
  return value
    .replace(CONTROL, '')
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * A parameter value (RFC 5545 §3.2): DQUOTE cannot be represented (RFC 6868 caret encoding is
 * not understood by every client), so it becomes an apostrophe; line breaks become spaces; a
 * value with `:`, `;` or `,` is quoted (`CN="Doe, Jane"`).
 */
const PARAM_PLAIN = /^[^":;,\u0000-\u001f\u007f]*$/;

export function paramValue(value: string): string {
  if (PARAM_PLAIN.test(value)) return value;
  const clean = value.replace(/\r\n|\r|\n/g, ' ').replace(CONTROL, '').replace(/"/g, "'");
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/**
 * A URI value: characters outside RFC 3986 become %XX (UTF-8), so no escaping question arises
 * and a `mailto:` with a space, quote or non-ASCII character stays one valid URI.
 */
export function uriValue(uri: string): string {
  return percentEncode(uri.trim().replace(CONTROL, ''), /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/gu);
}

/** `mailto:` URI of an address (RFC 6068): only unreserved characters, `@` and a few sub-delims stay literal. */
const MAILTO_PLAIN = /^[A-Za-z0-9\-._~!$&'*+=@]+$/;

export function mailtoUri(email: string): string {
  if (MAILTO_PLAIN.test(email)) return `mailto:${email}`;
  const addr = email.trim().replace(/^mailto:/i, '').replace(CONTROL, '');
  return 'mailto:' + percentEncode(addr, /[^A-Za-z0-9\-._~!$&'*+=@]/gu);
}

function percentEncode(value: string, unsafe: RegExp): string {
  return value.replace(unsafe, (ch) =>
    [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * Fold one unfolded line (RFC 5545 §3.1): at most 75 octets per physical line, continuation
 * lines start with one space, and a UTF-8 sequence (a code point) is never split.
 */
export function fold(line: string): string {
  // ≤ 25 UTF-16 units are ≤ 75 octets whatever they hold; longer lines need the ASCII check.
  if (line.length <= 25) return line + CRLF;
  if (!NON_ASCII.test(line)) {
    // Fast path: one octet per character.
    if (line.length <= MAX_OCTETS) return line + CRLF;
    let out = line.slice(0, MAX_OCTETS);
    for (let i = MAX_OCTETS; i < line.length; i += MAX_OCTETS - 1) out += CRLF + ' ' + line.slice(i, i + MAX_OCTETS - 1);
    return out + CRLF;
  }
  let out = '';
  let start = 0;
  let octets = 0;
  let limit = MAX_OCTETS;
  for (let i = 0; i < line.length; ) {
    const cp = line.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (octets + size > limit) {
      out += line.slice(start, i) + CRLF + ' ';
      start = i;
      octets = 0;
      limit = MAX_OCTETS - 1; // the leading space counts
    }
    octets += size;
    i += units;
  }
  return out + line.slice(start) + CRLF;
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** `;KEY=value` for a parameter, or '' when there is no value. */
export function param(key: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : `;${key}=${paramValue(value)}`;
}

/** A property's parameters in emission order; undefined values are dropped, a list is multi-valued (§3.2). */
export type Params = ReadonlyArray<readonly [string, string | readonly string[] | undefined]>;

/** Collects folded content lines of one iCalendar stream. */
export class LineWriter {
  // Appending to one string is cheaper than an array join here (V8 builds ropes).
  private out = '';

  /** A property with an already encoded value; empty values are omitted (no empty properties). */
  raw(name: string, value: string | undefined, params?: Params): void {
    if (value === undefined || value === '') return;
    let line = name;
    if (params) {
      for (const [key, v] of params) {
        if (v === undefined || v.length === 0) continue;
        line += `;${key}=${typeof v === 'string' ? paramValue(v) : v.map(paramValue).join(',')}`;
      }
    }
    this.out += fold(`${line}:${value}`);
  }

  /** A property whose name and parameters are already encoded (`DTSTART;TZID=Europe/Berlin`). */
  line(nameAndParams: string, value: string): void {
    this.out += fold(`${nameAndParams}:${value}`);
  }

  /** A TEXT property (escaped); whitespace-only values are omitted. */
  text(name: string, value: string | undefined, params?: Params): void {
    if (value === undefined || !/\S/.test(value)) return;
    this.raw(name, escapeText(value), params);
  }

  begin(component: string): void {
    this.out += `BEGIN:${component}${CRLF}`;
  }

  end(component: string): void {
    this.out += `END:${component}${CRLF}`;
  }

  /** Pre-rendered, already folded lines (a cached VTIMEZONE). */
  block(text: string): void {
    this.out += text;
  }

  toString(): string {
    return this.out;
  }
}
