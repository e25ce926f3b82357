package whipfile

import (
	"fmt"
	"time"
)

// datetimeLayouts are the ISO 8601 forms a datetime may take: a date, or a
// date and time (seconds and fractions optional) with or without a zone.
// A datetime without a zone is UTC.
var datetimeLayouts = []string{
	"2006-01-02",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// ParseDatetime reads an ISO 8601 date or date-time, as Whip's files and
// its ?datetime= parameter carry them.
func ParseDatetime(s string) (time.Time, error) {
	for _, layout := range datetimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date or date-time (want e.g. 2024-01-31 or 2024-01-31T12:00:00Z)", s)
}
