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
