#!/usr/bin/python3
"""A python3-caldav (Debian, 0.11) session against the bridge, printed as one JSON document.

Usage: caldav_client.py URL USER PASSWORD START END   (START/END: ISO-8601 instants, UTC)

It does what a Python calendar tool does: discover the principal and its calendars from the
server URL, search a date range (unexpanded: masters with their overrides; expanded: one
object per occurrence, as the server expands them), then read events back by URL. The test
asserts on the JSON; this script asserts nothing itself.
"""
import json
import sys
from datetime import date, datetime, timezone

import caldav


def when(value):
    """DTSTART/RECURRENCE-ID as text: dates stay dates, date-times become UTC instants."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()  # floating time: nothing to convert
        return value.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def vevents(obj):
    """Every VEVENT of a calendar object resource (master first, then overrides)."""
    out = []
    for comp in obj.icalendar_instance.walk('VEVENT'):
        item = {
            'uid': str(comp.get('UID')),
            'summary': str(comp.get('SUMMARY')),
            'dtstart': when(comp.decoded('DTSTART')),
            'rrule': comp.get('RRULE') is not None,
        }
        if comp.get('RECURRENCE-ID') is not None:
            item['recurrenceId'] = when(comp.decoded('RECURRENCE-ID'))
        out.append(item)
    return out


def search(calendar, start, end, expand):
    # 0.11 has Calendar.search(); date_search() is its older, deprecated spelling.
    if hasattr(calendar, 'search'):
        found = calendar.search(start=start, end=end, event=True, expand=expand)
    else:
        found = calendar.date_search(start=start, end=end, expand=expand)
    return [{'url': str(o.url), 'events': vevents(o)} for o in found]


def main():
    url, user, password, start, end = sys.argv[1:6]
    start = datetime.fromisoformat(start.replace('Z', '+00:00'))
    end = datetime.fromisoformat(end.replace('Z', '+00:00'))
    client = caldav.DAVClient(url, username=user, password=password)
    principal = client.principal()
    result = {'principal': str(principal.url), 'calendars': []}
    for calendar in principal.calendars():
        entry = {'url': str(calendar.url), 'name': calendar.name}
        entry['unexpanded'] = search(calendar, start, end, expand=False)
        entry['expanded'] = search(calendar, start, end, expand=True)
        result['calendars'].append(entry)
    # Read one object back by its URL, as a client does after a search (GET).
    first = next((c for c in result['calendars'] if c['unexpanded']), None)
    if first is not None:
        calendar = client.calendar(url=first['url'])
        obj = calendar.event_by_url(first['unexpanded'][0]['url'])
        obj.load()
        result['loaded'] = {'url': str(obj.url), 'events': vevents(obj)}
    json.dump(result, sys.stdout, indent=1)


if __name__ == '__main__':
    main()
