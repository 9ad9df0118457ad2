package workflow

import (
	"encoding/json"
	"testing"
)

func TestParsePoints(t *testing.T) {
	tests := []struct {
		in      string
		want    Points
		wantErr bool
	}{
		{"20", 2000, false},
		{"2.5", 250, false},
		{"0.25", 25, false},
		{"0.1", 10, false},
		{"2.50", 250, false},
		{"2.500", 250, false},
		{"-1.2", -120, false},
		{"2.555", 0, true},
		{"1e2", 0, true},
		{"", 0, true},
		{"abc", 0, true},
		{".5", 0, true},
		{"5.", 0, true},
		{"9999999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePoints(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParsePoints(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("ParsePoints(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestPointsJSONRoundTrip(t *testing.T) {
	for _, p := range []Points{0, 100, 250, 25, 2050, -120, 10001} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Points
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if back != p {
			t.Fatalf("round trip %d -> %s -> %d", p, b, back)
		}
	}
	if got, _ := json.Marshal(Points(250)); string(got) != "2.5" {
		t.Fatalf("2.5 points marshal as %s", got)
	}
}

func TestPointsSumIsExact(t *testing.T) {
	// 0.1 + 0.2 is not 0.3 in floating point; in hundredths it is.
	var a, b Points
	_ = json.Unmarshal([]byte("0.1"), &a)
	_ = json.Unmarshal([]byte("0.2"), &b)
	if a+b != 30 {
		t.Fatalf("0.1+0.2 = %s", a+b)
	}
}

func TestPointsMultiple(t *testing.T) {
	if !Points(250).Multiple(50) || Points(260).Multiple(50) || !Points(2000).Multiple(100) || Points(2050).Multiple(100) {
		t.Fatal("Multiple is wrong")
	}
}

// TestPointsString: the text of points everywhere (JSON, reasons, Excel
// notes) has no trailing zeros and keeps a leading zero.
func TestPointsString(t *testing.T) {
	for _, tc := range []struct {
		p    Points
		want string
	}{
		{0, "0"}, {5, "0.05"}, {10, "0.1"}, {25, "0.25"}, {100, "1"}, {250, "2.5"}, {2050, "20.5"},
		{10001, "100.01"}, {-5, "-0.05"}, {-120, "-1.2"}, {-2000, "-20"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("Points(%d).String() = %q, want %q", int64(tc.p), got, tc.want)
		}
		if got, _ := json.Marshal(tc.p); string(got) != tc.want {
			t.Errorf("json.Marshal(Points(%d)) = %s, want %s", int64(tc.p), got, tc.want)
		}
		if got := string(tc.p.Append([]byte("x="))); got != "x="+tc.want {
			t.Errorf("Append = %q", got)
		}
	}
}
