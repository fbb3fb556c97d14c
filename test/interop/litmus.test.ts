// litmus (Debian's 0.13), the WebDAV conformance suite, runs its `basic` and `props` suites
// against a calendar collection of the read-only bridge. Every suite begins by creating a scratch
// collection `litmus/` and gives up when that fails (FAILHARD), so litmus talks to the bridge
// through scratch-alias.ts, which fakes only that MKCOL/DELETE and maps the scratch paths onto
// the real calendar (and `litmus/prop` onto a real event). What this proves:
//   - every read test passes on the bridge's own answers;
//   - every failure is a write test, listed below with why the bridge refuses it;
//   - every refused write got 403 with DAV:need-privileges (PROPPATCH: 207 with 403 per property).
// docs/clients.md "Conformance" says the same for users.

import t from 'tap';
import { calendarNamed, calendarPath, requireTool, run, startBridge, tempDir } from './support.js';
import { startScratchAlias } from './scratch-alias.js';

const litmus = requireTool('litmus', 'litmus');

/**
 * The failures expected from a read-only server, `suite/index.name` → why. Anything else failing
 * fails this test; so does one of these passing (then the list, and the docs, need an update).
 */
const EXPECTED_WRITE_FAILURES: Record<string, string> = {
  // PUT of a new plain resource `litmus/res`: the bridge accepts no PUT (403 need-privileges).
  'basic/3.put_get': 'PUT refused',
  // The same PUT with a UTF-8 path segment (`res-€`).
  'basic/4.put_get_utf8_segment': 'PUT refused',
  // Starts with MKCOL `litmus/frag/` to test DELETE with a fragment: MKCOL refused with 403.
  'basic/9.delete_fragment': 'MKCOL refused',
  // MKCOL `litmus/coll/`: refused with 403.
  'basic/10.mkcol': 'MKCOL refused',
  // MKCOL with a body of an unknown media type: litmus wants 415, the bridge refuses every MKCOL
  // with 403 before it looks at a body (permission first; RFC 4918 does not order the two).
  'basic/14.mkcol_with_body': 'MKCOL refused with 403, not 415',
  // PUT of the resource `prop` whose dead properties the suite then sets: refused with 403, so
  // propset/propget/propmove/... are skipped (their precondition is this PUT).
  'props/5.propinit': 'PUT refused',
  // The suite's second propinit: the same PUT.
  'props/25.propinit': 'PUT refused',
  // PROPPATCH of ten dead properties in ten namespaces: 207 with `403 Forbidden` for each, as
  // dead properties cannot be stored on Exchange items.
  'props/26.propmanyns': 'PROPPATCH of dead properties refused',
};

/** Read tests (and negative write tests that expect a refusal): all must pass. */
const READ_TESTS = [
  'basic/0.init', 'basic/1.begin',
  // OPTIONS on the calendar: DAV class 1 and calendar-access (litmus warns that class 2, locking, is absent).
  'basic/2.options',
  // MKCOL under a missing parent and DELETE of a missing resource must fail: they do (403;
  // litmus warns that it expected 409 and 404, a read-only bridge refuses before looking).
  'basic/5.put_no_parent', 'basic/8.delete_null', 'basic/13.mkcol_no_parent',
  'basic/15.finish',
  'props/0.init', 'props/1.begin',
  // PROPFIND with a non-well-formed body and with an invalid namespace declaration: 400.
  'props/2.propfind_invalid', 'props/3.propfind_invalid2',
  // Depth 0 PROPFIND on the collection: its href and DAV:collection resource type.
  'props/4.propfind_d0',
  // PROPFIND with an unknown element next to allprop, and for a property in a foreign
  // namespace, on a real event: well-formed 207 answers.
  'props/8.propextended', 'props/24.propwformed',
  'props/28.propcleanup', 'props/29.finish',
];

/** Skipped because a write they depend on (listed above) was refused. */
const SKIPPED_AFTER_REFUSED_WRITE = new Set([
  'basic/6.mkcol_over_plain', 'basic/7.delete', 'basic/11.mkcol_again', 'basic/12.delete_coll',
  ...['6.propset', '7.propget', '9.propmove', '10.propget', '11.propdeletes', '12.propget', '13.propreplace', '14.propget', '15.propnullns', '16.propget',
    '17.prophighunicode', '18.propget', '19.propremoveset', '20.propget', '21.propsetremove', '22.propget', '23.propvalnspace', '27.propget'].map((n) => `props/${n}`),
]);

type Outcome = 'pass' | 'FAIL' | 'SKIPPED';

/**
 * `suite/index.name` → outcome. litmus prints each test's name twice on a terminal-less run and
 * its warnings in between, so results are matched to the last test number seen before them.
 */
function parseLitmus(output: string): Map<string, { outcome: Outcome; detail: string }> {
  const results = new Map<string, { outcome: Outcome; detail: string }>();
  for (const section of output.split(/^-> running `/m).slice(1)) {
    const suite = /^(\w+)'/.exec(section)?.[1] ?? '?';
    let current: string | undefined;
    for (const m of section.matchAll(/(\d+)\. (\w+)\.{2,}|\b(pass|FAIL|SKIPPED)\b(.*)/g)) {
      if (m[1] !== undefined) current = `${suite}/${m[1]}.${m[2]}`;
      else if (current && !results.has(current)) results.set(current, { outcome: m[3] as Outcome, detail: (m[4] ?? '').trim() });
    }
  }
  return results;
}

if (litmus) {
  t.test('litmus basic + props against a calendar collection', async (t) => {
    const b = await startBridge(t);
    const calendar = calendarNamed(b, 'Calendar');
    const path = `/${calendarPath(b.user, calendar.id)}`;
    const [propObject] = await b.bridge.store.listObjects(b.user, calendar.id);
    if (!propObject) throw new Error('the demo calendar is empty');
    const alias = await startScratchAlias({ bridgePort: b.port, calendarPath: path, propObject: propObject.name });
    t.teardown(alias.close);

    const cwd = tempDir(t, 'litmus'); // litmus writes debug.log into its working directory
    const r = await run(litmus, ['-k', `${alias.origin}${path}`, b.user, b.password], { cwd, env: { ...process.env, TESTS: 'basic props' } });
    const output = r.stdout + r.stderr;
    const results = parseLitmus(output);
    t.ok(results.size >= 40, `litmus ran both suites (${results.size} results)`, { output });

    const failures = [...results].filter(([, v]) => v.outcome === 'FAIL').map(([k]) => k);
    t.same(failures.sort(), Object.keys(EXPECTED_WRITE_FAILURES).sort(), 'the failures are exactly the documented write tests', {
      details: Object.fromEntries([...results].filter(([, v]) => v.outcome === 'FAIL').map(([k, v]) => [k, v.detail])),
    });
    for (const name of READ_TESTS) t.equal(results.get(name)?.outcome, 'pass', `${name} passes`);
    const skipped = [...results].filter(([, v]) => v.outcome === 'SKIPPED').map(([k]) => k);
    t.same(skipped.filter((k) => !SKIPPED_AFTER_REFUSED_WRITE.has(k)), [], 'every skipped test depends on a refused write');
    const unexpectedPasses = [...results].filter(([k, v]) => v.outcome === 'pass' && !READ_TESTS.includes(k)).map(([k]) => k);
    t.same(unexpectedPasses, [], 'no test passes that is not listed as a read test');

    // What the bridge itself answered.
    const synthesized = alias.log.filter((e) => e.forwardedTo === undefined);
    t.same([...new Set(synthesized.map((e) => `${e.method} ${e.path}`))].sort(), [`DELETE ${path}litmus/`, `MKCOL ${path}litmus/`], 'the proxy answered only the scratch collection itself');
    const writes = alias.log.filter((e) => e.forwardedTo !== undefined && ['PUT', 'MKCOL', 'DELETE', 'COPY', 'MOVE', 'PROPPATCH'].includes(e.method) && e.status !== 401);
    t.ok(writes.length >= 10, `litmus's writes reached the bridge (${writes.length})`);
    for (const w of writes) {
      if (w.method === 'PROPPATCH') {
        t.equal(w.status, 207, `PROPPATCH ${w.path}: 207`);
        const statuses = [...w.body.matchAll(/<d:status>HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
        t.ok(statuses.length > 0 && statuses.every((s) => s === '403'), `PROPPATCH ${w.path}: every property 403`);
      } else {
        t.equal(w.status, 403, `${w.method} ${w.path}: 403`);
        t.match(w.body, /<d:need-privileges\s*\/>/, `${w.method} ${w.path}: DAV:need-privileges`);
      }
    }
    t.ok(alias.log.every((e) => e.status < 500), 'no 5xx from the bridge');
  });
}
