// HTML body → readable plain text for DESCRIPTION (EWS-NOTES §6.3: Exchange often has only an
// HTML body). A small tokenizer, not a DOM: Outlook's HTML is regular enough, and the result only
// has to read well — the HTML itself travels in X-ALT-DESC.

const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'html',
  'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'tfoot', 'thead', 'tr', 'ul',
]);
/** Elements whose content is never shown. */
const HIDDEN = new Set(['script', 'style', 'head', 'title', 'template', 'noscript', 'xml']);

const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•',
  middot: '·', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', deg: '°', times: '×',
  divide: '÷', laquo: '«', raquo: '»', shy: '', zwnj: '', zwj: '', auml: 'ä', ouml: 'ö', uuml: 'ü',
  Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß', eacute: 'é', egrave: 'è', aacute: 'á', agrave: 'à',
  ccedil: 'ç', ntilde: 'ñ', oacute: 'ó', iacute: 'í', uacute: 'ú', ecirc: 'ê', acirc: 'â',
};

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);?/gi, (whole, ent: string) => {
    if (ent[0] === '#') {
      const cp = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '';
    }
    return NAMED[ent] ?? whole;
  });
}

// Tags: a quoted attribute value may contain '>' (rare, but Outlook's conditional comments do).
const TOKEN = /[^<]+|<\/?([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']+|"[^"]*"|'[^']*')*)>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<![^>]*>|<\?[\s\S]*?\?>|</g;

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
  const out: string[] = [];
  let hidden = 0;
  let pre = 0;
  const links: (string | undefined)[] = [];
  let linkText = '';
  // Block boundaries ask for "at least n line breaks here", so nested blocks do not pile up.
  let pendingBreaks = 0;
  const newline = (n = 1): void => {
    pendingBreaks = Math.max(pendingBreaks, n);
  };
  const flushBreaks = (): void => {
    if (pendingBreaks > 0 && out.length > 0) out.push('\n'.repeat(pendingBreaks));
    pendingBreaks = 0;
  };
  const emit = (s: string): void => {
    if (s.trim() !== '' || pre > 0) flushBreaks();
    out.push(s);
    if (links.length > 0) linkText += s;
  };

  for (const m of html.matchAll(TOKEN)) {
    const [whole, rawTag, attrs = ''] = m;
    if (rawTag === undefined) {
      if (whole.startsWith('<!') || whole.startsWith('<?') || hidden > 0) continue;
      const text = decodeEntities(whole === '<' ? '<' : whole);
      emit(pre > 0 ? text.replace(/\r\n?/g, '\n').replace(/\n/g, '\u0000') : text.replace(/[\s]+/g, ' '));
      continue;
    }
    const tag = rawTag.toLowerCase();
    const closing = whole.startsWith('</');
    if (HIDDEN.has(tag)) {
      if (!whole.endsWith('/>')) hidden = Math.max(0, hidden + (closing ? -1 : 1));
      continue;
    }
    if (hidden > 0) continue;
    if (tag === 'br') {
      // <br> always breaks, even twice in a row.
      flushBreaks();
      out.push('\n');
    }
    else if (tag === 'li') {
      if (!closing) {
        newline();
        flushBreaks();
        out.push('- ');
      }
    } else if (tag === 'p' || /^h[1-6]$/.test(tag)) newline(2);
    else if (tag === 'td' || tag === 'th') {
      if (closing) out.push('\t');
    } else if (tag === 'img' && !closing) {
      const alt = attr(attrs, 'alt');
      if (alt) emit(alt);
    } else if (tag === 'a') {
      if (!closing) {
        links.push(attr(attrs, 'href'));
        linkText = '';
      } else if (links.length > 0) {
        const href = links.pop();
        const shown = linkText.trim();
        if (href && /^(https?|mailto|tel):/i.test(href) && href !== shown && `mailto:${shown}` !== href) {
          emit(shown ? ` (${href})` : href);
        }
      }
    } else if (tag === 'pre') {
      pre = Math.max(0, pre + (closing ? -1 : 1));
      newline();
    } else if (BLOCK.has(tag)) newline();
  }
  return tidy(out.join(''));
}

/** Collapse spaces around line breaks and limit blank lines to one. */
function tidy(text: string): string {
  return text
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]*\n[ \t]*/g, '\n')
    .replace(/[ ]{2,}/g, ' ')
    .replace(/\u0000/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
