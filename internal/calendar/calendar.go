// Package calendar writes a calendar feed as iCalendar (RFC 5545) with
// github.com/arran4/golang-ical: one VEVENT per deadline, titles and times
// only, lines folded at 75 octets and ended by CRLF as the RFC requires.
package calendar

import (
	"io"
	"time"

	ics "github.com/arran4/golang-ical"

	"kaohe/workflow"
)

// ContentType is the media type of a feed.
const ContentType = "text/calendar; charset=utf-8"

// Write writes the feed named name with events, stamped at stamp (the
// time the feed was read). Timed events are in UTC, which every calendar
// shows in its own zone, at the instant of the deadline; a deadline at the
// end of a day is a whole-day event of that day. Clients are asked to read it again every hour.
func Write(w io.Writer, name string, events []workflow.CalendarEvent, stamp time.Time) error {
	cal := ics.NewCalendarFor("kaohe")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetXWRTimezone("Asia/Shanghai")
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	for _, e := range events {
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(stamp)
		ev.SetSummary(e.Title)
		ev.SetProperty(ics.ComponentPropertyTransp, "TRANSPARENT")
		if e.AllDay {
			day := time.Date(e.Date.Year, e.Date.Month, e.Date.Day, 0, 0, 0, 0, time.UTC)
			ev.SetAllDayStartAt(day)
			ev.SetAllDayEndAt(day.AddDate(0, 0, 1))
			continue
		}
		// No DTEND: a DATE-TIME start alone is an instant (RFC 5545
		// 3.6.1), which is what a deadline is.
		ev.SetStartAt(e.At)
	}
	// The library ends lines with "\n" unless told; RFC 5545 wants CRLF.
	return cal.SerializeTo(w, ics.WithNewLine("\r\n"))
}
