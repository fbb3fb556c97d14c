// Who may call the simulator's Graph endpoints, and how it throttles: Graph-audience Bearer
// tokens only (EWS tokens refused here, Graph tokens refused by the EWS endpoint), delegated
// scp / app-only roles, /me vs /users/{upn}, delegates, the application access scope; injected
// 429 / 503 / 504 with Retry-After, the 4-in-flight cap per mailbox, and the /_sim/graph HTTP controls.
import t from 'tap';
import { CONTOSO, EWS_SCOPE, startEntra } from '../../src/simulator/entra/index.js';
import { GraphTokens, graphGet } from '../../src/simulator/graph/test-client.js';
import { basicAuth } from '../../src/simulator/auth.js';
import { bearerAuth } from '../../src/simulator/bearer.js';
import { startSimulator } from '../../src/simulator/index.js';
import { soap } from './helpers.js';

const { mara, pat } = CONTOSO.users;
const entra = await startEntra();
t.teardown(() => entra.close());
const ewsBearer = bearerAuth({ trust: entra.trust });
const item = { subject: 'x', start: '2026-03-03T10:00:00Z', end: '2026-03-03T11:00:00Z' };
const sim = await startSimulator({
  now: '2026-03-01T12:00:00Z', secret: 'graph-auth', graph: { trust: entra.trust },
  auth: { schemes: [basicAuth, ewsBearer], offer: ['Bearer', 'Basic'] },
  mailboxes: {
    mailboxes: [
      { smtp: mara.upn, displayName: 'Mara', password: 'pw', items: [item] },
      { smtp: pat.upn, displayName: 'Pat', items: [item] },
      { smtp: 'shared@contoso.com', displayName: 'Shared', delegates: [mara.upn], items: [item] },
      { smtp: 'other@contoso.com', displayName: 'Other', items: [item] },
    ],
  },
});
t.teardown(() => sim.close());
const tokens = new GraphTokens(entra);
t.teardown(() => tokens.close());
const graphUser = await tokens.delegated(mara.upn, mara.password);
const ewsUser = await tokens.delegated(mara.upn, mara.password, EWS_SCOPE);
const graphApp = await tokens.app();
const V = `${sim.graphUrl ?? ''}/v1.0`;
const code = (r: { json: Record<string, unknown> }): unknown => (r.json.error as { code?: string } | undefined)?.code;
const message = (r: { json: Record<string, unknown> }): unknown => (r.json.error as { message?: string } | undefined)?.message;
const getFolder = '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>';

t.test('audience separation, both ways', async (t) => {
  const none = await graphGet(`${V}/me/calendars`, undefined);
  t.equal(none.status, 401);
  t.equal(code(none), 'InvalidAuthenticationToken');
  t.match(none.headers.get('www-authenticate'), /^Bearer realm="", authorization_uri="/);
  t.match(none.json, { error: { innerError: { 'request-id': String } } });
  t.equal(message(await graphGet(`${V}/me/calendars`, 'not-a-jwt')), 'Access token validation failure.');
  const ewsOnGraph = await graphGet(`${V}/me/calendars`, ewsUser);
  t.equal(ewsOnGraph.status, 401);
  t.equal(message(ewsOnGraph), 'Access token validation failure. Invalid audience.');
  t.equal((await graphGet(`${V}/users/${mara.upn}/calendars`, await tokens.app('https://outlook.office365.com'))).status, 401, 'EWS app token on Graph');
  const graphOnEws = await soap(sim.ewsUrl, getFolder, { auth: `Bearer ${graphUser}` });
  t.equal(graphOnEws.status, 401, 'the EWS endpoint refuses Graph tokens');
  t.match(graphOnEws.headers.get('x-ms-diagnostics'), /^2000003;/);
  t.equal((await soap(sim.ewsUrl, getFolder, { auth: `Bearer ${ewsUser}` })).status, 200, 'an EWS token works on EWS');
  t.equal((await graphGet(`${V}/me/calendars`, graphUser)).status, 200, 'a Graph token works on Graph');
  t.match(sim.graph?.authCounters(), { refused: { 'no-token': 1, invalid: 1, audience: 2 }, audiences: ['https://graph.microsoft.com'], upns: [mara.upn] });
});

t.test('delegated tokens: own mailbox, delegates, scopes', async (t) => {
  t.equal((await graphGet(`${V}/users/${mara.upn.toUpperCase()}/calendar`, graphUser)).status, 200, '/users/{own upn}');
  const shared = await graphGet(`${V}/users/shared@contoso.com/calendars`, graphUser);
  t.equal(shared.status, 200, 'a mailbox mara is a delegate of');
  t.match((shared.json.value as unknown[])[0], { owner: { address: 'shared@contoso.com' }, canEdit: false, canViewPrivateItems: false });
  const other = await graphGet(`${V}/users/other@contoso.com/calendars`, graphUser);
  t.equal(other.status, 403);
  t.equal(code(other), 'ErrorAccessDenied');
  const nobody = await graphGet(`${V}/users/nobody@contoso.com/calendars`, graphUser);
  t.equal(nobody.status, 404);
  t.equal(code(nobody), 'ErrorInvalidUser');
  // Alex has consented to nothing yet: the token carries only User.Read (Entra adds every consented scope).
  const { alex } = CONTOSO.users;
  const userRead = await tokens.delegated(alex.upn, alex.password, 'https://graph.microsoft.com/User.Read', alex.otp);
  const noScope = await graphGet(`${V}/me/calendars`, userRead);
  t.equal(noScope.status, 403, 'User.Read only');
  t.equal(code(noScope), 'ErrorAccessDenied');
  const noMailbox = await graphGet(`${V}/me/calendars`, await tokens.delegated(alex.upn, alex.password, undefined, alex.otp));
  t.equal(noMailbox.status, 404, 'a user without a mailbox');
  t.equal(code(noMailbox), 'MailboxNotEnabledForRESTAPI');
  t.equal((await graphGet(`${V}/me/calendars`, graphUser)).status, 200);
  const post = await fetch(`${V}/me/calendars`, { method: 'POST', headers: { authorization: `Bearer ${graphUser}` }, body: '{}' });
  t.equal(post.status, 405, 'read-only');
});

t.test('app-only tokens: /users only, roles, application access scope', async (t) => {
  const me = await graphGet(`${V}/me/calendars`, graphApp);
  t.equal(me.status, 400);
  t.match(me.json, { error: { code: 'BadRequest', message: '/me request is only valid with delegated authentication flow.' } });
  const ok = await graphGet(`${V}/users/${mara.upn}/calendars`, graphApp);
  t.equal(ok.status, 200);
  t.match((ok.json.value as unknown[])[0], { canEdit: true, owner: { address: mara.upn } });
  const noRole = await graphGet(`${V}/users/${mara.upn}/calendars`, await tokens.app('https://graph.microsoft.com', CONTOSO.noRoleApp, CONTOSO.noRoleAppSecret));
  t.equal(noRole.status, 403, 'app without Calendars.Read');
  sim.graph?.setAppScope([pat.upn]);
  const outside = await graphGet(`${V}/users/${mara.upn}/calendars`, graphApp);
  t.equal(outside.status, 403);
  t.match(outside.json, { error: { code: 'ErrorAccessDenied', message: 'Access to OData is disabled.' } });
  t.equal((await graphGet(`${V}/users/${pat.upn}/calendars`, graphApp)).status, 200, 'inside the scope');
  t.equal((await graphGet(`${V}/users/shared@contoso.com/calendar`, graphUser)).status, 200, 'delegated tokens are not bound by the app scope');
  sim.graph?.setAppScope(undefined);
  t.equal((await graphGet(`${V}/users/${mara.upn}/calendars`, graphApp)).status, 200);
  t.ok(sim.graph?.authCounters().apps.includes(CONTOSO.webApp));
});

t.test('injected throttling: 429 / 503 / 504 with Retry-After for the next N requests of a mailbox', async (t) => {
  sim.control.resetCounters();
  sim.graph?.throttle({ status: 429, count: 2, retryAfterSeconds: 7, mailbox: mara.upn });
  const a = await graphGet(`${V}/me/calendars`, graphUser);
  t.equal(a.status, 429);
  t.equal(a.headers.get('retry-after'), '7');
  t.equal(code(a), 'TooManyRequests');
  t.equal((await graphGet(`${V}/users/${pat.upn}/calendars`, graphApp)).status, 200, 'another mailbox is not throttled');
  t.equal((await graphGet(`${V}/me/calendar`, graphUser)).status, 429);
  t.equal((await graphGet(`${V}/me/calendar`, graphUser)).status, 200, 'only the next two');
  sim.graph?.throttle({ status: 503, retryAfterSeconds: 2 });
  sim.graph?.throttle({ status: 504, operation: 'graph:calendar' });
  const b = await graphGet(`${V}/me/calendars`, graphUser);
  t.equal(b.status, 503);
  t.equal(b.headers.get('retry-after'), '2');
  const c = await graphGet(`${V}/me/calendar`, graphUser);
  t.equal(c.status, 504);
  t.equal(c.headers.get('retry-after'), '1');
  const counters = sim.control.counters();
  t.match(counters.byStatus, { 429: 2, 503: 1, 504: 1, 200: 2 });
  t.match(counters.byMailboxOperation[mara.upn], { 'graph:calendars': 2, 'graph:calendar': 3 });
  t.same(sim.control.requestLog().map((e) => e.injected).filter(Boolean), ['http429', 'http429', 'http503', 'http504']);
  t.equal(sim.control.requestLog()[0]?.user, mara.upn);
});

t.test('at most 4 Graph requests in flight per mailbox; the 5th gets 429 ApplicationThrottled', async (t) => {
  sim.control.resetCounters();
  sim.control.setLatency(400);
  const batch = await Promise.all([
    ...Array.from({ length: 6 }, () => graphGet(`${V}/me/calendars`, graphUser)),
    graphGet(`${V}/users/${pat.upn}/calendars`, graphApp),
  ]);
  sim.control.setLatency(0);
  const mine = batch.slice(0, 6);
  t.equal(mine.filter((r) => r.status === 200).length, 4);
  const refused = mine.filter((r) => r.status === 429);
  t.equal(refused.length, 2);
  t.ok(refused.every((r) => code(r) === 'ApplicationThrottled' && r.headers.get('retry-after') === '1'));
  t.equal(batch[6]?.status, 200, 'another mailbox has its own limit');
  t.equal((await graphGet(`${V}/me/calendars`, graphUser)).status, 200, 'slots are given back');
  t.equal(sim.graph?.state().concurrencyRefusals, 2);
  sim.graph?.setConcurrencyLimit(1);
  sim.control.setLatency(200);
  const two = await Promise.all([graphGet(`${V}/me/calendar`, graphUser), graphGet(`${V}/me/calendar`, graphUser)]);
  sim.control.setLatency(0);
  t.same(two.map((r) => r.status).sort(), [200, 429]);
  sim.graph?.setConcurrencyLimit(4);
});

t.test('HTTP controls under /_sim/graph for a bridge in another process', async (t) => {
  const post = (path: string, body: unknown) => fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  t.equal((await post('/_sim/graph/throttle', { status: 429, retryAfterSeconds: 3 })).status, 201);
  t.equal((await graphGet(`${V}/me/calendars`, graphUser)).status, 429);
  await post('/_sim/graph/throttle', { status: 503 });
  t.equal((await fetch(`${sim.url}/_sim/graph/throttle`, { method: 'DELETE' })).status, 204);
  t.equal((await graphGet(`${V}/me/calendars`, graphUser)).status, 200, 'cleared');
  const settings = await post('/_sim/graph/settings', { perCalendarDelta: false, concurrencyLimit: 3 });
  t.match(await settings.json(), { perCalendarDelta: false, concurrencyLimit: 3 });
  await post('/_sim/graph/settings', { perCalendarDelta: true, concurrencyLimit: 4, appScope: null });
  const window = 'startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z';
  const d = await graphGet(`${V}/me/calendarView/delta?${window}`, graphUser);
  t.equal((await post('/_sim/graph/delta-tokens', { failNext: 1 })).status, 204);
  t.equal((await graphGet(String(d.json['@odata.deltaLink']), graphUser)).status, 410);
  t.equal((await graphGet(String(d.json['@odata.deltaLink']), graphUser)).status, 200);
  await post('/_sim/graph/delta-tokens', { expire: true });
  t.equal((await graphGet(String(d.json['@odata.deltaLink']), graphUser)).status, 410);
  const state = await (await fetch(`${sim.url}/_sim/graph`)).json() as Record<string, unknown>;
  t.match(state, { perCalendarDelta: true, concurrencyLimit: 4, throttles: [], auth: { ok: Number } });
  const counters = await (await fetch(`${sim.url}/_sim/counters`)).json() as { byOperation: Record<string, number> };
  t.ok((counters.byOperation['graph:delta'] ?? 0) >= 3, 'Graph requests in the shared counters');
  t.equal((await post('/_sim/graph/nope', {})).status, 404);
  t.equal((await post('/_sim/graph/reset', {})).status, 204);
});

t.test('expired tokens', async (t) => {
  entra.control.expireAllAccessTokens();
  const r = await graphGet(`${V}/me/calendars`, graphUser);
  t.equal(r.status, 401);
  t.equal(message(r), 'Lifetime validation failed, the token is expired.');
});
