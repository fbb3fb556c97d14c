// Which calendars of a mailbox the bridge serves: include/exclude lists of patterns matched
// against the display name, the calendar id or the upstream folder id; '*' matches any run of
// characters, case-insensitively. Exclude wins over include.

export interface CalendarFilter {
  include?: readonly string[];
  exclude?: readonly string[];
}

function globToRegExp(glob: string): RegExp {
  const body = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'is');
}

export function compileFilter(filter: CalendarFilter = {}): (names: readonly string[]) => boolean {
  const include = (filter.include ?? ['*']).map(globToRegExp);
  const exclude = (filter.exclude ?? []).map(globToRegExp);
  const any = (res: RegExp[], names: readonly string[]) => res.some((re) => names.some((n) => re.test(n)));
  return (names) => any(include, names) && !any(exclude, names);
}
