// docs/errors.md and the error table in src/errors.ts describe the same codes (fastify's
// errors test, table-driven and without a hard-coded count).

import { readFileSync } from 'node:fs';
import t from 'tap';
import { ERRORS, EwsdavError, type ErrorCode } from '../../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map<string, string>();
for (const line of doc.split('\n')) {
  const m = /^\| `(EWSDAV_ERR_[A-Z_]+)` \| ([a-z-]+) \|/.exec(line);
  if (m) documented.set(m[1]!, m[2]!);
}

t.test('every code is documented with its category', async (t) => {
  for (const [code, spec] of Object.entries(ERRORS)) t.equal(documented.get(code), spec.category, code);
});

t.test('nothing documented is stale', async (t) => {
  for (const code of documented.keys()) t.ok(code in ERRORS, `${code} exists in src/errors.ts`);
});

t.test('errors carry status, category and hint', async (t) => {
  const code: ErrorCode = 'EWSDAV_ERR_UPSTREAM_THROTTLED';
  const error = new EwsdavError(code, undefined, { retryAfterMs: 5000, hint: 'wait' });
  t.equal(error.status, 503);
  t.equal(error.category, 'throttled');
  t.equal(error.retryAfterMs, 5000);
  t.equal(error.describe(), `${ERRORS[code].message}\nwait`);
});
