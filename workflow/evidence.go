package workflow

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Evidence is one evidence file (佐证材料) of a node. Withdrawn files keep
// their row (reviews may have seen them) but are no longer listed or
// served.
type Evidence struct {
	ID     int64  `json:"id"`
	NodeID int64  `json:"node_id"`
	Year   int    `json:"-"`
	Unit   string `json:"-"`
	// Name is the original file name, for display only: it is never part
	// of a path.
	Name        string     `json:"name"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	Type        string     `json:"type"`
	Note        string     `json:"note,omitempty"`
	UploadedAt  time.Time  `json:"uploaded_at"`
	UploadedBy  string     `json:"uploaded_by"`
	WithdrawnAt *time.Time `json:"-"`
	WithdrawnBy string     `json:"-"`
}

// DisplayName turns a client's file name into the name shown and offered
// on download: the last element of any path (slashes and backslashes
// alike), without control characters or bidirectional controls
// (IsBidiControl), at most 200 characters, "file" when nothing is left.
// It is never used to build a path.
func DisplayName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || IsBidiControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	if name == "" {
		return "file"
	}
	return name
}

// IsBidiControl reports whether r is one of Unicode's bidirectional
// formatting characters: the embeddings and overrides U+202A–U+202E, the
// isolates U+2066–U+2069, the marks U+200E, U+200F and U+061C. In a file
// name they make "report\u202Efdp.exe" show as "reportexe.pdf".
func IsBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200E || r == 0x200F || r == 0x061C
}

// WithoutBidiControls returns s without bidirectional formatting
// characters (IsBidiControl).
func WithoutBidiControls(s string) string {
	if !strings.ContainsFunc(s, IsBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}
