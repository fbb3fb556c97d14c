// Renders the key reference of docs/configuration.md from the schema. The hand-written parts of
// that file stay untouched: only the text between the two markers is generated.
import { ConfigSchema, LoaderDefault } from './schema.js';
import { describeDefault, describeType, walkSchema, type SchemaEntry } from './walk.js';

export const DOCS_BEGIN = '<!-- BEGIN GENERATED: npx tsx scripts/write-config-docs.ts -->';
export const DOCS_END = '<!-- END GENERATED -->';

/** The generated reference: one table per top-level key. */
export function renderConfigReference(): string {
  const entries = walkSchema(ConfigSchema);
  const sections: string[] = [];
  for (const top of entries.filter((e) => !e.path.includes('.') && !e.path.includes('['))) {
    const rows = entries.filter((e) => e.path === top.path || e.path.startsWith(`${top.path}.`) || e.path.startsWith(`${top.path}[]`));
    sections.push(
      [
        `### \`${top.path}\``,
        '',
        cell(top.schema.description ?? ''),
        '',
        '| Key | Type | Default | Description |',
        '|---|---|---|---|',
        ...rows.map(row),
      ].join('\n'),
    );
  }
  return sections.join('\n\n');
}

function row(entry: SchemaEntry): string {
  const fallback = describeDefault(entry.schema);
  // Object defaults and loader-computed defaults are prose, not a literal value.
  const prose = entry.schema[LoaderDefault] !== undefined || (typeof entry.schema.default === 'object' && !Array.isArray(entry.schema.default));
  const defaultText = fallback === undefined ? (entry.required ? '**required**' : 'optional') : prose ? cell(fallback) : code(fallback);
  return `| \`${entry.path}\` | ${code(describeType(entry.schema))} | ${defaultText} | ${cell(entry.schema.description ?? '')} |`;
}

function code(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

function cell(text: string): string {
  // "<publicUrl>" would otherwise vanish as an unknown HTML tag.
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
}

/** `doc` with the generated section replaced; throws if the markers are missing. */
export function replaceGeneratedSection(doc: string, generated: string): string {
  const begin = doc.indexOf(DOCS_BEGIN);
  const end = doc.indexOf(DOCS_END);
  if (begin < 0 || end < begin) throw new Error(`docs/configuration.md must contain the lines ${DOCS_BEGIN} and ${DOCS_END}`);
  return `${doc.slice(0, begin + DOCS_BEGIN.length)}\n\n${generated}\n\n${doc.slice(end)}`;
}
