#!/usr/bin/python3
"""Parse many iCalendar texts with python3-icalendar (Debian) in one process.

stdin: JSON [{"name": ..., "text": ...}, ...]; stdout: JSON [{"name", "ok", "error"?, "vevents",
"vtimezones", "problems"}, ...]. Besides Calendar.from_ical, which is lenient, every date and
recurrence property of every VEVENT is decoded, and the parser's own per-component error
lists are reported, so a value it could only keep as raw text shows up as a problem.
"""
import json
import sys

import icalendar

DECODED = ('DTSTART', 'DTEND', 'DUE', 'RECURRENCE-ID', 'EXDATE', 'RDATE', 'RRULE', 'DTSTAMP', 'CREATED', 'LAST-MODIFIED')


def check(name, text):
    result = {'name': name, 'ok': False, 'vevents': 0, 'vtimezones': 0, 'problems': []}
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as e:  # the test reports the file and the parser's message
        result['error'] = '%s: %s' % (type(e).__name__, e)
        return result
    for comp in cal.walk():
        for err in getattr(comp, 'errors', []) or []:
            result['problems'].append('%s: %s' % (comp.name, err))
        if comp.name == 'VEVENT':
            result['vevents'] += 1
            for prop in DECODED:
                if prop in comp:
                    try:
                        comp.decoded(prop)
                    except Exception as e:
                        result['problems'].append('%s %s: %s' % (comp.get('UID'), prop, e))
        elif comp.name == 'VTIMEZONE':
            result['vtimezones'] += 1
    result['ok'] = not result['problems']
    return result


def main():
    files = json.load(sys.stdin)
    json.dump([check(f['name'], f['text']) for f in files], sys.stdout)


if __name__ == '__main__':
    main()
