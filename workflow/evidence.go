package workflow

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// FileStore keeps evidence files by content hash. Package workflow/evidence
// implements it on the data directory and on S3-compatible object storage.
// A file reaches its final place only through Keep, and the database row
// that names it is written afterwards in the same request, so that a row
// never exists without its file; a kept file whose row did not commit is
// harmless and can be collected. Methods that may reach a remote store take
// a context; a store that cannot be reached gives EUNAVAILABLE.
type FileStore interface {
	// Stage reads r to its end into a temporary local file, hashing it and
	// sniffing its type from its content. It returns ETOOLARGE when r holds
	// more than max bytes and EUNSUPPORTED for a type evidence may not have;
	// on any error nothing remains on disk.
	Stage(r io.Reader, max int64) (*StagedFile, error)
	// Keep stores a staged file durably at its place by hash (a file with
	// the same content may be there already); the file is complete and
	// checked against its hash before Keep returns, and never visible at
	// its place half-written. After Keep the staged file is no longer
	// temporary. Errors: EUNAVAILABLE when the store cannot be reached.
	Keep(ctx context.Context, f *StagedFile) error
	// Discard removes a staged file that was not kept; after Keep it does
	// nothing.
	Discard(f *StagedFile)
	// Open opens the stored file with the hash (ENOTFOUND when absent,
	// EUNAVAILABLE when the store cannot be reached).
	Open(ctx context.Context, sha256 string) (io.ReadSeekCloser, error)
	// Walk calls fn with the hash and size of every stored file, in hash
	// order, and stops at the first error fn returns, returning it.
	Walk(ctx context.Context, fn func(sha256 string, size int64) error) error
	// Ping reports whether the store answers (for readiness).
	Ping(ctx context.Context) error
}

// StagedFile is an uploaded file checked and hashed, waiting to be kept.
type StagedFile struct {
	// SHA256 is the lowercase hex hash of the content.
	SHA256 string
	Size   int64
	// Type is the media type sniffed from the content.
	Type string
	// Temp is the temporary path while staged ("" once kept or discarded).
	Temp string
}

// UploadLimits bound evidence uploads; zero fields take the defaults.
type UploadLimits struct {
	// MaxFileBytes is the largest file (20 MiB).
	MaxFileBytes int64
	// MaxFiles is the most files a node may carry at once (20).
	MaxFiles int
}

// Default upload limits.
const (
	DefaultMaxFileBytes = 20 << 20
	DefaultMaxFiles     = 20
)

// Limits returns the service's upload limits with defaults filled in.
func (s *Service) Limits() UploadLimits {
	l := s.Upload
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	return l
}

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

// EvidenceFilter selects current (not withdrawn) evidence; zero fields
// select everything of the year.
type EvidenceFilter struct {
	Year int
	// Unit "" selects every unit.
	Unit string
	// NodeID 0 selects every node.
	NodeID int64
}

// Upload is one file of a report: its original name and the staged content.
type Upload struct {
	Name string
	File *StagedFile
}

// DisplayName turns a client's file name into the name shown and offered
// on download: the last element of any path (slashes and backslashes
// alike), without control characters, at most 200 characters, "file" when
// nothing is left. It is never used to build a path.
func DisplayName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
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

// StageEvidence stages one uploaded file within the size limit
// (FileStore.Stage): ETOOLARGE, EUNSUPPORTED, nothing left on error. The
// staged file goes to ReportNode, or to DiscardEvidence if the request
// fails before.
func (s *Service) StageEvidence(r io.Reader) (*StagedFile, error) {
	if s.Files == nil {
		return nil, Errorf(EINTERNAL, "未配置佐证材料存储")
	}
	return s.Files.Stage(r, s.Limits().MaxFileBytes)
}

// DiscardEvidence removes staged files that will not be reported.
func (s *Service) DiscardEvidence(files []Upload) {
	if s.Files == nil {
		return
	}
	for _, f := range files {
		if f.File != nil {
			s.Files.Discard(f.File)
		}
	}
}
