// The simulator's own XML writer (DESIGN: the simulator shares no code with src/exchange).
// Produces single-line documents as Exchange does (EWS-NOTES §2.4) and escapes text the way
// .NET's XmlWriter does: CR becomes `&#xD;` so CRLF bodies survive (EWS-NOTES §2.5).

const TEXT_RE = /[&<>\r]/g;
const ATTR_RE = /[&<>"\r\n\t]/g;
const TEXT_MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTR_MAP: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#xD;', '\n': '&#xA;', '\t': '&#x9;',
};
// Characters XML 1.0 cannot carry at all; .NET would throw, we drop them so a test mailbox with
// odd data never produces a document a client cannot parse.
// eslint-disable-next-line no-control-regex
const INVALID_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

// Most values need no escaping at all: one test keeps 1,000-item responses cheap.
// eslint-disable-next-line no-control-regex
const NEEDS_TEXT = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const NEEDS_ATTR = /[&<>"\r\n\t\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function escapeText(value: string): string {
  if (!NEEDS_TEXT.test(value)) return value;
  return value.replace(INVALID_RE, '').replace(TEXT_RE, (c) => TEXT_MAP[c] ?? c);
}

export function escapeAttr(value: string): string {
  if (!NEEDS_ATTR.test(value)) return value;
  return value.replace(INVALID_RE, '').replace(ATTR_RE, (c) => ATTR_MAP[c] ?? c);
}

export type Attrs = Record<string, string | number | boolean | undefined>;

/**
 * Append-only builder: element names are trusted (our own constants), values are escaped. One
 * growing string rather than an array of parts: V8 concatenates into a rope that is flattened
 * once, when the response is encoded, instead of a join per item writer and another per envelope.
 */
export class XmlWriter {
  private out = '';

  raw(xml: string): this {
    this.out += xml;
    return this;
  }

  open(name: string, attrs?: Attrs): this {
    this.out += attrs ? `<${name}${attrString(attrs)}>` : `<${name}>`;
    return this;
  }

  close(name: string): this {
    this.out += `</${name}>`;
    return this;
  }

  empty(name: string, attrs?: Attrs): this {
    this.out += attrs ? `<${name}${attrString(attrs)}/>` : `<${name}/>`;
    return this;
  }

  /** `<name>text</name>`; an empty string gives `<name/>` as .NET does. */
  text(name: string, value: string | number | boolean, attrs?: Attrs): this {
    const s = String(value);
    if (s === '') return this.empty(name, attrs);
    this.out += `<${name}${attrString(attrs)}>${escapeText(s)}</${name}>`;
    return this;
  }

  /** Element only when the value is defined. */
  opt(name: string, value: string | number | boolean | undefined | null): this {
    if (value === undefined || value === null) return this;
    return this.text(name, value);
  }

  toString(): string {
    return this.out;
  }
}

function attrString(attrs: Attrs | undefined): string {
  if (!attrs) return '';
  let s = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    s += ` ${k}="${escapeAttr(String(v))}"`;
  }
  return s;
}
