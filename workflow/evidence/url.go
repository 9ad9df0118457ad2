package evidence

import (
	"fmt"
	"kaohe/workflow/service"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// OpenURL opens the store that raw (KAOHE_EVIDENCE_URL) names:
//
//   - "" is the directory DATA/evidence, with DATA being dataDir;
//   - "file:///srv/kaohe/evidence" is that directory (an absolute path);
//   - "s3://bucket" and "s3://bucket/prefix" are that bucket, with the
//     endpoint, region and keys of o; uploads are staged in o.StagingDir,
//     DATA/staging when empty.
func OpenURL(raw, dataDir string, o S3Options) (service.FileStore, error) {
	if raw == "" {
		d, err := Open(filepath.Join(dataDir, "evidence"))
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("evidence url: %w", err)
	}
	switch u.Scheme {
	case "file":
		if (u.Host != "" && u.Host != "localhost") || u.Opaque != "" || !filepath.IsAbs(u.Path) {
			return nil, fmt.Errorf("evidence url %q: want file:///absolute/path", raw)
		}
		d, err := Open(filepath.Clean(u.Path))
		if err != nil {
			return nil, err
		}
		return d, nil
	case "s3":
		if err := s3utils.CheckValidBucketNameStrict(u.Host); err != nil {
			return nil, fmt.Errorf("evidence url %q: bucket: %w", raw, err)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("evidence url %q: want s3://bucket/prefix", raw)
		}
		o.Bucket, o.Prefix = u.Host, strings.Trim(u.Path, "/")
		if o.StagingDir == "" {
			o.StagingDir = filepath.Join(dataDir, "staging")
		}
		s, err := OpenS3(o)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("evidence url %q: want file:///path or s3://bucket/prefix", raw)
}
