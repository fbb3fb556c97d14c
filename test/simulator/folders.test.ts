// GetFolder and FindFolder on the demo mailbox.
import t from 'tap';
import { startSimulator } from '../../src/simulator/index.js';
import { all, childNames, first, messages, soap, text } from './helpers.js';

const sim = await startSimulator({ now: '2026-05-06T10:00:00Z' });
t.teardown(() => sim.close());
const shape = (base: string, extra: string[] = []) => `<m:FolderShape><t:BaseShape>${base}</t:BaseShape>${extra.length ? `<t:AdditionalProperties>${extra.map((f) => `<t:FieldURI FieldURI="${f}"/>`).join('')}</t:AdditionalProperties>` : ''}</m:FolderShape>`;

t.test('GetFolder: shapes, ids, slots in request order', async (t) => {
  const def = await soap(sim.ewsUrl, `<m:GetFolder>${shape('Default')}<m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>`);
  const cal = first(def.doc, 'CalendarFolder');
  t.same(childNames(cal), ['FolderId', 'DisplayName', 'TotalCount', 'ChildFolderCount'], 'Default folder shape');
  t.equal(text(cal, 'DisplayName'), 'Calendar');
  t.match(first(cal, 'FolderId')?.attrs.get('ChangeKey'), /^AQAAABYAAAA/);
  const calId = first(cal, 'FolderId')?.attrs.get('Id');
  const allProps = await soap(sim.ewsUrl, `<m:GetFolder>${shape('AllProperties')}<m:FolderIds><t:FolderId Id="${calId}"/><t:FolderId Id="AQMkAbogus="/><t:DistinguishedFolderId Id="msgfolderroot"/><t:DistinguishedFolderId Id="archiveroot"/></m:FolderIds></m:GetFolder>`);
  t.same(messages(allProps.doc).map((m) => m.code), ['NoError', 'ErrorInvalidIdMalformed', 'NoError', 'ErrorFolderNotFound']);
  const full = first(messages(allProps.doc)[0]?.node, 'CalendarFolder');
  t.same(childNames(full), ['FolderId', 'ParentFolderId', 'FolderClass', 'DisplayName', 'TotalCount', 'ChildFolderCount', 'EffectiveRights']);
  t.equal(text(full, 'FolderClass'), 'IPF.Appointment');
  const root = first(messages(allProps.doc)[2]?.node, 'Folder');
  t.equal(text(root, 'DisplayName'), 'Top of Information Store');
  t.ok(childNames(root).includes('UnreadCount'), 't:Folder carries UnreadCount');
  const extra = await soap(sim.ewsUrl, `<m:GetFolder>${shape('IdOnly', ['folder:FolderClass', 'folder:DisplayName'])}<m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>`);
  t.same(childNames(first(extra.doc, 'CalendarFolder')), ['FolderId', 'FolderClass', 'DisplayName']);
});

t.test('FindFolder: deep traversal with the folder-class restriction, paging', async (t) => {
  const restriction = (mode: string, value: string) => `<m:Restriction><t:Contains ContainmentMode="${mode}" ContainmentComparison="Exact"><t:FieldURI FieldURI="folder:FolderClass"/><t:Constant Value="${value}"/></t:Contains></m:Restriction>`;
  const find = (traversal: string, view: string, restr: string, parent = 'msgfolderroot') =>
    soap(sim.ewsUrl, `<m:FindFolder Traversal="${traversal}">${shape('Default', ['folder:FolderClass'])}${view}${restr}<m:ParentFolderIds><t:DistinguishedFolderId Id="${parent}"/></m:ParentFolderIds></m:FindFolder>`);
  const deep = await find('Deep', '<m:IndexedPageFolderView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/>', restriction('Prefixed', 'IPF.Appointment'));
  const names = all(deep.doc, 'DisplayName').map((n) => n.text);
  t.same(names, ['Calendar', 'Team', 'Holidays', 'Birthdays']);
  t.same(all(deep.doc, 'FolderClass').map((n) => n.text), ['IPF.Appointment', 'IPF.Appointment', 'IPF.Appointment', 'IPF.Appointment.Birthday']);
  t.equal(first(deep.doc, 'RootFolder')?.attrs.get('IncludesLastItemInRange'), 'true');
  const exact = await find('Deep', '', restriction('FullString', 'IPF.Appointment'));
  t.notOk(all(exact.doc, 'DisplayName').map((n) => n.text).includes('Birthdays'), 'FullString excludes the Birthday subclass');
  const eq = await find('Deep', '', '<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="folder:FolderClass"/><t:FieldURIOrConstant><t:Constant Value="IPF.Appointment.Birthday"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>');
  t.same(all(eq.doc, 'DisplayName').map((n) => n.text), ['Birthdays']);
  const shallow = await find('Shallow', '', restriction('Prefixed', 'IPF.Appointment'));
  t.same(all(shallow.doc, 'DisplayName').map((n) => n.text), ['Calendar', 'Holidays', 'Birthdays'], 'Team lives under Calendar');
  const paged = await find('Deep', '<m:IndexedPageFolderView MaxEntriesReturned="3" Offset="0" BasePoint="Beginning"/>', restriction('Prefixed', 'IPF.Appointment'));
  const root = first(paged.doc, 'RootFolder');
  t.same([root?.attrs.get('IndexedPagingOffset'), root?.attrs.get('TotalItemsInView'), root?.attrs.get('IncludesLastItemInRange')], ['3', '4', 'false']);
  const p2 = await find('Deep', '<m:IndexedPageFolderView MaxEntriesReturned="3" Offset="3" BasePoint="Beginning"/>', restriction('Prefixed', 'IPF.Appointment'));
  t.same(all(p2.doc, 'DisplayName').map((n) => n.text), ['Birthdays']);
  const unsupported = await find('Deep', '', '<m:Restriction><t:Exists><t:FieldURI FieldURI="folder:PolicyTag"/></t:Exists></m:Restriction>');
  t.equal(messages(unsupported.doc)[0]?.code, 'ErrorUnsupportedPathForQuery');
  const noTraversal = await soap(sim.ewsUrl, `<m:FindFolder Traversal="Sideways">${shape('Default')}<m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindFolder>`);
  t.equal(text(noTraversal.doc, 'ResponseCode'), 'ErrorSchemaValidation');
});
