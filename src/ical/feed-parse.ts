// Content-line reading for the ICS feed (RFC 5545 §3.1–§3.2): unfold, split every line into
// name, parameters and value, and keep the component tree. Feeds copy most lines verbatim, so
// this keeps each line's text as stored instead of round-tripping values through a parser.

/** One unfolded content line. `raw` is the line as stored (without CRLF), written back unchanged. */
export interface ContentLine {
  /** Upper-cased property name ('SUMMARY', 'X-ALT-DESC'). */
  name: string;
  /** Parameters in order; names upper-cased, values without their quotes. */
  params: ReadonlyArray<readonly [string, string]>;
  /** The value as stored (still escaped for TEXT). */
  value: string;
  raw: string;
}

export interface Component {
  /** Upper-cased ('VEVENT'). */
  name: string;
  props: ContentLine[];
  children: Component[];
}

/** RFC 5545 §3.1: a line starting with a space or a tab continues the previous one. */
export function unfold(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split(/\r\n|\n|\r/)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) lines[lines.length - 1] += line.slice(1);
    else if (line !== '') lines.push(line);
  }
  return lines;
}

/** Splits `NAME;P=a;Q="b:c",d:value` at the first colon outside a quoted parameter value. */
export function parseLine(raw: string): ContentLine | undefined {
  const nameEnd = raw.search(/[;:]/);
  if (nameEnd <= 0) return undefined;
  const name = raw.slice(0, nameEnd).toUpperCase();
  const params: [string, string][] = [];
  let i = nameEnd;
  while (raw[i] === ';') {
    const eq = raw.indexOf('=', i);
    if (eq < 0) return undefined;
    const key = raw.slice(i + 1, eq).toUpperCase();
    i = eq + 1;
    let value = '';
    // A parameter may list several values (`MEMBER="a","b"`); quotes protect `:`, `;` and `,`.
    for (;;) {
      if (raw[i] === '"') {
        const close = raw.indexOf('"', i + 1);
        if (close < 0) return undefined;
        value += raw.slice(i + 1, close);
        i = close + 1;
      } else {
        const stop = raw.slice(i).search(/[;:,]/);
        if (stop < 0) return undefined;
        value += raw.slice(i, i + stop);
        i += stop;
      }
      if (raw[i] !== ',') break;
      value += ',';
      i += 1;
    }
    params.push([key, value]);
  }
  if (raw[i] !== ':') return undefined;
  return { name, params, value: raw.slice(i + 1), raw };
}

/**
 * The top-level components of an iCalendar text (normally one VCALENDAR). Lines that cannot be
 * read are skipped rather than failing the whole feed: one odd object must not empty it.
 */
export function parseComponents(text: string): Component[] {
  const roots: Component[] = [];
  const stack: Component[] = [];
  for (const raw of unfold(text)) {
    const line = parseLine(raw);
    if (!line) continue;
    if (line.name === 'BEGIN') {
      const comp: Component = { name: line.value.trim().toUpperCase(), props: [], children: [] };
      (stack.length > 0 ? stack[stack.length - 1]!.children : roots).push(comp);
      stack.push(comp);
    } else if (line.name === 'END') {
      const name = line.value.trim().toUpperCase();
      // Close up to the matching BEGIN; an unmatched END is ignored.
      const at = stack.map((c) => c.name).lastIndexOf(name);
      if (at >= 0) stack.length = at;
    } else if (stack.length > 0) {
      stack[stack.length - 1]!.props.push(line);
    }
  }
  return roots;
}

export function param(line: ContentLine, key: string): string | undefined {
  return line.params.find(([k]) => k === key)?.[1];
}

export function firstProp(comp: Component, name: string): ContentLine | undefined {
  return comp.props.find((p) => p.name === name);
}

/** RFC 5545 §3.3.11: the inverse of TEXT escaping (`\n`, `\,`, `\;`, `\\`). */
export function unescapeText(value: string): string {
  return value.replace(/\\([nN,;\\])/g, (_m, ch: string) => (ch === 'n' || ch === 'N' ? '\n' : ch));
}

/** A TEXT list (CATEGORIES): split at commas that are not escaped, then unescape each item. */
export function splitTextList(value: string): string[] {
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + value[i + 1];
      i++;
    } else if (ch === ',') {
      items.push(current);
      current = '';
    } else current += ch;
  }
  items.push(current);
  return items.map(unescapeText);
}
