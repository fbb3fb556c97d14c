// Every fixtures/ews/<operation>/<case>.xml against the expected <case>.json beside it: the
// streaming reader, the operation's parser and the error mapping, without HTTP.
// UPDATE_FIXTURES=1 rewrites the expected files (review the diff before committing).

import t from 'tap';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { FIXTURES, fixture, runFixture, toJson } from './helpers.js';

const update = process.env.UPDATE_FIXTURES === '1';

for (const dir of readdirSync(FIXTURES).sort()) {
  t.test(dir, async (t) => {
    const cases = readdirSync(FIXTURES + dir).filter((f) => f.endsWith('.xml')).sort();
    t.ok(cases.length > 0, 'has cases');
    for (const file of cases) {
      const name = file.slice(0, -4);
      const jsonPath = `${FIXTURES}${dir}/${name}.json`;
      const actual = toJson(runFixture(dir, fixture(`${dir}/${file}`)));
      if (update || !existsSync(jsonPath)) {
        if (!update) t.fail(`${dir}/${name}.json is missing (run with UPDATE_FIXTURES=1 and review it)`);
        writeFileSync(jsonPath, actual);
        continue;
      }
      t.equal(actual, fixture(`${dir}/${name}.json`), `${dir}/${name}`);
    }
  });
}
