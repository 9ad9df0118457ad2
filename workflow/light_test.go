package workflow

import "testing"

func TestUnitLightIsAShare(t *testing.T) {
	tests := []struct {
		name string
		risk NodeRisk
		want Colour
	}{
		{"nothing due yet", NodeRisk{}, Green},
		{"one of forty-one due nodes overdue", NodeRisk{Due: 41, Overdue: 1}, Green},
		{"four of forty overdue is exactly ten percent", NodeRisk{Due: 40, Overdue: 4}, Green},
		{"five of forty overdue", NodeRisk{Due: 40, Overdue: 5}, Red},
		{"seventeen of a hundred and nine, the November unit", NodeRisk{Due: 109, Overdue: 17}, Red},
		{"every node due soon still owed", NodeRisk{DueSoon: 30, Owing: 30}, Yellow},
		{"three of thirty due soon still owed", NodeRisk{DueSoon: 30, Owing: 3}, Green},
		{"overdue and owing together above a tenth", NodeRisk{Due: 40, Overdue: 3, DueSoon: 30, Owing: 6}, Yellow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.risk.Light(); got != tt.want {
				t.Fatalf("%+v: %s, want %s", tt.risk, got, tt.want)
			}
		})
	}
}
