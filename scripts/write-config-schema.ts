// Writes config.schema.json from the TypeBox schema (src/config/schema.ts). A test fails when the
// committed file differs, so run this after every schema change: npx tsx scripts/write-config-schema.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigJsonSchema } from '../src/config/schema.js';

const target = fileURLToPath(new URL('../config.schema.json', import.meta.url));
writeFileSync(target, renderConfigJsonSchema());
console.log(`wrote ${target}`);
