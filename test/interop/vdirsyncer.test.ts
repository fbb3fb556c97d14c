// vdirsyncer (Debian's 0.19) mirrors the bridge into a local folder, as docs/clients.md tells
// users to set it up: discover, sync, then after one change in Exchange a second sync moves
// exactly that change — one file rewritten on disk, one "Copying (updating)" line, and the
// bridge sends the calendar data of that one object only (ETags let vdirsyncer skip the rest).

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { calendarNamed, requireTool, run, startBridge, tempDir, type InteropBridge, type LoggedRequest } from './support.js';

const vdirsyncer = requireTool('vdirsyncer', 'vdirsyncer');

interface FileState {
  sha: string;
  mtimeMs: number;
}

/** path (relative to the local root) → content hash and mtime. */
function snapshot(root: string): Map<string, FileState> {
  const out = new Map<string, FileState>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ics')) {
        out.set(path.slice(root.length + 1), { sha: createHash('sha256').update(readFileSync(path)).digest('hex'), mtimeMs: statSync(path).mtimeMs });
      }
    }
  };
  walk(root);
  return out;
}

function changedFiles(before: Map<string, FileState>, after: Map<string, FileState>): { added: string[]; removed: string[]; changed: string[]; touched: string[] } {
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const common = [...after.keys()].filter((k) => before.has(k));
  return {
    added, removed,
    changed: common.filter((k) => before.get(k)!.sha !== after.get(k)!.sha),
    touched: common.filter((k) => before.get(k)!.mtimeMs !== after.get(k)!.mtimeMs),
  };
}

/** "Copying (updating) item UID to exchange_local/CALENDAR" and friends, from vdirsyncer's output. */
function copyLines(output: string): { action: string; uid: string; collection: string }[] {
  return [...output.matchAll(/^Copying \((\w+)\) item (\S+) to exchange_local\/(\S+)$/gm)].map((m) => ({ action: m[1]!, uid: m[2]!, collection: m[3]! }));
}

/** Objects whose calendar data the bridge sent (multiget/query answers and plain GETs of .ics). */
function objectsServed(requests: LoggedRequest[]): number {
  const inReports = requests
    .filter((r) => r.method === 'REPORT' && r.body)
    .reduce((n, r) => n + (r.body!.match(/<(?:\w+:)?calendar-data[\s>]/g)?.length ?? 0), 0);
  const gets = requests.filter((r) => r.method === 'GET' && /\.ics(\?|$)/.test(r.url) && r.status === 200).length;
  return inReports + gets;
}

/**
 * The configuration docs/clients.md gives users, with the demo login and temp paths: each
 * replaced line must be there exactly once, so the documented setup is what runs here.
 */
function writeConfig(dir: string, b: InteropBridge): { config: string; local: string } {
  const doc = readFileSync(new URL('../../docs/clients.md', import.meta.url), 'utf8');
  let text = /## vdirsyncer\s+```ini\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!text) throw new Error('docs/clients.md: no ini block in the vdirsyncer section');
  const local = join(dir, 'local');
  const replace = (from: string, to: string): void => {
    const count = text!.split(from).length - 1;
    if (count !== 1) throw new Error(`docs/clients.md vdirsyncer config: expected "${from}" once, found ${count}`);
    text = text!.replace(from, to);
  };
  replace('status_path = "~/.vdirsyncer/status/"', `status_path = "${join(dir, 'status')}/"`);
  replace('url = "https://cal.example.org/dav/"', `url = "${b.origin}/dav/"`);
  replace('username = "mara@contoso.com"', `username = "${b.user}"`);
  replace('password.fetch = ["command", "pass", "ewsdav/mara"]', `password = "${b.password}"`);
  replace('path = "~/.calendars/exchange/"', `path = "${local}/"`);
  const config = join(dir, 'config');
  writeFileSync(config, text);
  return { config, local };
}

if (vdirsyncer) {
  t.test('discover, sync, one change in Exchange, sync: exactly that change arrives', async (t) => {
    const b = await startBridge(t);
    const dir = tempDir(t, 'vdirsyncer');
    const { config, local } = writeConfig(dir, b);
    const vds = (...args: string[]) => run(vdirsyncer, ['-c', config, ...args], { cwd: dir, input: 'y\n'.repeat(20) });

    // discover asks once per missing local collection whether to create it: answer yes.
    const discover = await vds('discover', 'exchange');
    t.equal(discover.status, 0, 'discover exits 0', { stderr: discover.stderr });
    const all = discover.stdout + discover.stderr;
    for (const cal of b.calendars) t.match(all, `"${cal.id}" ("${cal.displayName}")`, `discover lists ${cal.displayName} by id and name`);

    b.requests.length = 0;
    const first = await vds('sync');
    t.equal(first.status, 0, 'first sync exits 0', { stderr: first.stderr });
    const before = snapshot(local);
    let total = 0;
    for (const cal of b.calendars) {
      const objects = await b.bridge.store.getObjects(b.user, cal.id, (await b.bridge.store.listObjects(b.user, cal.id)).map((o) => o.name));
      total += objects.length;
      const files = [...before.keys()].filter((k) => k.startsWith(`${cal.id}/`));
      t.equal(files.length, objects.length, `${cal.displayName}: one local file per object (${objects.length})`);
      const texts = files.map((f) => readFileSync(join(local, f), 'utf8')).sort();
      t.same(texts, objects.map((o) => o.ical).sort(), `${cal.displayName}: the files hold the served iCalendar byte for byte`);
    }
    t.equal(copyLines(first.stdout + first.stderr).filter((l) => l.action === 'uploading').length, total, 'first sync copies every object once');
    t.equal(objectsServed(b.requests), total, 'first sync: the bridge sent each object once (the counter sees what it should)');

    // Nothing changed: a sync transfers nothing and the bridge sends no calendar data.
    b.requests.length = 0;
    const idle = await vds('sync');
    t.equal(idle.status, 0, 'idle sync exits 0');
    t.same(copyLines(idle.stdout + idle.stderr), [], 'idle sync copies nothing');
    t.equal(objectsServed(b.requests), 0, 'idle sync: the bridge served no object (ETags matched)');
    t.same(changedFiles(before, snapshot(local)), { added: [], removed: [], changed: [], touched: [] }, 'idle sync: no file on disk touched');

    // One change in Exchange, picked up by a bridge sync.
    const planning = b.sim.control.items(b.user).find((i) => i.key === 'planning')!;
    b.sim.control.updateItem(b.user, 'planning', { subject: 'Quarterly planning (room changed)', location: 'Room 5.02' });
    await b.sync();

    b.requests.length = 0;
    const second = await vds('sync');
    t.equal(second.status, 0, 'second sync exits 0', { stderr: second.stderr });
    const calendar = calendarNamed(b, 'Calendar');
    t.same(copyLines(second.stdout + second.stderr), [{ action: 'updating', uid: planning.uid, collection: calendar.id }], 'exactly one "Copying (updating) item …" line, for the changed event');
    const after = snapshot(local);
    const diff = changedFiles(before, after);
    t.same(diff.added, [], 'no file added');
    t.same(diff.removed, [], 'no file removed');
    t.equal(diff.changed.length, 1, 'exactly one file changed on disk');
    t.same(diff.touched, diff.changed, 'and only that file was written');
    const changed = diff.changed[0] ? readFileSync(join(local, diff.changed[0]), 'utf8') : '';
    t.match(changed, /SUMMARY:Quarterly planning \(room changed\)/, 'the file has the new title');
    t.match(changed, /LOCATION:Room 5\.02/, 'and the new location');
    t.ok(diff.changed[0]?.startsWith(`${calendar.id}/`), 'in the Calendar folder');
    t.equal(objectsServed(b.requests), 1, 'the bridge sent the calendar data of the changed object only');
    // vdirsyncer lists ETags per collection (PROPFIND Depth 1) and multigets what differs.
    const reports = b.requests.filter((r) => r.method === 'REPORT');
    t.equal(reports.length, 1, 'one REPORT (calendar-multiget) in the whole sync');
    t.equal(decodeURIComponent(reports[0]?.url ?? ''), `/dav/calendars/${b.user}/${calendar.id}/`, 'on the Calendar collection');
    t.ok(b.requests.every((r) => !['PUT', 'DELETE', 'PROPPATCH', 'MKCOL', 'MKCALENDAR'].includes(r.method)), 'read_only: vdirsyncer never tried to write');

    // A deletion in Exchange: the file goes, nothing else moves, no object is sent.
    const lunch = b.sim.control.items(b.user).find((i) => i.key === 'team-lunch')!;
    b.sim.control.deleteItem(b.user, 'team-lunch');
    await b.sync();
    b.requests.length = 0;
    const third = await vds('sync');
    t.equal(third.status, 0, 'third sync exits 0', { stderr: third.stderr });
    t.match(third.stdout + third.stderr, new RegExp(`^Deleting item ${lunch.uid} from exchange_local/${calendarNamed(b, 'Team').id}$`, 'm'), 'one "Deleting item …" line for the deleted event');
    t.same(copyLines(third.stdout + third.stderr), [], 'nothing copied');
    const gone = changedFiles(after, snapshot(local));
    t.equal(gone.removed.length, 1, 'one file removed');
    t.ok(gone.removed[0]?.includes(lunch.uid), 'the deleted event\'s file');
    t.same([gone.added, gone.changed, gone.touched], [[], [], []], 'no other file touched');
    t.equal(objectsServed(b.requests), 0, 'the bridge sent no object for a deletion');
  });
}
