// The character-level pieces of the EWS XML tokenizer (./xml-tokenizer.ts): XML name character
// classes, the five predefined entities and character references, and the table of names
// resolved under the current namespace bindings. Kept apart so the tokenizer file is its state
// machine only.

import type { TagRun } from './xml-runs.js';

export const EMPTY_ATTRS: Readonly<Record<string, string>> = Object.freeze({});

/** A name as written and as resolved under the bindings it was read with. */
export interface QName {
  readonly qname: string;
  readonly ns: string;
  readonly local: string;
  /** Attribute names: `xmlns` or `xmlns:…` (a namespace declaration). */
  readonly declares: boolean;
  /** Hash of `qname` (see NameTable) and the bindings generation it was resolved in. */
  readonly hash: number;
  readonly generation: number;
  /** Runs of tags read while this was the innermost open element (./xml-runs.ts RunTable). */
  runs: TagRun[] | undefined;
}

/**
 * Names seen under the current namespace bindings, found by a hash computed while scanning the
 * name, so a known name costs neither a slice nor a string hash (and attribute keys are the same
 * string objects each time, which V8 looks up fastest). Open addressing, a few probes, fixed size:
 * a document with endless distinct names costs re-resolving, never memory. Entries of an older
 * bindings generation count as empty.
 */
const TABLE_SIZE = 1024;
const MAX_PROBES = 8;

export class NameTable {
  readonly #slots: (QName | undefined)[] = new Array<QName | undefined>(TABLE_SIZE).fill(undefined);

  find(buf: string, start: number, end: number, hash: number, generation: number): QName | undefined {
    const n = end - start;
    for (let p = 0; p < MAX_PROBES; p++) {
      const e = this.#slots[(hash + p) & (TABLE_SIZE - 1)];
      if (e === undefined || e.generation !== generation) return undefined;
      // (startsWith on short names measured faster than comparing characters in a loop.)
      if (e.hash === hash && e.qname.length === n && buf.slice(start, end) === e.qname) return e;
    }
    return undefined;
  }

  add(name: QName): void {
    for (let p = 0; p < MAX_PROBES; p++) {
      const slot = (name.hash + p) & (TABLE_SIZE - 1);
      const e = this.#slots[slot];
      if (e === undefined || e.generation !== name.generation) {
        this.#slots[slot] = name;
        return;
      }
    }
    this.#slots[name.hash & (TABLE_SIZE - 1)] = name;
  }
}

/**
 * The engine's canonical copy of `s` (the one a string literal of the same text is): property keys
 * are canonicalised, so this costs one lookup. Names and namespaces are resolved once and then
 * compared and looked up for every element; canonical strings make that a pointer comparison
 * instead of a character loop (slow in particular between a two-byte slice of the input and a
 * one-byte literal).
 */
export function intern(s: string): string {
  let canonical = interned.get(s);
  if (canonical === undefined) {
    const o: Record<string, true> = {};
    o[s] = true;
    canonical = Object.keys(o)[0] ?? s;
    // Every new tokenizer resolves its names again: the pool makes that a map lookup. Bounded,
    // so a document of endless distinct names costs time, never memory.
    if (interned.size >= MAX_INTERNED) interned.clear();
    interned.set(canonical, canonical);
  }
  return canonical;
}

const interned = new Map<string, string>();
const MAX_INTERNED = 4096;

// Character classes for ASCII names: 1 = may start a name, 2 = may continue one.
export const NAME_START = 1;
export const NAME_CHAR = 2;
export const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  if (letter || c === 95 /* _ */ || c === 58 /* : */) ASCII[c] = NAME_START | NAME_CHAR;
  else if ((c >= 48 && c <= 57) || c === 45 /* - */ || c === 46 /* . */) ASCII[c] = NAME_CHAR;
}

/** XML 1.0 (5th ed.) NameStartChar above ASCII; surrogates pass (a pair is an astral name char). */
export function nonAsciiNameStart(c: number): boolean {
  return (
    (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) || c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xdfff) || (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd)
  );
}

export function nonAsciiNameChar(c: number): boolean {
  return nonAsciiNameStart(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

export const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13;

/** Characters XML 1.0 forbids anywhere in a document (C0 controls but TAB/LF/CR, U+FFFE, U+FFFF). */
export const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Index of the first character FORBIDDEN matches in `text`, or -1. */
export function forbiddenAt(text: string): number {
  // The C0 controls by a regex and the two non-characters by indexOf measured 25% faster than
  // FORBIDDEN alone (a class of fewer ranges makes a tighter loop; indexOf is a memory scan).
  if (!C0.test(text) && text.indexOf('\uFFFE') < 0 && text.indexOf('\uFFFF') < 0) return -1;
  return text.search(FORBIDDEN);
}

const C0 = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
export const CRLF = /\r\n?/g;
export const ATTR_SPACE = /\r\n|[\r\n\t]/g;

/** Longest entity reference looked for before giving up on a missing `;` (leading zeros are legal). */
export const MAX_ENTITY = 40;

/** A reference expandReferences cannot expand: where it starts and why. */
export class BadReference {
  constructor(
    readonly at: number,
    readonly message: string,
  ) {}
}

/**
 * Expands entity and character references in buf[start, end) and normalises line ends; `attr`
 * applies attribute-value normalisation (each TAB, LF, CR or CRLF becomes one space). `cr`: the
 * range holds a CR; `hasAmp`: it holds a `&`. Throws BadReference.
 */
export function expandReferences(buf: string, start: number, end: number, cr: boolean, hasAmp: boolean, attr: boolean): string {
  let out = '';
  let from = start;
  for (;;) {
    // (A search past `end` stops at the next `&` of the document: each stretch is scanned once.)
    const amp = hasAmp ? buf.indexOf('&', from) : -1;
    const stop = amp < 0 || amp >= end ? end : amp;
    if (stop > from) {
      const raw = buf.slice(from, stop);
      out += attr ? raw.replace(ATTR_SPACE, ' ') : cr ? raw.replace(CRLF, '\n') : raw;
    }
    if (stop === end) return out;
    let semi = -1;
    for (let i = amp + 1; i < end && i - amp <= MAX_ENTITY; i++) {
      if (buf.charCodeAt(i) === 59 /* ; */) {
        semi = i;
        break;
      }
    }
    if (semi < 0) throw new BadReference(amp, 'an entity reference without ";"');
    const name = buf.slice(amp + 1, semi);
    const value = entity(name);
    if (value === undefined) throw new BadReference(amp, `entity "&${name.slice(0, MAX_ENTITY)};" is not allowed (only the five XML entities and character references)`);
    out += value;
    from = semi + 1;
  }
}

/** The replacement text of `&name;` (name without & and ;), or undefined when not allowed. */
export function entity(name: string): string | undefined {
  switch (name) {
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'amp':
      return '&';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
  }
  if (name.charCodeAt(0) !== 35 /* # */) return undefined;
  const hex = name.charCodeAt(1) === 120; /* x */
  const digits = name.slice(hex ? 2 : 1);
  if (!(hex ? /^[0-9A-Fa-f]{1,16}$/ : /^[0-9]{1,16}$/).test(digits)) return undefined;
  const code = Number.parseInt(digits, hex ? 16 : 10);
  const isChar =
    code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
  return isChar ? String.fromCodePoint(code) : undefined;
}
