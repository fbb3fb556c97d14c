// GetItem and FindItem (CalendarView, IndexedPageItemView) on a fixture mailbox.
import t from 'tap';
import { startSimulator } from '../../src/simulator/index.js';
import { addGeneratedItems } from '../../src/simulator/mailbox/generate.js';
import { all, basic, calendarView, childNames, first, getItemBody, itemShape, messages, soap, text } from './helpers.js';

const sim = await startSimulator({ mailboxFile: 'fixtures/simulator/basic-mailbox.json', now: '2026-05-01T00:00:00Z' });
t.teardown(() => sim.close());
const auth = basic('mara@contoso.com', 'secret');
const call = (body: string, headers?: string) => soap(sim.ewsUrl, body, { auth, headers });
const ids = Object.fromEntries(sim.control.items('mara@contoso.com').map((i) => [i.key, i.itemId]));
const itemId = (id: string | undefined) => `<t:ItemId Id="${id}"/>`;

t.test('GetItem returns exactly the requested properties, in schema order', async (t) => {
  const r = await call(getItemBody([itemId(ids.planning)], itemShape('IdOnly', ['calendar:End', 'item:Subject', 'calendar:UID', 'calendar:Start', 'item:ItemClass', 'calendar:RequiredAttendees'])));
  t.same(messages(r.doc).map((m) => m.code), ['NoError']);
  const item = first(r.doc, 'CalendarItem');
  t.same(childNames(item), ['ItemId', 'ItemClass', 'Subject', 'UID', 'Start', 'End', 'RequiredAttendees']);
  t.equal(text(item, 'Start'), '2026-06-01T08:00:00Z', 'UTC, no fraction');
  t.equal(text(item, 'UID'), 'external-uid-123@google.com');
  t.same(childNames(first(item, 'Attendee')), ['Mailbox', 'ResponseType', 'LastResponseTime']);
  t.same(childNames(first(first(item, 'Attendee'), 'Mailbox')), ['Name', 'EmailAddress', 'RoutingType', 'MailboxType']);
  t.ok(first(item, 'ItemId')?.attrs.get('Id')?.startsWith('AAMkA'), 'Exchange-looking id');
  t.match(first(item, 'ItemId')?.attrs.get('ChangeKey'), /^DwAAABYAAAA/);
});

t.test('AllProperties: a meeting with everything', async (t) => {
  const r = await call(getItemBody([itemId(ids.planning)], itemShape('AllProperties')));
  const item = first(r.doc, 'CalendarItem');
  const names = childNames(item);
  const order = ['ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Sensitivity', 'Body', 'Categories', 'DateTimeCreated', 'ReminderIsSet', 'LastModifiedTime', 'UID', 'DateTimeStamp', 'Start', 'End', 'IsAllDayEvent', 'LegacyFreeBusyStatus', 'Location', 'IsMeeting', 'IsCancelled', 'IsRecurring', 'IsResponseRequested', 'CalendarItemType', 'MyResponseType', 'Organizer', 'RequiredAttendees', 'OptionalAttendees', 'Resources', 'AppointmentSequenceNumber', 'StartTimeZone', 'EndTimeZone', 'IsOnlineMeeting', 'EnhancedLocation', 'StartTimeZoneId', 'EndTimeZoneId', 'JoinOnlineMeetingUrl'];
  const positions = order.map((n) => names.indexOf(n));
  t.notOk(positions.includes(-1), `all present: ${order.filter((n) => !names.includes(n)).join(',')}`);
  t.same(positions, [...positions].sort((a, b) => a - b), 'schema order');
  t.notOk(names.includes('RecurrenceId'), 'no RecurrenceId on a single item');
  t.equal(text(item, 'CalendarItemType'), 'Single');
  t.equal(text(item, 'IsMeeting'), 'true');
  t.same(all(first(item, 'Categories'), 'String').map((n) => n.text), ['Blue', 'Work']);
  t.equal(text(first(item, 'EnhancedLocation'), 'DisplayName'), 'Room 1');
  t.equal(text(item, 'JoinOnlineMeetingUrl'), 'https://teams.microsoft.com/l/meetup-join/abc');
  t.equal(first(item, 'Body')?.attrs.get('BodyType'), 'HTML');
  const tz = first(item, 'StartTimeZone');
  t.equal(tz?.attrs.get('Id'), 'W. Europe Standard Time');
  t.same(all(tz, 'Period').map((p) => p.attrs.get('Bias')), ['-PT1H', '-PT2H']);
  t.same(all(tz, 'RecurringDayTransition').map((n) => [text(n, 'TimeOffset'), text(n, 'Month'), text(n, 'Occurrence')]), [['PT2H', '3', '-1'], ['PT3H', '10', '-1']]);
  t.equal(text(item, 'StartTimeZoneId'), 'W. Europe Standard Time');
});

t.test('body types and text escaping', async (t) => {
  const asText = await call(getItemBody([itemId(ids.planning)], itemShape('IdOnly', ['item:Body'], '<t:BodyType>Text</t:BodyType>')));
  t.equal(first(first(asText.doc, 'CalendarItem'), 'Body')?.attrs.get('BodyType'), 'Text');
  t.equal(text(first(asText.doc, 'CalendarItem'), 'Body'), 'Agenda & notes\r\nSecond');
  t.match(asText.text, /Agenda &amp; notes&#xD;\nSecond/, 'CR serialised as &#xD;');
  const html = await call(getItemBody([itemId(ids.weekly)], itemShape('IdOnly', ['item:Body'], '<t:BodyType>HTML</t:BodyType>')));
  t.equal(first(first(html.doc, 'CalendarItem'), 'Body')?.attrs.get('BodyType'), 'HTML');
  t.match(text(first(html.doc, 'CalendarItem'), 'Body'), /Line 1<br>/);
  const best = await call(getItemBody([itemId(ids.weekly)], itemShape('IdOnly', ['item:Body'])));
  t.equal(first(first(best.doc, 'CalendarItem'), 'Body')?.attrs.get('BodyType'), 'Text');
  t.equal(first(first(best.doc, 'CalendarItem'), 'Body')?.attrs.get('IsTruncated'), 'false');
});

const seriesFields = ['calendar:CalendarItemType', 'calendar:IsRecurring', 'calendar:Recurrence', 'calendar:FirstOccurrence', 'calendar:LastOccurrence', 'calendar:ModifiedOccurrences', 'calendar:DeletedOccurrences', 'calendar:Start'];

t.test('recurring master: pattern, range, modified and deleted occurrences', async (t) => {
  const r = await call(getItemBody([itemId(ids.weekly)], itemShape('IdOnly', seriesFields)));
  const item = first(r.doc, 'CalendarItem');
  t.equal(text(item, 'CalendarItemType'), 'RecurringMaster');
  t.equal(text(item, 'IsRecurring'), 'false', 'IsRecurring is false on masters, as Exchange returns');
  t.equal(text(item, 'DaysOfWeek'), 'Monday Wednesday');
  t.equal(text(item, 'StartDate'), '2026-05-04+02:00');
  t.equal(text(item, 'EndDate'), '2026-06-30+02:00');
  t.equal(text(first(item, 'FirstOccurrence'), 'Start'), '2026-05-04T07:00:00Z');
  t.equal(text(first(item, 'LastOccurrence'), 'Start'), '2026-06-29T07:00:00Z');
  const mod = all(first(item, 'ModifiedOccurrences'), 'Occurrence');
  t.equal(mod.length, 1);
  t.same(childNames(mod[0]), ['ItemId', 'Start', 'End', 'OriginalStart']);
  t.equal(text(mod[0], 'Start'), '2026-05-11T09:00:00Z');
  t.equal(text(mod[0], 'OriginalStart'), '2026-05-11T07:00:00Z');
  t.same(all(first(item, 'DeletedOccurrences'), 'Start').map((n) => n.text), ['2026-05-13T07:00:00Z']);

  const exId = first(mod[0], 'ItemId')?.attrs.get('Id');
  const ex = await call(getItemBody([itemId(exId)], itemShape('IdOnly', ['item:Subject', 'calendar:CalendarItemType', 'calendar:RecurrenceId', 'calendar:OriginalStart', 'calendar:UID', 'calendar:IsRecurring'])));
  const exItem = first(ex.doc, 'CalendarItem');
  t.equal(text(exItem, 'CalendarItemType'), 'Exception');
  t.equal(text(exItem, 'Subject'), 'Weekly (moved)');
  t.equal(text(exItem, 'RecurrenceId'), '2026-05-11T07:00:00Z');
  t.equal(text(exItem, 'IsRecurring'), 'true');
  t.match(text(exItem, 'UID'), /^040000008200E00074C5B7101A82E008[0-9A-F]{80}$/, 'master UID, Outlook GlobalObjectId style');
});

t.test('occurrence addressing: OccurrenceItemId, RecurringMasterItemId, error slots in order', async (t) => {
  const occ = (n: number) => `<t:OccurrenceItemId RecurringMasterId="${ids.weekly}" InstanceIndex="${n}"/>`;
  const r = await call(getItemBody([occ(1), itemId('AAMkAbogus='), occ(4), itemId(ids.planning), occ(999), `<t:RecurringMasterItemId OccurrenceId="PLACEHOLDER"/>`].slice(0, 5),
    itemShape('IdOnly', ['calendar:Start', 'calendar:CalendarItemType'])));
  t.same(messages(r.doc).map((m) => [m.cls, m.code]), [
    ['Success', 'NoError'], ['Error', 'ErrorInvalidIdMalformed'], ['Error', 'ErrorCalendarOccurrenceIsDeletedFromRecurrence'],
    ['Success', 'NoError'], ['Error', 'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange'],
  ]);
  const first1 = messages(r.doc)[0]?.node;
  t.equal(text(first1, 'CalendarItemType'), 'Occurrence');
  t.equal(text(first1, 'Start'), '2026-05-04T07:00:00Z');
  t.same(childNames(messages(r.doc)[1]?.node), ['MessageText', 'ResponseCode', 'DescriptiveLinkKey', 'Items']);
  const occId = first(first1, 'ItemId')?.attrs.get('Id');
  const master = await call(getItemBody([`<t:RecurringMasterItemId OccurrenceId="${occId}"/>`, itemId(occId)], itemShape('IdOnly', ['calendar:CalendarItemType'])));
  t.same(all(master.doc, 'CalendarItemType').map((n) => n.text), ['RecurringMaster', 'Occurrence']);

  const tmp = sim.control.addItem('mara@contoso.com', { subject: 'tmp', start: '2026-05-02T10:00:00', end: '2026-05-02T11:00:00' });
  sim.control.deleteItem('mara@contoso.com', tmp.key);
  const gone = await call(getItemBody([itemId(tmp.itemId), itemId(ids.planning)]));
  t.same(messages(gone.doc).map((m) => m.code), ['ErrorItemNotFound', 'NoError']);
  t.equal(text(messages(gone.doc)[0]?.node, 'MessageText'), 'The specified object was not found in the store., The process failed to get the correct properties.');
  const folderAsItem = await call(getItemBody([itemId(sim.control.folderId('mara@contoso.com', 'calendar'))]));
  t.same(messages(folderAsItem.doc).map((m) => m.code), ['ErrorInvalidIdMalformed']);
  const tampered = (ids.planning ?? '').slice(0, 20) + ((ids.planning ?? '')[20] === 'A' ? 'B' : 'A') + (ids.planning ?? '').slice(21);
  const bad = await call(getItemBody([itemId(tampered)]));
  t.same(messages(bad.doc).map((m) => m.code), ['ErrorInvalidIdMalformed']);
});

t.test('time zones: multi-group, no-DST, custom; TimeZoneContext', async (t) => {
  const r = await call(getItemBody([itemId(ids.seattle), itemId(ids.mumbai), itemId(ids.custom)], itemShape('IdOnly', ['calendar:StartTimeZone', 'calendar:StartTimeZoneId', 'calendar:Start'])));
  const [sea, mum, cus] = all(r.doc, 'CalendarItem');
  t.equal(text(sea, 'Start'), '2026-05-05T16:00:00Z');
  t.equal(all(sea, 'TransitionsGroup').length, 2);
  t.equal(text(first(sea, 'AbsoluteDateTransition'), 'DateTime'), '2007-01-01T00:00:00');
  t.same(all(first(sea, 'Periods'), 'Period').map((p) => p.attrs.get('Id')), [
    'trule:Microsoft/Registry/Pacific Standard Time/2006-Standard', 'trule:Microsoft/Registry/Pacific Standard Time/2006-Daylight',
    'trule:Microsoft/Registry/Pacific Standard Time/2007-Standard', 'trule:Microsoft/Registry/Pacific Standard Time/2007-Daylight',
  ]);
  t.equal(text(mum, 'Start'), '2026-05-05T03:30:00Z');
  t.same(all(mum, 'Period').map((p) => p.attrs.get('Bias')), ['-PT5H30M']);
  t.equal(first(first(first(mum, 'TransitionsGroup'), 'Transition'), 'To')?.attrs.get('Kind'), 'Period', 'no-DST zone: one Transition to its period');
  t.equal(first(cus, 'StartTimeZone')?.attrs.get('Id'), 'tzone://Microsoft/Custom');
  t.equal(first(cus, 'StartTimeZone')?.attrs.get('Name'), 'Customized Time Zone');
  t.equal(text(cus, 'Start'), '2026-05-07T07:00:00Z');

  const ctx = await call(getItemBody([itemId(ids.planning)], itemShape('IdOnly', ['calendar:Start'])), '<t:TimeZoneContext><t:TimeZoneDefinition Id="Pacific Standard Time"/></t:TimeZoneContext>');
  t.equal(text(ctx.doc, 'Start'), '2026-06-01T01:00:00-07:00', 'dateTimes in the TimeZoneContext zone');
});

const view = (s: string, e: string, max?: number, fields?: string[]) => call(calendarView(s, e, max, fields));

t.test('CalendarView expansion, truncation and limits', async (t) => {
  const r = await view('2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z');
  const root = first(r.doc, 'RootFolder');
  const items = all(r.doc, 'CalendarItem');
  const rows = items.map((i) => `${text(i, 'Start')} ${text(i, 'CalendarItemType')} ${text(i, 'Subject')}`);
  t.same(rows.filter((x) => x.includes('Weekly')), [
    '2026-05-04T07:00:00Z Occurrence Weekly', '2026-05-06T07:00:00Z Occurrence Weekly', '2026-05-11T09:00:00Z Exception Weekly (moved)',
    '2026-05-18T07:00:00Z Occurrence Weekly', '2026-05-20T07:00:00Z Occurrence Weekly', '2026-05-25T07:00:00Z Occurrence Weekly',
    '2026-05-27T07:00:00Z Occurrence Weekly',
  ], 'deleted occurrence gone, modified one replaced');
  t.equal(root?.attrs.get('TotalItemsInView'), String(items.length));
  t.equal(root?.attrs.get('IncludesLastItemInRange'), 'true');
  t.notOk(root?.attrs.has('IndexedPagingOffset'));
  t.same([...rows].sort(), rows, 'sorted by start');
  t.equal(new Set(items.map((i) => first(i, 'ItemId')?.attrs.get('Id'))).size, items.length, 'own ItemIds');

  const cut = await view('2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z', 3);
  t.equal(all(cut.doc, 'CalendarItem').length, 3);
  t.equal(first(cut.doc, 'RootFolder')?.attrs.get('IncludesLastItemInRange'), 'false');
  t.equal(first(cut.doc, 'RootFolder')?.attrs.get('TotalItemsInView'), String(items.length));

  const allDay = await view('2026-07-15T00:00:00Z', '2026-07-16T00:00:00Z');
  t.same(all(allDay.doc, 'Start').map((n) => n.text), ['2026-07-14T22:00:00Z'], 'overlap on instants: all-day item starting 22:00Z the day before');

  const big = await view('2026-01-01T00:00:00Z', '2028-01-02T00:00:00Z');
  t.same(messages(big.doc).map((m) => [m.cls, m.code]), [['Error', 'ErrorCalendarViewRangeTooBig']]);
  const reversed = await view('2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z');
  t.equal(messages(reversed.doc)[0]?.code, 'ErrorCalendarEndDateIsEarlierThanStartDate');
  const withBody = await view('2026-05-01T00:00:00Z', '2026-06-01T00:00:00Z', 10, ['item:Body']);
  t.equal(messages(withBody.doc)[0]?.code, 'ErrorInvalidPropertyRequest', 'FindItem returns no bodies');
  const restricted = await call(`<m:FindItem Traversal="Shallow">${itemShape('IdOnly')}<m:CalendarView StartDate="2026-05-01T00:00:00Z" EndDate="2026-05-02T00:00:00Z"/><m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="x"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
  t.equal(messages(restricted.doc)[0]?.code, 'ErrorInvalidRestriction');
  const org = await view('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z', 10, ['calendar:Organizer']);
  t.same(childNames(first(org.doc, 'Mailbox')), ['Name'], 'FindItem gives the organizer name only');
  const noMissing = await call(`<m:FindItem Traversal="Shallow">${itemShape('IdOnly')}<m:CalendarView StartDate="2026-05-01T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
  t.equal(text(noMissing.doc, 'ResponseCode'), 'ErrorSchemaValidation', 'EndDate is required');
});

t.test('CalendarView above the find count limit', async (t) => {
  const mb = sim.store.mailbox('bulk@contoso.com');
  if (!mb) throw new Error('bulk');
  for (const n of [1, 2, 3]) {
    sim.control.addItem('bulk@contoso.com', {
      subject: `Daily ${n}`, start: '2026-01-01T0' + n + ':00:00Z', end: '2026-01-01T0' + n + ':30:00Z',
      recurrence: { pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'NoEnd', startDate: '2026-01-01' } },
    });
  }
  const bulk = basic('bulk@contoso.com', 'bulk');
  const over = await soap(sim.ewsUrl, calendarView('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), { auth: bulk });
  t.same(messages(over.doc).map((m) => [m.cls, m.code]), [['Error', 'ErrorExceededFindCountLimit']]);
  t.equal(first(over.doc, 'Value')?.attrs.get('Name'), 'PolicyLimit');
  t.equal(text(over.doc, 'Value'), '1000');
  const capped = await soap(sim.ewsUrl, calendarView('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', 5000), { auth: bulk });
  t.equal(all(capped.doc, 'CalendarItem').length, 1000, 'MaxEntriesReturned above 1000 still gives 1000');
  t.equal(first(capped.doc, 'RootFolder')?.attrs.get('TotalItemsInView'), '1095');
  addGeneratedItems(sim.store, mb, 300, { startDate: '2026-03-01', spanDays: 30 });
  const truncated = await soap(sim.ewsUrl, calendarView('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', 2000), { auth: bulk });
  t.equal(all(truncated.doc, 'CalendarItem').length, 1000, 'never more than 1000 per call');
  t.equal(first(truncated.doc, 'RootFolder')?.attrs.get('IncludesLastItemInRange'), 'false');
});

t.test('FindItem IndexedPageItemView: stored items only, paged', async (t) => {
  const page = (offset: number) => call(`<m:FindItem Traversal="Shallow">${itemShape('IdOnly', ['calendar:CalendarItemType'])}<m:IndexedPageItemView MaxEntriesReturned="4" Offset="${offset}" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
  const p1 = await page(0);
  const root = first(p1.doc, 'RootFolder');
  t.equal(root?.attrs.get('IndexedPagingOffset'), '4');
  t.equal(root?.attrs.get('IncludesLastItemInRange'), 'false');
  const total = Number(root?.attrs.get('TotalItemsInView'));
  const p2 = await page(4);
  t.equal(first(p2.doc, 'RootFolder')?.attrs.get('IncludesLastItemInRange'), 'true');
  const types = [...all(p1.doc, 'CalendarItemType'), ...all(p2.doc, 'CalendarItemType')].map((n) => n.text);
  t.equal(types.length, total);
  t.ok(types.every((x) => x === 'Single' || x === 'RecurringMaster'));
  const restricted = await call(`<m:FindItem Traversal="Shallow">${itemShape('IdOnly', ['item:Subject'])}<m:IndexedPageItemView Offset="0" BasePoint="Beginning"/><m:Restriction><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="weekly"/></t:Contains></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
  t.same(all(restricted.doc, 'Subject').map((n) => n.text), ['Weekly']);
  const badView = await call(`<m:FindItem Traversal="Shallow">${itemShape('IdOnly')}<m:IndexedPageItemView Offset="0"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
  t.equal(text(badView.doc, 'ResponseCode'), 'ErrorSchemaValidation', 'BasePoint is required');
});
