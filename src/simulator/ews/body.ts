// Body conversion for BodyType Text / HTML / Best (WSR/bodytype). Exchange converts on the
// fly; the exact markup differs by version, so only the shape matters here.

import type { BodyType } from '../mailbox/types.js';
import type { BodyTypeRequest } from './shape.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\r\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\r\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(cp) ? String.fromCodePoint(cp) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/(\r\n){3,}/g, '\r\n\r\n')
    .trim();
}

export function textToHtml(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, '<br>\r\n');
  return '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n'
    + `<body>\r\n<div>${escaped}</div>\r\n</body>\r\n</html>\r\n`;
}

export function renderBody(body: { type: BodyType; value: string }, wanted: BodyTypeRequest): { type: BodyType; value: string } {
  if (wanted === 'Best' || wanted === body.type) return body;
  if (body.value === '') return { type: wanted, value: '' };
  return wanted === 'Text' ? { type: 'Text', value: htmlToText(body.value) } : { type: 'HTML', value: textToHtml(body.value) };
}
