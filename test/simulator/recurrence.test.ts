// Expansion by Microsoft's rules (EWS-NOTES §8), independent of RRULE.
import t from 'tap';
import { formatDate, formatUtc } from '../../src/simulator/recurrence/dates.js';
import { expandSeries, seriesDates } from '../../src/simulator/recurrence/expand.js';
import type { Recurrence } from '../../src/simulator/recurrence/types.js';
import { windowsZone } from '../../src/simulator/recurrence/zone-data.js';
import { localToUtc, offsetAt, ruleOffset, utcToLocal } from '../../src/simulator/recurrence/zones.js';
import { zoneFromInput } from '../../src/simulator/mailbox/input.js';

const dates = (r: Recurrence, n = 100): string[] => {
  const out: string[] = [];
  for (const d of seriesDates(r)) {
    out.push(formatDate(d));
    if (out.length >= n) break;
  }
  return out;
};

t.test('AbsoluteMonthly day 31 falls back to the last day of shorter months', async (t) => {
  t.same(dates({ pattern: { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 31 }, range: { kind: 'Numbered', startDate: '2026-01-01', numberOfOccurrences: 6 } }),
    ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30']);
  t.same(dates({ pattern: { kind: 'AbsoluteMonthly', interval: 1, dayOfMonth: 30 }, range: { kind: 'Numbered', startDate: '2028-01-15', numberOfOccurrences: 3 } }),
    ['2028-01-30', '2028-02-29', '2028-03-30'], 'day 30 in a leap February → 29');
  t.same(dates({ pattern: { kind: 'AbsoluteMonthly', interval: 2, dayOfMonth: 15 }, range: { kind: 'Numbered', startDate: '2026-01-20', numberOfOccurrences: 3 } }),
    ['2026-03-15', '2026-05-15', '2026-07-15'], 'interval counts from the start month; dates before StartDate are skipped');
});

t.test('AbsoluteYearly Feb 29 → Feb 28 in non-leap years', async (t) => {
  t.same(dates({ pattern: { kind: 'AbsoluteYearly', month: 'February', dayOfMonth: 29 }, range: { kind: 'Numbered', startDate: '2024-02-29', numberOfOccurrences: 5 } }),
    ['2024-02-29', '2025-02-28', '2026-02-28', '2027-02-28', '2028-02-29']);
});

t.test('RelativeMonthly pseudo-days and Last', async (t) => {
  const rel = (daysOfWeek: string, dayOfWeekIndex: string): string[] => dates({
    pattern: { kind: 'RelativeMonthly', interval: 1, daysOfWeek, dayOfWeekIndex } as Recurrence['pattern'],
    range: { kind: 'Numbered', startDate: '2026-01-01', numberOfOccurrences: 3 },
  });
  t.same(rel('Weekday', 'Last'), ['2026-01-30', '2026-02-27', '2026-03-31'], 'last weekday');
  t.same(rel('WeekendDay', 'First'), ['2026-01-03', '2026-02-01', '2026-03-01'], 'first weekend day');
  t.same(rel('Day', 'Last'), ['2026-01-31', '2026-02-28', '2026-03-31'], 'last day');
  t.same(rel('Day', 'Second'), ['2026-01-02', '2026-02-02', '2026-03-02'], 'second day');
  t.same(rel('Tuesday', 'Second'), ['2026-01-13', '2026-02-10', '2026-03-10']);
  t.same(rel('Friday', 'Last'), ['2026-01-30', '2026-02-27', '2026-03-27']);
  t.same(dates({ pattern: { kind: 'RelativeYearly', month: 'November', daysOfWeek: 'Thursday', dayOfWeekIndex: 'Fourth' }, range: { kind: 'Numbered', startDate: '2026-01-01', numberOfOccurrences: 2 } }),
    ['2026-11-26', '2027-11-25'], 'Thanksgiving');
});

t.test('Weekly with interval and FirstDayOfWeek; Daily; ranges', async (t) => {
  t.same(dates({ pattern: { kind: 'Weekly', interval: 2, daysOfWeek: ['Sunday', 'Saturday'], firstDayOfWeek: 'Monday' }, range: { kind: 'Numbered', startDate: '2026-05-06', numberOfOccurrences: 4 } }),
    ['2026-05-09', '2026-05-10', '2026-05-23', '2026-05-24'], 'weeks start Monday: Sat+Sun belong to the same week');
  t.same(dates({ pattern: { kind: 'Weekly', interval: 2, daysOfWeek: ['Sunday', 'Saturday'], firstDayOfWeek: 'Sunday' }, range: { kind: 'Numbered', startDate: '2026-05-06', numberOfOccurrences: 4 } }),
    ['2026-05-09', '2026-05-17', '2026-05-23', '2026-05-31'], 'weeks start Sunday: WKST matters with interval 2');
  t.same(dates({ pattern: { kind: 'Daily', interval: 3 }, range: { kind: 'EndDate', startDate: '2026-05-01', endDate: '2026-05-10' } }),
    ['2026-05-01', '2026-05-04', '2026-05-07', '2026-05-10'], 'EndDate is inclusive');
  t.same(dates({ pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'Numbered', startDate: '2026-05-01', numberOfOccurrences: 2 } }),
    ['2026-05-01', '2026-05-02'], 'NumberOfOccurrences');
  t.equal(dates({ pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'NoEnd', startDate: '2026-05-01' } }, 500).length, 500, 'NoEnd keeps going');
});

t.test('DST: local time stays fixed across the switch', async (t) => {
  const zone = windowsZone('W. Europe Standard Time');
  if (!zone) throw new Error('zone');
  const start = localToUtc(zone, Date.UTC(2026, 2, 27, 9, 0));
  const series = { start, end: start + 3_600_000, zone, recurrence: { pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'Numbered', startDate: '2026-03-27', numberOfOccurrences: 4 } } as Recurrence };
  t.same([...expandSeries(series)].map((i) => formatUtc(i.start)),
    ['2026-03-27T08:00:00Z', '2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z', '2026-03-30T07:00:00Z']);
  const pac = windowsZone('Pacific Standard Time');
  if (!pac) throw new Error('zone');
  const s2 = localToUtc(pac, Date.UTC(2026, 10, 1, 0, 0)); // all-day across the US fall-back
  const allDay = { start: s2, end: localToUtc(pac, Date.UTC(2026, 10, 2)), zone: pac, recurrence: { pattern: { kind: 'Daily', interval: 1 }, range: { kind: 'Numbered', startDate: '2026-10-31', numberOfOccurrences: 3 } } as Recurrence };
  const inst = [...expandSeries(allDay)];
  t.same(inst.map((i) => formatUtc(i.start)), ['2026-10-31T07:00:00Z', '2026-11-01T07:00:00Z', '2026-11-02T08:00:00Z']);
  t.equal((inst[1]?.end ?? 0) - (inst[1]?.start ?? 0), 25 * 3_600_000, 'the fall-back day lasts 25 hours');
  t.same(inst.map((i) => i.index), [1, 2, 3]);
});

t.test('zones: gap and overlap, custom rules agree with tzdata', async (t) => {
  const zone = windowsZone('W. Europe Standard Time');
  if (!zone) throw new Error('zone');
  t.equal(formatUtc(localToUtc(zone, Date.UTC(2026, 2, 29, 2, 30))), '2026-03-29T01:30:00Z', 'non-existent 02:30 moves forward (03:30 CEST)');
  t.equal(formatUtc(localToUtc(zone, Date.UTC(2026, 9, 25, 2, 30))), '2026-10-25T00:30:00Z', 'ambiguous 02:30 → first (daylight) instant');
  const custom = zoneFromInput({ standardBias: -60, daylight: { bias: -120, start: { month: 3, dayOfWeek: 'Sunday', occurrence: -1, time: '02:00' }, end: { month: 10, dayOfWeek: 'Sunday', occurrence: -1, time: '03:00' } } }, 'UTC');
  t.equal(custom.id, 'tzone://Microsoft/Custom');
  for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 3 * 3_600_000) {
    if (offsetAt(custom, ms) !== offsetAt(zone, ms)) t.fail(`custom offset differs at ${formatUtc(ms)}`);
  }
  // Brazil's pre-2019 rules changed almost yearly (Windows keeps one group per year); check it since abolition.
  const from: Record<string, number> = { 'E. South America Standard Time': 2020 };
  for (const id of ['Pacific Standard Time', 'AUS Eastern Standard Time', 'New Zealand Standard Time', 'E. South America Standard Time', 'GMT Standard Time', 'India Standard Time']) {
    const z = windowsZone(id);
    if (!z) throw new Error(id);
    let diffs = 0;
    for (let ms = Date.UTC(from[id] ?? 2016, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 6 * 3_600_000) if (ruleOffset(z, ms) !== offsetAt(z, ms)) diffs++;
    t.equal(diffs, 0, `${id}: Exchange rules match tzdata`);
  }
  t.equal(utcToLocal(zone, Date.UTC(2026, 6, 1, 12)), Date.UTC(2026, 6, 1, 14));
});

t.test('formatUtc writes what toISOString writes, without the fraction, for any instant', async (t) => {
  const reference = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const edges = [0, -1, -1000, -86_400_001, 0.5, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15];
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const instants = [...edges, ...Array.from({ length: 20_000 }, () => Math.floor((random() - 0.3) * 4e12) + (random() < 0.1 ? 0.25 : 0))];
  const wrong = instants.filter((ms) => formatUtc(ms) !== reference(ms));
  t.same(wrong.slice(0, 5).map((ms) => [ms, formatUtc(ms), reference(ms)]), [], 'no instant differs (extended years included)');
  t.equal(formatUtc(Date.UTC(2026, 2, 29, 1, 59, 59, 999)), '2026-03-29T01:59:59Z', 'fractions are cut, not rounded');
});
