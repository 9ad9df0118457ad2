package service

import (
	"context"
	"io"
	"kaohe/workflow"
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
	// Link returns a short-lived URL at which the file with the hash can be
	// downloaded directly, served with its type and disposition, or ""
	// when the store cannot give one (a local directory).
	Link(ctx context.Context, sha256, contentType, disposition string) (string, error)
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

// LinkEvidence returns a short-lived URL at which the file of e, a row a
// caller was allowed to read (EvidenceFile), can be downloaded directly
// from the object store with the given Content-Disposition; "" when
// downloads are streamed through the server instead (the redirect is off,
// or the store is a directory).
func (s *Service) LinkEvidence(ctx context.Context, e *workflow.Evidence, disposition string) (string, error) {
	if !s.opt.RedirectDownloads {
		return "", nil
	}
	return s.files.Link(ctx, e.SHA256, e.Type, disposition)
}

// Ready reports, at once, whether the database and the evidence store
// answer (readiness probes).
func (s *Service) Ready(ctx context.Context) (database, files error) {
	done := make(chan error, 1)
	go func() { done <- s.files.Ping(ctx) }()
	database = s.store.Ping(ctx)
	return database, <-done
}
