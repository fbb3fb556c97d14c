// HTML body → readable plain text for DESCRIPTION (EWS-NOTES §6.3: Exchange often has only an
// HTML body). A small tokenizer, not a DOM: Outlook's HTML is regular enough, and the result only
// has to read well — the HTML itself travels in X-ALT-DESC.

import { decodeEntities, isLetter, tidy } from './html-chars.js';

export { decodeEntities };

const BLOCK = [
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'html',
  'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'tfoot', 'thead', 'tr', 'ul',
];
/** Elements whose content is never shown. */
const HIDDEN = ['script', 'style', 'head', 'title', 'template', 'noscript', 'xml'];

const enum Tag {
  Hidden,
  Br,
  Li,
  /** p, h1–h6: a blank line. */
  Paragraph,
  Cell,
  Img,
  A,
  Pre,
  Block,
}

interface KnownTag {
  readonly name: string;
  readonly kind: Tag;
}

const TAG_SLOTS = 256;

/**
 * What each element does; the first rule that names it wins (hidden, then the special cases,
 * then blocks). A small hash table indexed by nameHashStep()'s hash, so a tag is looked up
 * without slicing and lower-casing its name.
 */
const TAGS: readonly (readonly KnownTag[] | undefined)[] = (() => {
  const slots: KnownTag[][] = [];
  const add = (names: readonly string[], kind: Tag): void => {
    for (const name of names) {
      let h = 0;
      for (let i = 0; i < name.length; i++) h = nameHashStep(h, name.charCodeAt(i));
      const slot = (slots[h % TAG_SLOTS] ??= []);
      if (!slot.some((t) => t.name === name)) slot.push({ name, kind });
    }
  };
  add(HIDDEN, Tag.Hidden);
  add(['br'], Tag.Br);
  add(['li'], Tag.Li);
  add(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'], Tag.Paragraph);
  add(['td', 'th'], Tag.Cell);
  add(['img'], Tag.Img);
  add(['a'], Tag.A);
  add(['pre'], Tag.Pre);
  add(BLOCK, Tag.Block);
  return Array.from({ length: TAG_SLOTS }, (_, i) => slots[i]);
})();

/**
 * One step of a hash over an element name, lower-cased: `| 0x20` lower-cases A–Z and leaves
 * the other name characters (a–z, 0–9, ':', '-') as they are. Kept a small integer for Map keys.
 */
function nameHashStep(h: number, c: number): number {
  return (Math.imul(h, 31) + (c | 0x20)) & 0x3fffffff;
}

/** The kind of the element named html[from, to) (any case), found without slicing the name out. */
function tagKind(html: string, from: number, to: number, hash: number): Tag | undefined {
  const candidates = TAGS[hash % TAG_SLOTS];
  if (candidates === undefined) return undefined;
  for (let i = 0; i < candidates.length; i++) {
    const { name, kind } = candidates[i]!;
    if (name.length !== to - from) continue;
    let k = 0;
    while (k < name.length && (html.charCodeAt(from + k) | 0x20) === name.charCodeAt(k)) k++;
    if (k === name.length) return kind;
  }
  return undefined;
}

const ATTR_RE = new Map<string, RegExp>();

function attr(attrs: string, name: string): string | undefined {
  let re = ATTR_RE.get(name);
  if (!re) {
    re = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i');
    ATTR_RE.set(name, re);
  }
  const m = re.exec(attrs);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3] ?? '') : undefined;
}

/**
 * Block elements and `<br>` become line breaks, list items "- ", links "text (url)", entities
 * are decoded, scripts/styles dropped and runs of whitespace collapsed (except inside `<pre>`).
 */
export function htmlToText(html: string): string {
  // Master and overrides of a series usually share one body.
  if (html === lastHtml) return lastText;
  const text = new HtmlText(html).run();
  lastHtml = html;
  lastText = text;
  return text;
}

let lastHtml: string | undefined;
let lastText = '';

/** True when collapsing whitespace runs to one space changes the text. */
const COLLAPSIBLE = /[^\S ]| {2}/;
const NOT_BLANK = /\S/;
const LINK_SCHEME = /^(https?|mailto|tel):/i;

/**
 * One pass over the HTML, in the tokens of the former regex
 *   [^<]+ | <\/?(name)(attrs)> | <!--…--> | <![CDATA[…]]> | <!…> | <?…?> | <
 * (attrs: unquoted runs without '>', or quoted strings, which may hold '>'). That regex took
 * exponential time on a tag that never closes (`a <b and c` in a text body); here every search
 * either consumes what it scanned or, after one failed tag, reads a table built in linear time.
 */
class HtmlText {
  private out = '';
  /** Whether anything was written yet: a pending break before the first text is dropped. */
  private started = false;
  private hidden = 0;
  private pre = 0;
  private readonly links: (string | undefined)[] = [];
  private linkText = '';
  /** Block boundaries ask for "at least n line breaks here", so nested blocks do not pile up. */
  private pendingBreaks = 0;
  /** After a tag failed to close: for each position, where an unquoted attribute scan from there ends (-1: never). */
  private tagEnds: Int32Array | undefined;
  private finders: Map<string, number> | undefined;
  private nextDouble = -1;
  private nextSingle = -1;

  constructor(private readonly html: string) {}

  run(): string {
    const html = this.html;
    const n = html.length;
    let i = 0;
    while (i < n) {
      if (html.charCodeAt(i) !== 0x3c) {
        let lt = html.indexOf('<', i);
        if (lt < 0) lt = n;
        if (this.hidden === 0) this.text(html.slice(i, lt));
        i = lt;
        continue;
      }
      const next = this.markup(i);
      if (next < 0) {
        // A lone '<' is text.
        if (this.hidden === 0) this.emit('<');
        i++;
      } else i = next;
    }
    return tidy(this.out);
  }

  /** The markup token at `i` (a '<'): handled, and the index after it; -1 when it is a lone '<'. */
  private markup(i: number): number {
    const html = this.html;
    const closing = html.charCodeAt(i + 1) === 0x2f;
    const nameStart = closing ? i + 2 : i + 1;
    if (isLetter(html.charCodeAt(nameStart))) {
      let nameEnd = nameStart + 1;
      let hash = nameHashStep(0, html.charCodeAt(nameStart));
      while (nameEnd < html.length) {
        const c = html.charCodeAt(nameEnd);
        if (!isNameChar(c)) break;
        hash = nameHashStep(hash, c);
        nameEnd++;
      }
      const gt = this.attrsEnd(nameEnd);
      if (gt >= 0) {
        this.tag(tagKind(html, nameStart, nameEnd, hash), closing, nameEnd, gt);
        return gt + 1;
      }
      return -1;
    }
    // Comments, CDATA, declarations and processing instructions are never shown.
    if (html.startsWith('<!--', i)) {
      const end = this.find('-->', i + 4);
      if (end >= 0) return end + 3;
    }
    if (html.startsWith('<![CDATA[', i)) {
      const end = this.find(']]>', i + 9);
      if (end >= 0) return end + 3;
    }
    const c = html.charCodeAt(i + 1);
    if (c === 0x21) {
      const end = this.find('>', i + 2);
      if (end >= 0) return end + 1;
    } else if (c === 0x3f) {
      const end = this.find('?>', i + 2);
      if (end >= 0) return end + 2;
    }
    return -1;
  }

  /** The '>' ending a tag's attributes that start at `from` (quoted values may hold '>'), or -1. */
  private attrsEnd(from: number): number {
    if (this.tagEnds) return this.tagEnds[from]!;
    const html = this.html;
    // Usually no quote comes before the next '>'.
    const gt = html.indexOf('>', from);
    if (gt >= 0 && this.quoteAfter(from, 0x22) > gt && this.quoteAfter(from, 0x27) > gt) return gt;
    for (let k = from; k < html.length; k++) {
      const c = html.charCodeAt(k);
      if (c === 0x3e) return k;
      if (c === 0x22 || c === 0x27) {
        const close = html.indexOf(c === 0x22 ? '"' : "'", k + 1);
        if (close < 0) break;
        k = close;
      }
    }
    // Later tags would scan the same unclosed tail again: tabulate every start once instead.
    this.tagEnds = tagEndTable(html);
    return -1;
  }

  /**
   * The first `"` (0x22) or `'` (0x27) at or after `from`, or Infinity. Tags are read left to
   * right, so each answer holds until passed; a document without quotes is searched once.
   */
  private quoteAfter(from: number, quote: 0x22 | 0x27): number {
    let at = quote === 0x22 ? this.nextDouble : this.nextSingle;
    if (at < from) {
      const found = this.html.indexOf(quote === 0x22 ? '"' : "'", from);
      at = found < 0 ? Infinity : found;
      if (quote === 0x22) this.nextDouble = at;
      else this.nextSingle = at;
    }
    return at;
  }

  /**
   * indexOf(pattern, from) for the searches that do not consume what they scan (a `<!--` that
   * never closes). Their starts only grow, so the last answer stays right until passed.
   */
  private find(pattern: string, from: number): number {
    this.finders ??= new Map();
    const known = this.finders.get(pattern);
    if (known !== undefined && (known === -1 || known >= from)) return known;
    const at = this.html.indexOf(pattern, from);
    this.finders.set(pattern, at);
    return at;
  }

  private text(raw: string): void {
    const text = decodeEntities(raw);
    if (this.pre > 0) {
      this.emit(text.includes('\r') || text.includes('\n') ? text.replace(/\r\n?/g, '\n').replace(/\n/g, '\u0000') : text);
      return;
    }
    const collapsed = COLLAPSIBLE.test(text) ? text.replace(/[\s]+/g, ' ') : text;
    // Collapsed text is blank only as '' or ' '.
    this.write(collapsed, collapsed !== '' && collapsed !== ' ');
  }

  private emit(s: string): void {
    this.write(s, this.pre > 0 || notBlank(s));
  }

  private write(s: string, flush: boolean): void {
    if (flush || this.pre > 0) this.flushBreaks();
    this.out += s;
    this.started = true;
    if (this.links.length > 0) this.linkText += s;
  }

  private push(s: string): void {
    this.out += s;
    this.started = true;
  }

  private newline(n: number): void {
    if (n > this.pendingBreaks) this.pendingBreaks = n;
  }

  private flushBreaks(): void {
    if (this.pendingBreaks > 0 && this.started) this.push(this.pendingBreaks === 1 ? '\n' : '\n'.repeat(this.pendingBreaks));
    this.pendingBreaks = 0;
  }

  /** A tag (kind undefined: an element without effect); its attributes are html[attrsFrom, attrsTo). */
  private tag(kind: Tag | undefined, closing: boolean, attrsFrom: number, attrsTo: number): void {
    if (kind === Tag.Hidden) {
      // `<style/>` opens nothing.
      if (this.html.charCodeAt(attrsTo - 1) !== 0x2f) this.hidden = Math.max(0, this.hidden + (closing ? -1 : 1));
      return;
    }
    if (this.hidden > 0 || kind === undefined) return;
    switch (kind) {
      case Tag.Br:
        // <br> always breaks, even twice in a row.
        this.flushBreaks();
        this.push('\n');
        return;
      case Tag.Li:
        if (!closing) {
          this.newline(1);
          this.flushBreaks();
          this.push('- ');
        }
        return;
      case Tag.Paragraph:
        this.newline(2);
        return;
      case Tag.Cell:
        if (closing) this.push('\t');
        return;
      case Tag.Img:
        if (!closing) {
          const alt = attr(this.html.slice(attrsFrom, attrsTo), 'alt');
          if (alt) this.emit(alt);
        }
        return;
      case Tag.A:
        if (!closing) {
          this.links.push(attr(this.html.slice(attrsFrom, attrsTo), 'href'));
          this.linkText = '';
        } else if (this.links.length > 0) {
          const href = this.links.pop();
          const shown = this.linkText.trim();
          if (href && LINK_SCHEME.test(href) && href !== shown && `mailto:${shown}` !== href) this.emit(shown ? ` (${href})` : href);
        }
        return;
      case Tag.Pre:
        this.pre = Math.max(0, this.pre + (closing ? -1 : 1));
        this.newline(1);
        return;
      case Tag.Block:
        this.newline(1);
        return;
    }
  }
}

/** s.trim() !== '': decided by the first characters when they are plain ASCII. */
function notBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) return true;
    if (c !== 0x20) break;
  }
  return NOT_BLANK.test(s);
}

function isNameChar(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x3a) || c === 0x2d;
}

/**
 * For every index, where an attribute scan starting there (outside quotes) meets its '>', or -1
 * when it meets an unclosed quote or the end first. Built right to left in linear time.
 */
function tagEndTable(html: string): Int32Array {
  const n = html.length;
  const ends = new Int32Array(n + 1);
  ends[n] = -1;
  let nextDouble = -1;
  let nextSingle = -1;
  for (let k = n - 1; k >= 0; k--) {
    const c = html.charCodeAt(k);
    if (c === 0x3e) ends[k] = k;
    else if (c === 0x22) {
      ends[k] = nextDouble < 0 ? -1 : ends[nextDouble + 1]!;
      nextDouble = k;
    } else if (c === 0x27) {
      ends[k] = nextSingle < 0 ? -1 : ends[nextSingle + 1]!;
      nextSingle = k;
    } else ends[k] = ends[k + 1]!;
  }
  return ends;
}
