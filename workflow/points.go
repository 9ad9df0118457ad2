package workflow

import (
	"fmt"
	"strconv"
	"strings"
)

// Points is an exact score in hundredths of a point: Points(2050) is 20.5
// points. All arithmetic on scores is integer arithmetic on Points; the zero
// value is zero points. Points read and write JSON and YAML as plain decimal
// numbers with at most two decimals ("20", "2.5", "0.25").
type Points int64

// Hundredths per whole point.
const Point Points = 100

// ParsePoints reads a decimal number with at most two decimals. It refuses
// exponents, more than two decimals and anything that is not a number, so
// that no value is ever rounded silently.
func ParsePoints(s string) (Points, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("分值为空")
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("分值 %q 不是数字", s)
	}
	if len(frac) > 2 {
		// Trailing zeros beyond two decimals are harmless (2.500).
		if strings.Trim(frac[2:], "0") != "" {
			return 0, fmt.Errorf("分值 %q 最多保留两位小数", s)
		}
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if len(whole) > 12 {
		return 0, fmt.Errorf("分值 %q 过大", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("分值 %q 不是数字", s)
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	p := Points(w*100 + f)
	if neg {
		p = -p
	}
	return p, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String formats p as a decimal without trailing zeros: 20, 20.5, 0.25, -1.2.
func (p Points) String() string { return string(p.Append(nil)) }

// Append appends p formatted as String does to b. It allocates nothing
// beyond b's growth: scoring runs write hundreds of thousands of points.
func (p Points) Append(b []byte) []byte {
	v := int64(p)
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	w, f := v/100, v%100
	b = strconv.AppendInt(b, w, 10)
	switch {
	case f == 0:
	case f%10 == 0:
		b = append(b, '.', byte('0'+f/10))
	default:
		b = append(b, '.', byte('0'+f/10), byte('0'+f%10))
	}
	return b
}

// Fixed formats p with exactly two decimals, as spreadsheets show scores.
func (p Points) Fixed() string {
	sign := ""
	if p < 0 {
		sign = "-"
		p = -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(p)/100, int64(p)%100)
}

// MarshalJSON writes p as a JSON number.
func (p Points) MarshalJSON() ([]byte, error) { return p.Append(make([]byte, 0, 8)), nil }

// UnmarshalJSON reads a JSON number with at most two decimals; a string is
// refused, so that a client's "2" is found rather than silently taken.
func (p *Points) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*p = 0
		return nil
	}
	v, err := ParsePoints(s)
	if err != nil {
		return &PointsError{Text: string(b), Err: err}
	}
	*p = v
	return nil
}

// UnmarshalText reads points from YAML and form values.
func (p *Points) UnmarshalText(b []byte) error {
	v, err := ParsePoints(string(b))
	if err != nil {
		return &PointsError{Text: string(b), Err: err}
	}
	*p = v
	return nil
}

// MarshalText writes points for YAML.
func (p Points) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// PointsError reports a value that is not an exact decimal with at most two
// decimals.
type PointsError struct {
	Text string
	Err  error
}

func (e *PointsError) Error() string { return e.Err.Error() }

// Multiple reports whether p is a whole multiple of step (a zero step allows
// anything).
func (p Points) Multiple(step Points) bool {
	if step <= 0 {
		return true
	}
	return p%step == 0
}
