// Streaming EWS parse benchmark: FindItem (CalendarView) and GetItem responses with 1,000 and
// 10,000 realistic calendar items, generated here, fed to the same reader the transport uses in
// 64 KiB chunks and parsed into the model. Baselines in the same run: a bare pass of the reader's
// tokenizer (src/exchange/xml-tokenizer.ts) and of saxes (the generic parser it replaced) with no
// handlers over the same text, and JSON.parse of an equivalent JSON document.
// Run: node --import tsx --expose-gc bench/ews-parse.ts
// Targets (DESIGN): 1,000 items < 60 ms, RSS growth < 100 MB, linear to 10,000.

import { SaxesParser } from 'saxes';
import { findItem } from '../src/exchange/operations/find-item.js';
import { getItem, type GetItemArgs } from '../src/exchange/operations/get-item.js';
import type { EwsOperation } from '../src/exchange/operation.js';
import { emptySoapResponse, soapResponseHandler, type MessageSpec } from '../src/exchange/soap-response.js';
import { XmlStreamReader } from '../src/exchange/xml-reader.js';
import { XmlTokenizer } from '../src/exchange/xml-tokenizer.js';

const T = 'http://schemas.microsoft.com/exchange/services/2006/types';
const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
const S = 'http://schemas.xmlsoap.org/soap/envelope/';
const CHUNK = 64 * 1024;

const WE = (el: string) =>
  `<t:${el} Id="W. Europe Standard Time" Name="(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"><t:Periods>` +
  `<t:Period Bias="-PT1H" Name="Standard" Id="trule:Microsoft/Registry/W. Europe Standard Time/1-Standard"/>` +
  `<t:Period Bias="-PT2H" Name="Daylight" Id="trule:Microsoft/Registry/W. Europe Standard Time/1-Daylight"/></t:Periods>` +
  `<t:TransitionsGroups><t:TransitionsGroup Id="0"><t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/1-Daylight</t:To>` +
  `<t:TimeOffset>PT2H</t:TimeOffset><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition>` +
  `<t:RecurringDayTransition><t:To Kind="Period">trule:Microsoft/Registry/W. Europe Standard Time/1-Standard</t:To><t:TimeOffset>PT3H</t:TimeOffset>` +
  `<t:Month>10</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>-1</t:Occurrence></t:RecurringDayTransition></t:TransitionsGroup></t:TransitionsGroups>` +
  `<t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions></t:${el}>`;

function id(i: number, salt = 'item'): string {
  return 'AAMkAGI2NDk5YjFiLTdkZjUtNGI1Zi1hNjgxLTdmMGYwMzc0MjZiNgBGAAAAAAD' + Buffer.from(`${salt}-${i}-`.padEnd(78, 'x')).toString('base64');
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
const BASE = Date.UTC(2026, 0, 5, 8);

function attendee(name: string, email: string, response: string): string {
  return `<t:Attendee><t:Mailbox><t:Name>${name}</t:Name><t:EmailAddress>${email}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox><t:ResponseType>${response}</t:ResponseType></t:Attendee>`;
}

function fullItem(i: number): string {
  const start = BASE + i * 3_600_000 * 5;
  const recurring = i % 5 === 0;
  const meeting = i % 2 === 0;
  const people = meeting
    ? `<t:RequiredAttendees>${attendee('Jonas Weber', 'jonas.weber@contoso.com', 'Accept')}${attendee('Weber, Anna', 'anna.weber@contoso.com', 'Tentative')}${attendee('Kenji Sato', 'kenji@contoso.co.jp', 'NoResponseReceived')}</t:RequiredAttendees>` +
      `<t:OptionalAttendees>${attendee('Project Phoenix', 'phoenix@contoso.com', 'Unknown')}</t:OptionalAttendees>` +
      `<t:Resources>${attendee('Konferenzraum Elbe', 'room-elbe@contoso.com', 'Accept')}</t:Resources>`
    : '';
  const recurrence = recurring
    ? `<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Wednesday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence>` +
      `<t:EndDateRecurrence><t:StartDate>2026-01-05+01:00</t:StartDate><t:EndDate>2026-06-30+02:00</t:EndDate></t:EndDateRecurrence></t:Recurrence>` +
      `<t:ModifiedOccurrences><t:Occurrence><t:ItemId Id="${id(i, 'ex')}" ChangeKey="DwAAABYAAAA"/><t:Start>${iso(start + 86_400_000 * 7 + 3_600_000)}</t:Start><t:End>${iso(start + 86_400_000 * 7 + 7_200_000)}</t:End><t:OriginalStart>${iso(start + 86_400_000 * 7)}</t:OriginalStart></t:Occurrence></t:ModifiedOccurrences>` +
      `<t:DeletedOccurrences><t:DeletedOccurrence><t:Start>${iso(start + 86_400_000 * 14)}</t:Start></t:DeletedOccurrence></t:DeletedOccurrences>`
    : '';
  return (
    `<t:CalendarItem><t:ItemId Id="${id(i)}" ChangeKey="DwAAABYAAAAzgsWEqpxG3inICldJxoziU4rcr8${i % 10}"/><t:ParentFolderId Id="${id(0, 'folder')}" ChangeKey="AQAAAA=="/>` +
    `<t:ItemClass>IPM.Appointment</t:ItemClass><t:Subject>Project review #${i} &amp; planning</t:Subject><t:Sensitivity>Normal</t:Sensitivity>` +
    `<t:Body BodyType="HTML" IsTruncated="false">&lt;html&gt;&lt;body&gt;&lt;p&gt;Agenda for meeting ${i}:&amp;nbsp;numbers, risks, next steps.&lt;/p&gt;&#xD;\n&lt;p&gt;Join from the room or online.&lt;/p&gt;&lt;/body&gt;&lt;/html&gt;</t:Body>` +
    `<t:Categories><t:String>Project</t:String></t:Categories><t:Importance>Normal</t:Importance><t:DateTimeCreated>2025-12-01T10:00:00Z</t:DateTimeCreated>` +
    `<t:ReminderIsSet>true</t:ReminderIsSet><t:ReminderMinutesBeforeStart>15</t:ReminderMinutesBeforeStart><t:LastModifiedTime>2025-12-02T10:00:00Z</t:LastModifiedTime>` +
    `<t:UID>040000008200E00074C5B7101A82E00800000000D0A5F3D1C1D2DC0100000000000000001000000${String(i).padStart(8, '0')}</t:UID>` +
    (meeting ? `<t:DateTimeStamp>2025-12-02T10:00:00Z</t:DateTimeStamp>` : '') +
    `<t:Start>${iso(start)}</t:Start><t:End>${iso(start + 3_600_000)}</t:End><t:IsAllDayEvent>false</t:IsAllDayEvent><t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus>` +
    `<t:Location>Konferenzraum Elbe</t:Location><t:IsMeeting>${meeting}</t:IsMeeting><t:IsCancelled>false</t:IsCancelled><t:IsRecurring>false</t:IsRecurring>` +
    `<t:MeetingRequestWasSent>${meeting}</t:MeetingRequestWasSent><t:IsResponseRequested>${meeting}</t:IsResponseRequested>` +
    `<t:CalendarItemType>${recurring ? 'RecurringMaster' : 'Single'}</t:CalendarItemType><t:MyResponseType>Organizer</t:MyResponseType>` +
    `<t:Organizer><t:Mailbox><t:Name>Mara Lindqvist</t:Name><t:EmailAddress>mara@contoso.com</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox></t:Organizer>` +
    people +
    `<t:AppointmentSequenceNumber>0</t:AppointmentSequenceNumber><t:AppointmentState>${meeting ? 1 : 0}</t:AppointmentState>` +
    recurrence +
    WE('StartTimeZone') +
    WE('EndTimeZone') +
    `<t:IsOnlineMeeting>false</t:IsOnlineMeeting><t:StartTimeZoneId>W. Europe Standard Time</t:StartTimeZoneId><t:EndTimeZoneId>W. Europe Standard Time</t:EndTimeZoneId>` +
    `</t:CalendarItem>`
  );
}

function viewItem(i: number): string {
  const start = BASE + i * 3_600_000 * 5;
  const type = ['Single', 'Occurrence', 'Exception', 'Single'][i % 4];
  return (
    `<t:CalendarItem><t:ItemId Id="${id(i)}" ChangeKey="DwAAABYAAAAzgsWEqpxG3inICldJxoziU4rcr8${i % 10}"/><t:Subject>Project review #${i}</t:Subject><t:Sensitivity>Normal</t:Sensitivity>` +
    `<t:UID>040000008200E00074C5B7101A82E00800000000D0A5F3D1C1D2DC0100000000000000001000000${String(i).padStart(8, '0')}</t:UID>` +
    `<t:Start>${iso(start)}</t:Start><t:End>${iso(start + 3_600_000)}</t:End><t:IsAllDayEvent>${i % 17 === 0}</t:IsAllDayEvent>` +
    `<t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus><t:Location>Konferenzraum Elbe</t:Location><t:IsCancelled>false</t:IsCancelled>` +
    `<t:CalendarItemType>${type}</t:CalendarItemType><t:Organizer><t:Mailbox><t:Name>Mara Lindqvist</t:Name></t:Mailbox></t:Organizer>` +
    `<t:StartTimeZoneId>W. Europe Standard Time</t:StartTimeZoneId><t:EndTimeZoneId>W. Europe Standard Time</t:EndTimeZoneId></t:CalendarItem>`
  );
}

const HEADER = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${S}"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="8835" MinorBuildNumber="21" Version="V2018_01_08" xmlns:h="${T}"/></s:Header><s:Body>`;

function findItemDoc(n: number): string {
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(viewItem(i));
  return `${HEADER}<m:FindItemResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder TotalItemsInView="${n}" IncludesLastItemInRange="true"><t:Items>${items.join('')}</t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse></s:Body></s:Envelope>`;
}

function getItemDoc(n: number): string {
  const msgs: string[] = [];
  for (let i = 0; i < n; i++) msgs.push(`<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>${fullItem(i)}</m:Items></m:GetItemResponseMessage>`);
  return `${HEADER}<m:GetItemResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages>${msgs.join('')}</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>`;
}

/** The equivalent data as JSON (what a Graph-like API would send), for the JSON.parse baseline. */
function jsonDoc(n: number, full: boolean): string {
  const items = Array.from({ length: n }, (_, i) => ({
    id: id(i),
    changeKey: 'DwAAABYAAAAzgsWEqpxG3inICldJxoziU4rcr8',
    subject: `Project review #${i}`,
    start: { dateTime: iso(BASE + i * 18_000_000), timeZone: 'W. Europe Standard Time' },
    end: { dateTime: iso(BASE + i * 18_000_000 + 3_600_000), timeZone: 'W. Europe Standard Time' },
    location: 'Konferenzraum Elbe',
    type: 'singleInstance',
    ...(full
      ? {
          body: { contentType: 'html', content: `<html><body><p>Agenda for meeting ${i}: numbers, risks, next steps.</p>\r\n<p>Join from the room or online.</p></body></html>` },
          attendees: [1, 2, 3, 4, 5].map((k) => ({ emailAddress: { name: `Person ${k}`, address: `p${k}@contoso.com` }, type: 'required', status: { response: 'accepted' } })),
          organizer: { emailAddress: { name: 'Mara Lindqvist', address: 'mara@contoso.com' } },
          categories: ['Project'],
          recurrence: i % 5 === 0 ? { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'] }, range: { type: 'endDate', startDate: '2026-01-05', endDate: '2026-06-30' } } : null,
        }
      : {}),
  }));
  return JSON.stringify({ value: items });
}

function parseStreaming<A, R, S>(op: EwsOperation<A, R, S>, args: A, doc: string): R {
  const ctx = { version: 'Exchange2016' as const, mailbox: 'mara@contoso.com' };
  const out = emptySoapResponse<S>();
  const reader = new XmlStreamReader(soapResponseHandler(op.response(args, ctx) as MessageSpec<S>, out));
  for (let i = 0; i < doc.length; i += CHUNK) reader.write(doc.slice(i, i + CHUNK));
  reader.close();
  return op.result(out.messages, args, { ...ctx, url: new URL('https://outlook.office365.com/EWS/Exchange.asmx'), operation: op.name });
}

function bareTokenizer(doc: string): void {
  const t = new XmlTokenizer({ startElement() {}, endElement() {}, text() {} });
  for (let i = 0; i < doc.length; i += CHUNK) t.write(doc.slice(i, i + CHUNK));
  t.close();
}

function bareSaxes(doc: string): void {
  const p = new SaxesParser({ xmlns: true, position: false });
  for (let i = 0; i < doc.length; i += CHUNK) p.write(doc.slice(i, i + CHUNK));
  p.close();
}

const gc = (globalThis as { gc?: () => void }).gc;

interface Figures {
  ms: number;
  /** User + system CPU time of this process: robust when other processes share the cores. */
  cpuMs: number;
  perSec: number;
  rssMb: number;
}

function measure(label: string, n: number, fn: () => unknown): Figures {
  gc?.();
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  // Read while the result is still alive: the parse holds everything it built until here, so
  // this is the high-water mark of a synchronous parse (a timer cannot sample during it).
  const rssMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  void result;
  const perSec = (n / cpuMs) * 1000;
  console.log(
    `${label.padEnd(40)} ${String(n).padStart(6)} items  wall ${ms.toFixed(1).padStart(8)} ms  cpu ${cpuMs.toFixed(1).padStart(8)} ms ${Math.round(perSec).toString().padStart(9)} items/s  RSS +${rssMb.toFixed(1)} MB`,
  );
  return { ms, cpuMs, perSec, rssMb };
}

function best(label: string, n: number, fn: () => unknown, runs = 5): Figures {
  // The first run carries RSS growth honestly; the best of a few runs is the time figure (the JIT
  // needs a few parses of 1,000 items to reach steady state, for saxes as for the tokenizer).
  const first = measure(label, n, fn);
  let { ms, cpuMs } = first;
  for (let i = 1; i < runs; i++) {
    const again = measure(`${label} (again)`, n, fn);
    ms = Math.min(ms, again.ms);
    cpuMs = Math.min(cpuMs, again.cpuMs);
  }
  return { ms, cpuMs, perSec: (n / cpuMs) * 1000, rssMb: first.rssMb };
}

if (!gc) console.log('(run with --expose-gc for cleaner RSS figures)');
// Warm-up: compile the hot paths once.
parseStreaming(findItem, { folder: { distinguished: 'calendar' }, start: 0, end: 1, maxEntries: 1000 }, findItemDoc(200));
parseStreaming(getItem, { ids: Array.from({ length: 200 }, (_, i) => ({ kind: 'item' as const, id: id(i) })) }, getItemDoc(200));

const summary: string[] = [];
for (const n of [1000, 10_000]) {
  const fDoc = findItemDoc(n);
  const gDoc = getItemDoc(n);
  const getArgs: GetItemArgs = { ids: Array.from({ length: n }, (_, i) => ({ kind: 'item' as const, id: id(i) })) };
  const fJson = jsonDoc(n, false);
  const gJson = jsonDoc(n, true);
  console.log(`\n--- ${n} items: FindItem ${(fDoc.length / 1e6).toFixed(1)} MB, GetItem ${(gDoc.length / 1e6).toFixed(1)} MB of XML`);
  const f = best('FindItem → model (streaming)', n, () => parseStreaming(findItem, { folder: { distinguished: 'calendar' }, start: 0, end: 1, maxEntries: n }, fDoc));
  const ft = best('  baseline: bare tokenizer', n, () => bareTokenizer(fDoc));
  const fb = best('  baseline: bare saxes', n, () => bareSaxes(fDoc));
  const fj = best('  baseline: JSON.parse equivalent', n, () => JSON.parse(fJson));
  const g = best('GetItem → model (streaming)', n, () => parseStreaming(getItem, getArgs, gDoc));
  const gt = best('  baseline: bare tokenizer', n, () => bareTokenizer(gDoc));
  const gb = best('  baseline: bare saxes', n, () => bareSaxes(gDoc));
  const gj = best('  baseline: JSON.parse equivalent', n, () => JSON.parse(gJson));
  const fmt = (x: Figures) => `${x.cpuMs.toFixed(1)} ms cpu / ${x.ms.toFixed(1)} ms wall`;
  summary.push(
    `${n} FindItem: ${fmt(f)}, ${Math.round(f.perSec)} items/s, RSS +${f.rssMb.toFixed(0)} MB | bare tokenizer ${fmt(ft)} | bare saxes ${fmt(fb)} | JSON.parse ${fmt(fj)}`,
    `${n} GetItem:  ${fmt(g)}, ${Math.round(g.perSec)} items/s, RSS +${g.rssMb.toFixed(0)} MB | bare tokenizer ${fmt(gt)} | bare saxes ${fmt(gb)} | JSON.parse ${fmt(gj)}`,
  );
}
console.log('\nsummary');
for (const line of summary) console.log('  ' + line);
