// Envelope, versions, fault forms, HTTP status codes, authentication and mailbox access.
import t from 'tap';
import { startSimulator } from '../../src/simulator/index.js';
import { ALEX, DEMO, NS, basic, childNames, envelope, first, messages, post, soap, text } from './helpers.js';

const sim = await startSimulator({ now: '2026-05-06T10:00:00Z' });
t.teardown(() => sim.close());
const getCalendar = '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>';

t.test('success envelope: namespaces, ServerVersionInfo, single line', async (t) => {
  const r = await soap(sim.ewsUrl, getCalendar);
  t.equal(r.status, 200);
  t.match(r.headers.get('content-type'), /^text\/xml; charset=utf-8/);
  t.notOk(r.text.includes('\n'), 'not pretty-printed');
  const info = first(r.doc, 'ServerVersionInfo');
  t.equal(info?.ns, NS.t);
  t.equal(info?.attrs.get('MajorVersion'), '15');
  t.equal(info?.attrs.get('MinorVersion'), '20');
  t.equal(info?.attrs.get('Version'), 'V2018_01_08');
  t.equal(first(r.doc, 'GetFolderResponse')?.ns, NS.m);
  t.same(messages(r.doc).map((m) => [m.cls, m.code]), [['Success', 'NoError']]);
  t.notOk(/<s:Body [^>]*xmlns:xsi/.test(r.text), 'Exchange Online puts no attributes on s:Body');
});

t.test('version checks and the Exchange 2016 look', async (t) => {
  const bad = await soap(sim.ewsUrl, getCalendar, { version: 'Exchange2099' });
  t.equal(bad.status, 500);
  t.equal(first(bad.doc, 'faultcode')?.text, 'a:ErrorInvalidServerVersion');
  t.equal(text(bad.doc, 'ResponseCode'), 'ErrorInvalidServerVersion');
  t.equal(first(bad.doc, 'ResponseCode')?.ns, NS.e);
  t.notOk(first(bad.doc, 'Header'), 'faults carry no SOAP header');
  const none = await soap(sim.ewsUrl, getCalendar, { version: null });
  t.equal(none.status, 200, 'no RequestServerVersion is accepted');

  const onprem = await startSimulator({ serverVersion: 'exchange2016' });
  t.teardown(() => onprem.close());
  const r = await soap(onprem.ewsUrl, getCalendar);
  t.equal(first(r.doc, 'ServerVersionInfo')?.attrs.get('Version'), 'V2017_07_11');
  t.equal(first(r.doc, 'ServerVersionInfo')?.attrs.get('MinorVersion'), '1');
  t.match(r.text, /<s:Body xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance" xmlns:xsd=/);
  const tooNew = await soap(onprem.ewsUrl, getCalendar, { version: 'V2018_01_08' });
  t.equal(text(tooNew.doc, 'ResponseCode'), 'ErrorInvalidServerVersion', 'newer than the server knows');
});

t.test('schema validation faults', async (t) => {
  const cases: Array<[string, string]> = [
    ['unknown operation', '<m:FrobnicateItem/>'],
    ['elements out of order', '<m:GetFolder><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape></m:GetFolder>'],
    ['missing Traversal', '<m:FindFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindFolder>'],
    ['bad enum', '<m:GetFolder><m:FolderShape><t:BaseShape>Everything</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>'],
    ['bad distinguished id', '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="kalender"/></m:FolderIds></m:GetFolder>'],
    ['bad FieldURI', '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:Nope"/></t:AdditionalProperties></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>'],
    ['wrong namespace', '<GetFolder xmlns="urn:other"/>'],
  ];
  for (const [name, body] of cases) {
    const r = await soap(sim.ewsUrl, body);
    t.equal(r.status, 500, name);
    t.equal(first(r.doc, 'faultcode')?.text, 'a:ErrorSchemaValidation', name);
    t.ok(first(r.doc, 'Violation'), `${name}: Violation detail`);
    t.ok(first(r.doc, 'LineNumber'), `${name}: LineNumber detail`);
  }
  const malformed = await post(sim.ewsUrl, '<soap:Envelope xmlns:soap="x"><unclosed>');
  t.equal(malformed.status, 500);
  t.equal(text(malformed.doc, 'ResponseCode'), 'ErrorSchemaValidation');
  const dtd = await post(sim.ewsUrl, `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${envelope(getCalendar).replace(/^<\?xml[^>]*>/, '')}`);
  t.equal(text(dtd.doc, 'ResponseCode'), 'ErrorSchemaValidation', 'DTDs are refused');
  const unimplemented = await soap(sim.ewsUrl, '<m:CreateItem SendMeetingInvitations="SendToNone"/>');
  t.equal(unimplemented.status, 500);
  t.equal(text(unimplemented.doc, 'ResponseCode'), 'ErrorInvalidOperation');
});

t.test('HTTP level: methods, content types, paths', async (t) => {
  const get = await fetch(sim.ewsUrl, { headers: { authorization: DEMO } });
  t.equal(get.status, 200);
  t.match(get.headers.get('content-type'), /text\/html/);
  const put = await fetch(sim.ewsUrl, { method: 'PUT', headers: { authorization: DEMO }, body: 'x' });
  t.equal(put.status, 405);
  const json = await fetch(sim.ewsUrl, { method: 'POST', headers: { authorization: DEMO, 'content-type': 'application/json' }, body: '{}' });
  t.equal(json.status, 415);
  const soap12 = await fetch(sim.ewsUrl, { method: 'POST', headers: { authorization: DEMO, 'content-type': 'application/soap+xml; charset=utf-8' }, body: envelope(getCalendar) });
  t.equal(soap12.status, 415);
  const other = await fetch(`${sim.url}/EWS/Other.asmx`, { headers: { authorization: DEMO } });
  t.equal(other.status, 404);
  const lower = await post(`${sim.url}/ews/exchange.asmx`, envelope(getCalendar));
  t.equal(lower.status, 200, 'IIS paths are case-insensitive');
  const ctl = await post(`${sim.ewsUrl}/_sim/counters`, envelope(getCalendar));
  t.not(ctl.status, 200, 'control API is not reachable under the EWS path');
});

t.test('authentication', async (t) => {
  const none = await fetch(sim.ewsUrl, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope(getCalendar) });
  t.equal(none.status, 401);
  t.equal(none.headers.get('www-authenticate'), 'Basic realm="127.0.0.1"');
  const wrong = await soap(sim.ewsUrl, getCalendar, { auth: basic('demo@example.com', 'nope') });
  t.equal(wrong.status, 401);
  const unknown = await soap(sim.ewsUrl, getCalendar, { auth: basic('ghost@example.com', 'demo') });
  t.equal(unknown.status, 401);
  const bearer = await soap(sim.ewsUrl, getCalendar, { auth: 'Bearer eyJ0eXAi' });
  t.equal(bearer.status, 401, 'no Bearer scheme configured');
  const domain = await soap(sim.ewsUrl, getCalendar, { auth: basic('EXAMPLE\\demo', 'demo') });
  t.equal(domain.status, 200, 'DOMAIN\\user logon name');
  const caseInsensitive = await soap(sim.ewsUrl, getCalendar, { auth: basic('Demo@Example.com', 'demo') });
  t.equal(caseInsensitive.status, 200);

  const onprem = await startSimulator({ auth: { offer: ['Negotiate', 'NTLM', 'Basic'] } });
  t.teardown(() => onprem.close());
  const r = await fetch(onprem.ewsUrl, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: envelope(getCalendar) });
  t.equal(r.status, 401);
  t.equal(r.headers.get('www-authenticate'), 'Negotiate, NTLM, Basic realm="127.0.0.1"', 'one header per scheme (joined by fetch)');
});

t.test('mailbox access: own, delegated, denied, nonexistent, impersonation', async (t) => {
  const other = (smtp: string) => `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>${smtp}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder>`;
  const denied = await soap(sim.ewsUrl, other('alex@example.com'));
  t.equal(denied.status, 200);
  t.same(messages(denied.doc).map((m) => [m.cls, m.code]), [['Error', 'ErrorAccessDenied']]);
  t.same(childNames(messages(denied.doc)[0]?.node), ['MessageText', 'ResponseCode', 'DescriptiveLinkKey', 'Folders'], 'error slot element order');
  const delegated = await soap(sim.ewsUrl, other('shared@example.com'));
  t.same(messages(delegated.doc).map((m) => m.code), ['NoError']);
  const missing = await soap(sim.ewsUrl, other('nobody@example.com'));
  t.same(messages(missing.doc).map((m) => m.code), ['ErrorNonExistentMailbox']);
  t.equal(text(missing.doc, 'MessageText'), 'The SMTP address has no mailbox associated with it.');
  const reverse = await soap(sim.ewsUrl, other('demo@example.com'), { auth: ALEX });
  t.same(messages(reverse.doc).map((m) => m.code), ['ErrorAccessDenied'], 'alex cannot open demo');

  const imp = '<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>alex@example.com</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>';
  const refused = await soap(sim.ewsUrl, getCalendar, { headers: imp });
  t.equal(refused.status, 500);
  t.equal(text(refused.doc, 'ResponseCode'), 'ErrorImpersonateUserDenied');
});

t.test('request log keeps X-AnchorMailbox and User-Agent', async (t) => {
  sim.control.resetCounters();
  await soap(sim.ewsUrl, getCalendar, { httpHeaders: { 'x-anchormailbox': 'demo@example.com', 'user-agent': 'ewsdav-test/1.0' } });
  const log = sim.control.requestLog();
  t.equal(log.length, 1);
  t.match(log[0], { operation: 'GetFolder', mailbox: 'demo@example.com', authScheme: 'Basic', anchorMailbox: 'demo@example.com', userAgent: 'ewsdav-test/1.0', status: 200 });
});
