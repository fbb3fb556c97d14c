// Building request XML as strings. Every value goes through these escapers; nothing else in
// src/exchange concatenates user data into XML.

// XML 1.0 §2.2: these code points cannot appear in a document at all, even escaped; Exchange
// answers ErrorSchemaValidation for them, so they are dropped rather than sent.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTR_ESCAPES: Readonly<Record<string, string>> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  // Attribute-value normalisation (XML 1.0 §3.3.3) would turn raw whitespace into spaces.
  '\n': '&#xA;',
  '\t': '&#x9;',
};

/** Escape character data. CR is written as &#xD; so CRLF survives the parser's line-end normalisation. */
export function escapeText(value: string): string {
  return value.replace(INVALID_XML_CHARS, '').replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]!);
}

export function escapeAttr(value: string): string {
  return value.replace(INVALID_XML_CHARS, '').replace(/[&<>"'\r\n\t]/g, (c) => ATTR_ESCAPES[c]!);
}

export type AttrValue = string | number | boolean | undefined;

/**
 * One element. `children` are already-serialised XML strings (from other `el` calls); plain text
 * must go through `text()`. Undefined attributes are left out.
 */
export function el(qname: string, attrs?: Readonly<Record<string, AttrValue>>, ...children: (string | undefined | false)[]): string {
  let open = `<${qname}`;
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value !== undefined) open += ` ${name}="${escapeAttr(String(value))}"`;
    }
  }
  const body = children.filter((c): c is string => typeof c === 'string').join('');
  return body === '' ? `${open}/>` : `${open}>${body}</${qname}>`;
}

/** An element holding only text. */
export function textEl(qname: string, value: string | number | boolean): string {
  return `<${qname}>${escapeText(String(value))}</${qname}>`;
}
