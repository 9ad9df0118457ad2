package app

import (
	"context"
	"fmt"
	"time"

	"kaohe/workflow"
	"kaohe/workflow/evidence"
	"kaohe/workflow/service"
)

// OpenEvidence opens the evidence store rawURL names (KAOHE_EVIDENCE_URL
// form; "" is DATA/evidence), with the configured S3 endpoint and keys.
func (a *App) OpenEvidence(rawURL string) (service.FileStore, error) {
	e := a.Config.Evidence
	return evidence.OpenURL(rawURL, a.Config.Data, evidence.S3Options{
		Endpoint: e.S3.Endpoint, Region: e.S3.Region,
		AccessKeyID: e.S3.AccessKeyID, SecretAccessKey: e.S3.SecretAccessKey, SessionToken: e.S3.SessionToken,
		StagingDir: e.StagingDir, Log: a.Log, LinkTTL: e.RedirectTTL,
	})
}

// CheckEvidence pings the evidence store at start. A store that does not
// answer only delays uploads and downloads (503 until it is back, and
// /readyz says so), so the server starts anyway; a store that answers no
// (no such bucket, access denied) is a configuration error and stops it.
func (a *App) CheckEvidence(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cfg := a.Config.Evidence
	err := a.Files.Ping(ctx)
	switch {
	case workflow.ErrorCode(err) == workflow.EUNAVAILABLE:
		a.Log.Warn("evidence store unavailable at start: uploads and downloads answer 503 until it is back", "url", cfg.URL)
	case err != nil:
		return fmt.Errorf("evidence store %s: %w", cfg.URL, err)
	}
	switch s := a.Files.(type) {
	case *evidence.S3:
		bucket, prefix := s.Bucket()
		a.Log.Info("evidence in S3-compatible storage", "endpoint", cfg.S3.Endpoint, "bucket", bucket, "prefix", prefix,
			"staging", s.StagingDir(), "redirect", cfg.Redirect)
	case *evidence.Dir:
		a.Log.Info("evidence in a directory", "dir", s.Root())
		if cfg.Redirect {
			a.Log.Warn("evidence.redirect needs an s3:// evidence store: downloads are streamed")
		}
	}
	return nil
}
