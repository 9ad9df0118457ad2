package service

import (
	"io"
)

// FileStore keeps evidence files by content hash. Package workflow/evidence
// implements it on the data directory. A file reaches its final place only
// through Keep, and the database row that names it is written afterwards in
// the same request, so that a row never exists without its file; a kept file
// whose row did not commit is harmless and can be collected.
type FileStore interface {
	// Stage reads r to its end into a temporary file, hashing it and
	// sniffing its type from its content. It returns ETOOLARGE when r holds
	// more than max bytes and EUNSUPPORTED for a type evidence may not have;
	// on any error nothing remains on disk.
	Stage(r io.Reader, max int64) (*StagedFile, error)
	// Keep moves a staged file durably to its place by hash (a file with the
	// same content may be there already). After Keep the staged file is no
	// longer temporary.
	Keep(f *StagedFile) error
	// Discard removes a staged file that was not kept; after Keep it does
	// nothing.
	Discard(f *StagedFile)
	// Open opens the stored file with the hash (ENOTFOUND when absent).
	Open(sha256 string) (io.ReadSeekCloser, error)
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

// StageEvidence stages one uploaded file within the size limit
// (FileStore.Stage): ETOOLARGE, EUNSUPPORTED, nothing left on error. The
// staged file goes to ReportNode, or to DiscardEvidence if the request
// fails before.
func (s *Service) StageEvidence(r io.Reader) (*StagedFile, error) {
	return s.files.Stage(r, s.Limits().MaxFileBytes)
}

// DiscardEvidence removes staged files that will not be reported.
func (s *Service) DiscardEvidence(files []Upload) {
	for _, f := range files {
		if f.File != nil {
			s.files.Discard(f.File)
		}
	}
}
