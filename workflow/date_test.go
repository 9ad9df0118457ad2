package workflow

import (
	"fmt"
	"testing"
	"time"
)

// TestParseDateRollOver: a date is refused exactly when the time package
// would roll it over into the next month (Feb 29 of leap years only, the
// 31st of long months only), over two centuries and their leap rules.
func TestParseDateRollOver(t *testing.T) {
	for y := 1899; y <= 2101; y++ {
		for m := time.January; m <= time.December; m++ {
			for d := 1; d <= 31; d++ {
				date := Date{y, m, d}
				valid := DateOf(date.In(time.UTC)) == date
				got, err := ParseDate(fmt.Sprintf("%04d-%02d-%02d", y, m, d))
				if valid != (err == nil) || valid && got != date {
					t.Fatalf("%04d-%02d-%02d: %v, %v; valid %v", y, m, d, got, err, valid)
				}
			}
		}
	}
}

// TestDateWordsAsFmt: dates, months and "9月30日" are written as fmt's
// verbs wrote them, for years of every width, negative ones included.
func TestDateWordsAsFmt(t *testing.T) {
	for _, y := range []int{-12, 0, 7, 99, 999, 1999, 2019, 2100, 12345} {
		for m := time.January; m <= time.December; m++ {
			for _, d := range []int{1, 9, 10, 31} {
				date := Date{y, m, d}
				if got, want := date.String(), fmt.Sprintf("%04d-%02d-%02d", y, m, d); got != want {
					t.Errorf("Date%v.String() = %q, want %q", date, got, want)
				}
				if got, want := monthDay(date), fmt.Sprintf("%d月%d日", m, d); got != want {
					t.Errorf("monthDay(%v) = %q, want %q", date, got, want)
				}
			}
			if got, want := (Month{y, m}).String(), fmt.Sprintf("%04d-%02d", y, m); got != want {
				t.Errorf("Month{%d, %d}.String() = %q, want %q", y, m, got, want)
			}
		}
	}
	if got := (Date{}).String(); got != "" {
		t.Errorf("the zero date is %q, want nothing", got)
	}
}
