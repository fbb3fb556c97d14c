// Character-level parts of html-to-text.ts: HTML entities, and the whitespace tidying of the
// text it produces. Both are plain scans: entities used to be a replace() with a callback per
// match, tidying five replace() calls, one of them quadratic in a long run of spaces.

const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•',
  middot: '·', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', deg: '°', times: '×',
  divide: '÷', laquo: '«', raquo: '»', shy: '', zwnj: '', zwj: '', auml: 'ä', ouml: 'ö', uuml: 'ü',
  Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß', eacute: 'é', egrave: 'è', aacute: 'á', agrave: 'à',
  ccedil: 'ç', ntilde: 'ñ', oacute: 'ó', iacute: 'í', uacute: 'ú', ecirc: 'ê', acirc: 'â',
};

/**
 * `&name;`, `&#ddd;` and `&#xhh;` (the ';' optional, names case-sensitive), as the regex
 * /&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);?/gi would find them, without a callback per entity.
 */
export function decodeEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let out = '';
  let from = 0;
  const n = text.length;
  while (amp >= 0) {
    const c1 = text.charCodeAt(amp + 1);
    let end = -1;
    let decoded = '';
    if (c1 === 0x23) {
      const c2 = text.charCodeAt(amp + 2);
      let cp = NaN;
      if ((c2 === 0x78 || c2 === 0x58) && isHexDigit(text.charCodeAt(amp + 3))) {
        end = amp + 4;
        while (end < n && isHexDigit(text.charCodeAt(end))) end++;
        cp = parseInt(text.slice(amp + 3, end), 16);
      } else if (isDigit(c2)) {
        end = amp + 3;
        while (end < n && isDigit(text.charCodeAt(end))) end++;
        cp = parseInt(text.slice(amp + 2, end), 10);
      }
      if (end >= 0) decoded = Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '';
    } else if (isLetter(c1)) {
      end = amp + 2;
      while (end < n && (isLetter(text.charCodeAt(end)) || isDigit(text.charCodeAt(end)))) end++;
      const length = end - amp - 1;
      // &amp; and &nbsp; are most of what Outlook writes: no slice and property lookup for them.
      const common = length === 3 && text.startsWith('amp', amp + 1) ? '&' : length === 4 && text.startsWith('nbsp', amp + 1) ? '\u00a0' : undefined;
      const name = common === undefined ? text.slice(amp + 1, end) : '';
      if (text.charCodeAt(end) === 0x3b) end++;
      // String(): a name like `constructor` finds Object.prototype, as the former replace() callback did.
      decoded = common ?? String(NAMED[name] ?? text.slice(amp, end));
    }
    if (end < 0) {
      amp = text.indexOf('&', amp + 1);
      continue;
    }
    if (c1 === 0x23 && text.charCodeAt(end) === 0x3b) end++;
    out += text.slice(from, amp) + decoded;
    from = end;
    amp = text.indexOf('&', end);
  }
  return out + text.slice(from);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Anything tidy() changes besides trimming the ends. */
const UNTIDY = /\u00a0|\u0000|[ \t]\n|\n[ \t]| {2}|\n\n\n/;

/** Collapse spaces around line breaks and limit blank lines to one. */
export function tidy(text: string): string {
  if (!UNTIDY.test(text)) return text.trim();
  let s = text.includes('\u00a0') ? text.replace(/\u00a0/g, ' ') : text;
  s = trimAroundBreaks(s);
  if (s.includes('  ')) s = s.replace(/[ ]{2,}/g, ' ');
  if (s.includes('\u0000')) s = s.replace(/\u0000/g, '\n');
  if (s.includes('\n\n\n')) s = s.replace(/\n{3,}/g, '\n\n');
  return s.trim();
}

/**
 * s.replace(/[ \t]*\n[ \t]*\/g, '\n') in linear time (the regex retries every start inside a long
 * run of spaces or tabs that no line break follows, which is quadratic in the run).
 */
function trimAroundBreaks(s: string): string {
  let nl = s.indexOf('\n');
  if (nl < 0) return s;
  let out = '';
  let from = 0;
  while (nl >= 0) {
    let a = nl;
    while (a > from && isSpaceOrTab(s.charCodeAt(a - 1))) a--;
    out += s.slice(from, a) + '\n';
    let b = nl + 1;
    while (b < s.length && isSpaceOrTab(s.charCodeAt(b))) b++;
    from = b;
    nl = s.indexOf('\n', b);
  }
  return out + s.slice(from);
}

function isSpaceOrTab(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
