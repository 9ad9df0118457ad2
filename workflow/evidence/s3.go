package evidence

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"kaohe/workflow"
	"kaohe/workflow/service"
)

// S3Options say where an S3-compatible store is and how to sign in.
type S3Options struct {
	// Endpoint is the service's URL, such as "https://obs.cn-north-4.myhuaweicloud.com"
	// or "http://127.0.0.1:7070"; empty means AWS S3 in Region. Any
	// endpoint that is not AWS is addressed path-style
	// (ENDPOINT/BUCKET/KEY), which every S3-compatible server accepts.
	Endpoint string
	// Region is the signing region ("us-east-1" when empty).
	Region string
	// AccessKeyID and SecretAccessKey sign every request; SessionToken is
	// for temporary credentials only.
	AccessKeyID, SecretAccessKey, SessionToken string
	// Bucket holds the files; it must exist.
	Bucket string
	// Prefix goes before every key ("kaohe/evidence" stores
	// kaohe/evidence/ab/abcdef…); empty stores them at the bucket's root.
	Prefix string
	// StagingDir is the local directory uploads are staged in: the hash
	// must be known before the key, so a file is written here first.
	StagingDir string
	// Log gets a warning with the cause whenever the store cannot be
	// reached (clients see only "unavailable"). Nil discards.
	Log *slog.Logger
	// LinkTTL is how long a download link lasts (5 minutes when zero).
	LinkTTL time.Duration
}

// S3 keeps evidence in a bucket of S3-compatible object storage (AWS S3,
// MinIO, Ceph RGW, SeaweedFS, versitygw and the Chinese clouds' S3
// endpoints) through minio-go. It is safe for concurrent use, and several
// servers may share one bucket.
type S3 struct {
	stager
	client *minio.Client
	bucket string
	prefix string // "" or ending in "/"
	log    *slog.Logger
	ttl    time.Duration
}

var _ service.FileStore = (*S3)(nil)

// s3Retries bounds minio-go's retries of one request (10 by default, with
// backoff): a store that is down must give the client a prompt 503, not a
// long wait.
const s3Retries = 3

// OpenS3 returns the store described by o. It sends no request: whether
// the bucket answers is Ping's business, so that a server can start while
// the store is down and report itself not ready.
func OpenS3(o S3Options) (*S3, error) {
	if o.Bucket == "" {
		return nil, errors.New("evidence: s3: no bucket")
	}
	if o.AccessKeyID == "" || o.SecretAccessKey == "" {
		return nil, errors.New("evidence: s3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required")
	}
	if o.StagingDir == "" {
		return nil, errors.New("evidence: s3: no staging directory")
	}
	client, err := s3Client(o)
	if err != nil {
		return nil, err
	}
	st, err := newStager(o.StagingDir)
	if err != nil {
		return nil, err
	}
	prefix := strings.Trim(o.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &S3{stager: st, client: client, bucket: o.Bucket, prefix: prefix, log: log, ttl: o.LinkTTL}, nil
}

// s3Client is the minio client of o's endpoint (AWS when none), region and
// credentials, with timeouts and retries bounded for a user waiting.
func s3Client(o S3Options) (*minio.Client, error) {
	host, secure, aws, err := s3Endpoint(o.Endpoint)
	if err != nil {
		return nil, err
	}
	region := o.Region
	if region == "" {
		region = "us-east-1"
	}
	lookup := minio.BucketLookupPath
	if aws {
		lookup = minio.BucketLookupAuto
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("evidence: s3: %w", err)
	}
	// A store that does not accept a connection within seconds, or does
	// not start answering within 20 s of receiving a request (a whole file
	// included), is down for the user waiting on an upload.
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 20 * time.Second
	client, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKeyID, o.SecretAccessKey, o.SessionToken),
		Secure:       secure,
		Region:       region,
		BucketLookup: lookup,
		Transport:    tr,
		MaxRetries:   s3Retries,
	})
	if err != nil {
		return nil, fmt.Errorf("evidence: s3: %w", err)
	}
	return client, nil
}

// s3Endpoint reads an endpoint http(s)://host[:port] ("" is AWS): its host,
// whether it uses TLS, and whether it is AWS (where minio picks the
// bucket addressing; other servers get the bucket in the path).
func s3Endpoint(endpoint string) (host string, secure, aws bool, err error) {
	if endpoint == "" {
		return "s3.amazonaws.com", true, true, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return "", false, false, fmt.Errorf("evidence: s3: endpoint %q: want http(s)://host[:port]", endpoint)
	}
	h := u.Hostname()
	aws = strings.HasSuffix(h, ".amazonaws.com") || strings.HasSuffix(h, ".amazonaws.com.cn")
	return u.Host, u.Scheme == "https", aws, nil
}

// Bucket returns the bucket's name and the key prefix ("" or ending in "/").
func (s *S3) Bucket() (bucket, prefix string) { return s.bucket, s.prefix }

// key is the object key of the file with hash sha.
func (s *S3) key(sha string) string { return s.prefix + relPath(sha) }

// Keep sends a staged file to PREFIX/ab/abcdef… in one PUT that the server
// checks against the hash (see the package comment), unless an object of
// the same size is there already, and removes the staged copy. Errors:
// EUNAVAILABLE when the store cannot be reached (the staged file stays, for
// Discard); any other refusal, a hash mismatch included, is internal.
func (s *S3) Keep(ctx context.Context, f *service.StagedFile) error {
	if err := checkStaged(f); err != nil {
		return err
	}
	key := s.key(f.SHA256)
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	switch {
	case err == nil && info.Size == f.Size:
		s.Discard(f)
		return nil
	case err != nil && !isNoSuchKey(err):
		return s.fail("stat "+key, err)
	}
	file, err := os.Open(f.Temp)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	defer file.Close()
	sum, _ := hex.DecodeString(f.SHA256)
	// minio.Core's PutObject is one PUT, whatever the size (the Client's
	// would switch to a multipart upload past 16 MiB), with the hash we
	// give as the signed payload hash. DisableContentSha256 turns off the
	// chunked signing minio-go uses on plain HTTP, which would sign the
	// chunks instead of our hash.
	_, err = minio.Core{Client: s.client}.PutObject(ctx, s.bucket, key, file, f.Size, "", f.SHA256, minio.PutObjectOptions{
		ContentType:          f.Type,
		DisableContentSha256: true,
		UserMetadata:         map[string]string{"x-amz-checksum-sha256": base64.StdEncoding.EncodeToString(sum)},
	})
	if err != nil {
		return s.fail("put "+key, err)
	}
	s.Discard(f)
	return nil
}

// Open returns the object with hash sha for reading and seeking, after one
// request that finds it (ENOTFOUND when absent, EUNAVAILABLE when the
// store cannot be reached). Reads fetch the content as they go, under ctx.
func (s *S3) Open(ctx context.Context, sha string) (io.ReadSeekCloser, error) {
	if !validHash(sha) {
		return nil, notFound()
	}
	key := s.key(sha)
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail("get "+key, err)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if isNoSuchKey(err) {
			return nil, notFound()
		}
		return nil, s.fail("get "+key, err)
	}
	return obj, nil
}

// Walk lists the objects below the prefix, in key order (which is hash
// order), and calls fn for each one named like evidence.
func (s *S3) Walk(ctx context.Context, fn func(sha256 string, size int64) error) error {
	ctx, cancel := context.WithCancel(ctx) // stops the listing when fn fails
	defer cancel()
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if o.Err != nil {
			return s.fail("list", o.Err)
		}
		sha, ok := hashOfPath(strings.TrimPrefix(o.Key, s.prefix))
		if !ok {
			continue
		}
		if err := fn(sha, o.Size); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Ping asks whether the bucket exists, in one signed HEAD request.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.fail("head bucket", err)
	}
	if !ok {
		return fmt.Errorf("evidence: s3: bucket %q does not exist", s.bucket)
	}
	return nil
}

// Link returns a URL that serves the file with hash sha, without signing
// in, for the link TTL, with the given content type and download name: the
// download redirect (evidence.redirect), which moves the transfer from the
// server to the store.
func (s *S3) Link(ctx context.Context, sha, contentType, disposition string) (string, error) {
	ttl := cmp.Or(s.ttl, 5*time.Minute)
	if !validHash(sha) {
		return "", notFound()
	}
	params := url.Values{}
	params.Set("response-content-type", contentType)
	params.Set("response-content-disposition", disposition)
	params.Set("response-cache-control", "private, no-store")
	u, err := s.client.PresignedGetObject(ctx, s.bucket, s.key(sha), ttl, params)
	if err != nil {
		return "", fmt.Errorf("evidence: s3: presign: %w", err)
	}
	return u.String(), nil
}

func isNoSuchKey(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == minio.NoSuchKey || (r.StatusCode == http.StatusNotFound && r.Code != minio.NoSuchBucket)
}

// fail turns an error of the store into the error a request returns:
// EUNAVAILABLE (logged with its cause) when the store could not be reached
// or answered that it is overloaded or broken, else an internal error
// (access denied, no such bucket, a hash mismatch: configuration or data
// problems that waiting will not fix).
func (s *S3) fail(op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("evidence: s3 %s: %w", op, err)
	}
	if unavailable(err) {
		s.log.Warn("evidence store unavailable", "op", op, "bucket", s.bucket, "err", err)
		return workflow.Errorf(workflow.EUNAVAILABLE, "佐证材料存储暂时无法访问，请稍后重试")
	}
	return fmt.Errorf("evidence: s3 %s: %w", op, err)
}

// unavailable reports whether err means the store is down or overloaded:
// no S3 answer at all (refused, reset, timed out) or a 5xx answer.
func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	r := minio.ToErrorResponse(err)
	switch {
	case r.StatusCode == 0 && r.Code == "":
		return true
	case r.StatusCode >= 500, r.Code == "SlowDown", r.Code == "ServiceUnavailable", r.Code == "RequestTimeout":
		return true
	}
	return false
}
