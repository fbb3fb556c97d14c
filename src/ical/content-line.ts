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
const TEXT_SPECIAL = /[\\;,\r\n\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Control characters are removed and CRLF, CR or LF become `\n`, as if the controls went first
 * (so CR, removed controls, LF is still one line break). One scan: the global regex's test()
 * steps from one special character to the next without allocating match objects.
 */
export function escapeText(value: string): string {
  const special = TEXT_SPECIAL;
  special.lastIndex = 0;
  if (!special.test(value)) return value;
  let out = '';
  let from = 0;
  do {
    const i = special.lastIndex - 1;
    const c = value.charCodeAt(i);
    let rep = '';
    if (c === 0x5c) rep = '\\\\';
    else if (c === 0x3b) rep = '\\;';
    else if (c === 0x2c) rep = '\\,';
    else if (c === 0x0a) rep = '\\n';
    else if (c === 0x0d) {
      rep = '\\n';
      let j = i + 1;
      while (j < value.length && isControl(value.charCodeAt(j))) j++;
      if (value.charCodeAt(j) === 0x0a) {
        out += value.slice(from, i) + rep;
        from = j + 1;
        special.lastIndex = j + 1;
        continue;
      }
    }
    out += value.slice(from, i) + rep;
    from = i + 1;
  } while (special.test(value));
  return out + value.slice(from);
}

/** CONTROL as a predicate: C0 controls other than TAB, LF, CR, and DEL. */
function isControl(c: number): boolean {
  return c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0d : c === 0x7f;
}

/**
 * A parameter value (RFC 5545 §3.2): DQUOTE cannot be represented (RFC 6868 caret encoding is
 * not understood by every client), so it becomes an apostrophe; line breaks become spaces; a
 * value with `:`, `;` or `,` is quoted (`CN="Doe, Jane"`).
 */
const PARAM_PLAIN = /^[^":;,\u0000-\u001f\u007f]*$/;

/** Characters paramValue has to change (not merely quote around). */
const PARAM_CHANGED = /["\u0000-\u001f\u007f]/;

export function paramValue(value: string): string {
  if (PARAM_PLAIN.test(value)) return value;
  // Only `:`, `;` or `,` (a CN like "Doe, Jane"): quoting is all there is to do.
  if (!PARAM_CHANGED.test(value)) return `"${value}"`;
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
  const n = line.length;
  // ≤ 25 UTF-16 units are ≤ 75 octets whatever they hold; longer lines need the ASCII check.
  if (n <= 25) return line + CRLF;
  const octets = utf8Length(line);
  // Fast path: one octet per character.
  if (octets === n) return n <= MAX_OCTETS ? line + CRLF : foldAscii(line);
  // Most non-ASCII lines (a summary with an umlaut or an emoji) still fit.
  if (octets <= MAX_OCTETS) return line + CRLF;
  let out = '';
  let start = 0;
  let limit = MAX_OCTETS;
  while (start < n) {
    // A long HTML body is mostly ASCII: a chunk of `limit` ASCII characters is exactly what the
    // walk below would take, so only chunks holding something else are walked.
    const end = Math.min(n, start + limit);
    const chunk = line.slice(start, end);
    let cut = end;
    if (utf8Length(chunk) !== chunk.length) {
      let size = 0;
      cut = start;
      while (cut < n) {
        const cp = line.codePointAt(cut)!;
        const octetsHere = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (size + octetsHere > limit) break;
        size += octetsHere;
        cut += cp > 0xffff ? 2 : 1;
      }
    }
    if (cut >= n) return out + line.slice(start) + CRLF;
    out += line.slice(start, cut) + CRLF + ' ';
    start = cut;
    limit = MAX_OCTETS - 1; // the leading space counts
  }
  return out + CRLF;
}

/**
 * UTF-8 octets of a string as fold() counts them: a lone surrogate as the 3 octets of U+FFFD,
 * which is also how Buffer encodes it. Native, and much faster than a regex or a loop over a
 * long value; equal to the length exactly when the string is ASCII.
 */
function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** `;KEY=value` for a parameter, or '' when there is no value. */
export function param(key: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : `;${key}=${paramValue(value)}`;
}

/** A property's parameters in emission order; undefined values are dropped, a list is multi-valued (§3.2). */
export type Params = ReadonlyArray<readonly [string, string | readonly string[] | undefined]>;

/**
 * fold(`${head}:${value}`), without building the line first when it needs no folding: a regex
 * over a freshly concatenated string flattens it, and that was most of what fold() cost.
 * `ascii`: the caller knows both parts are ASCII.
 */
export function foldProperty(head: string, value: string, ascii = false): string {
  const n = head.length + 1 + value.length;
  if (n <= 25) return head + ':' + value + CRLF;
  if (ascii) return n <= MAX_OCTETS ? head + ':' + value + CRLF : foldAsciiParts(head + ':', value);
  return isAscii(head) ? foldAsciiHead(head, value) : fold(`${head}:${value}`);
}

/** foldProperty() for an ASCII head (a property name, or one with ASCII parameters). */
function foldAsciiHead(head: string, value: string): string {
  const n = head.length + 1 + value.length;
  const octets = utf8Length(value);
  if (octets === value.length) return n <= MAX_OCTETS ? head + ':' + value + CRLF : foldAsciiParts(head + ':', value);
  // Most non-ASCII values (a summary with an umlaut or an emoji) still fit.
  if (head.length + 1 + octets <= MAX_OCTETS) return head + ':' + value + CRLF;
  return fold(`${head}:${value}`);
}

function foldAscii(line: string): string {
  let out = line.slice(0, MAX_OCTETS);
  for (let i = MAX_OCTETS; i < line.length; i += MAX_OCTETS - 1) out += CRLF + ' ' + line.slice(i, i + MAX_OCTETS - 1);
  return out + CRLF;
}

/** foldAscii(head + value), slicing a long value where it is instead of copying it into a line first. */
function foldAsciiParts(head: string, value: string): string {
  if (head.length > MAX_OCTETS) return foldAscii(head + value);
  const first = MAX_OCTETS - head.length;
  let out = head + value.slice(0, first);
  for (let i = first; i < value.length; i += MAX_OCTETS - 1) out += CRLF + ' ' + value.slice(i, i + MAX_OCTETS - 1);
  return out + CRLF;
}

export function isAscii(value: string): boolean {
  return utf8Length(value) === value.length;
}

const NOT_BLANK = /\S/;

/** Collects folded content lines of one iCalendar stream. Property names are ASCII (RFC 5545 §3.1 name). */
export class LineWriter {
  // Appending to one string is cheaper than an array join here (V8 builds ropes).
  private out = '';

  /** A property with an already encoded value; empty values are omitted (no empty properties). */
  raw(name: string, value: string | undefined, params?: Params): void {
    if (value === undefined || value === '') return;
    if (params === undefined) {
      this.out += value.length <= 24 - name.length ? name + ':' + value + CRLF : foldAsciiHead(name, value);
      return;
    }
    let line = name;
    for (const [key, v] of params) {
      if (v === undefined || v.length === 0) continue;
      line += `;${key}=${typeof v === 'string' ? paramValue(v) : v.map(paramValue).join(',')}`;
    }
    this.out += foldProperty(line, value);
  }

  /** raw() for a value known to be ASCII (an enumerated value, a number, a URI). */
  ascii(name: string, value: string | undefined): void {
    if (value === undefined || value === '') return;
    this.out += foldProperty(name, value, true);
  }

  /** A property whose name and parameters are already encoded (`DTSTART;TZID=Europe/Berlin`). */
  line(nameAndParams: string, value: string, ascii = false): void {
    this.out += foldProperty(nameAndParams, value, ascii);
  }

  /** A TEXT property (escaped); whitespace-only values are omitted. */
  text(name: string, value: string | undefined, params?: Params): void {
    if (value === undefined || !NOT_BLANK.test(value)) return;
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
