// Regenerates the key reference in docs/configuration.md (between its GENERATED markers) from the
// schema; the hand-written text around it is kept. Run after every schema change:
// npx tsx scripts/write-config-docs.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference, replaceGeneratedSection } from '../src/config/docs.js';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
writeFileSync(target, replaceGeneratedSection(readFileSync(target, 'utf8'), renderConfigReference()));
console.log(`wrote ${target}`);
