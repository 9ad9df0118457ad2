package api_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// bombs are the two zip bombs of the probe, built once: a valid workbook
// whose xl/styles.xml is padded to 400 MB of blanks (about 400 KB
// compressed), and the same with a second 400 MB part.
var bombs = sync.OnceValues(func() ([]byte, []byte) {
	return bomb(false), bomb(true)
})

func bomb(extra bool) []byte {
	f := excelize.NewFile()
	var base bytes.Buffer
	if _, err := f.WriteTo(&base); err != nil {
		panic(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(base.Bytes()), int64(base.Len()))
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	pad := func(w io.Writer) {
		blank := bytes.Repeat([]byte{' '}, 1<<20)
		for range 400 {
			if _, err := w.Write(blank); err != nil {
				panic(err)
			}
		}
	}
	for _, zf := range zr.File {
		w, err := zw.Create(zf.Name)
		if err != nil {
			panic(err)
		}
		rc, err := zf.Open()
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if zf.Name == "xl/styles.xml" {
			// Blanks are allowed between the declaration and the root.
			i := bytes.Index(b, []byte("?>")) + 2
			w.Write(b[:i])
			pad(w)
			b = b[i:]
		}
		w.Write(b)
	}
	if extra {
		w, err := zw.Create("xl/media/image1.png")
		if err != nil {
			panic(err)
		}
		pad(w)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return out.Bytes()
}

// allocated runs fn and returns the bytes allocated meanwhile by the whole
// process (the test server runs in it) and the time it took.
func allocated(fn func()) (uint64, time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// TestSpreadsheetBombIsRefused: a 400 KB workbook that would unzip to
// 400 MB (800 MB with a second part) is refused with 413 on both imports
// within a second and less than 100 MB of allocation, and imports nothing.
func TestSpreadsheetBombIsRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	styles, two := bombs()
	for _, b := range [][]byte{styles, two} {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		var unzipped uint64
		for _, f := range zr.File {
			unzipped += f.UncompressedSize64
		}
		if len(b) > 1<<20 || unzipped < 400<<20 {
			t.Fatalf("the bomb is %d KB, %d MB unzipped", len(b)>>10, unzipped>>20)
		}
		t.Logf("bomb: %d KB, %d MB unzipped", len(b)>>10, unzipped>>20)
	}
	for _, b := range []struct {
		name string
		file []byte
	}{{"styles", styles}, {"two parts", two}} {
		for _, imp := range []struct {
			path, role string
		}{
			{subPath + "/import?version=0", "unitA"},
			{"/api/v1/plans/2019/monthly/2019-06/import", "office"},
		} {
			t.Run(b.name+" "+imp.path, func(t *testing.T) {
				body, ct := multipartFile(t, "file", "bomb.xlsx", b.file)
				var status int
				var out []byte
				bytes, took := allocated(func() { status, _, out = e.raw("POST", imp.path, imp.role, ct, body) })
				if status != 413 {
					t.Fatalf("status %d: %s", status, out)
				}
				decodeError(t, out)
				if bytes > 100<<20 || took > time.Second {
					t.Fatalf("refused after %s and %d MB allocated", took, bytes>>20)
				}
				t.Logf("refused in %s, %d KB allocated", took, bytes>>10)
			})
		}
	}
	e.mustDo("GET", subPath, "unitA", nil, 404)
	if o := e.monthly("2019-06"); len(o.NotReported) != 2 {
		t.Fatalf("a refused import stored counts: %+v", o)
	}
}

// TestImportChecksTheStateFirst: tables that are no longer a draft refuse
// an import (409) before the file is parsed: a bomb costs nothing, a good
// workbook changes nothing.
func TestImportChecksTheStateFirst(t *testing.T) {
	e := newEnv(t, "sqlite")
	e.toState("submitted")
	_, xlsx := e.do("GET", subPath+"/export.xlsx", "unitA", nil)
	styles, _ := bombs()
	version := e.sub("gjz").Version
	for name, file := range map[string][]byte{"bomb": styles, "workbook": xlsx} {
		body, ct := multipartFile(t, "file", name+".xlsx", file)
		var status int
		var out []byte
		bytes, _ := allocated(func() {
			status, _, out = e.raw("POST", subPath+"/import?version="+strconv.Itoa(version), "unitA", ct, body)
		})
		if status != 409 || decodeError(t, out).Error.Code != "wrong_state" {
			t.Fatalf("%s: %d %s", name, status, out)
		}
		if bytes > 20<<20 {
			t.Fatalf("%s: %d MB allocated to refuse it", name, bytes>>20)
		}
	}
	if v := e.sub("gjz"); v.State != "submitted" || v.Version != version {
		t.Fatalf("after refused imports: %+v", v)
	}
}

// TestBadSpreadsheetSameStatusEverywhere: a file that is not a workbook
// gets the same status from the submission import and the monthly
// import: 400, or 415 for the old binary formats (.xls, .doc).
func TestBadSpreadsheetSameStatusEverywhere(t *testing.T) {
	e := newEnv(t, "sqlite")
	var notWorkbook bytes.Buffer
	zw := zip.NewWriter(&notWorkbook)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("not a workbook"))
	zw.Close()
	for name, tt := range map[string]struct {
		file []byte
		want int
	}{
		"a truncated zip":       {[]byte("PK\x03\x04\x14\x00\x00\x00garbage"), 400},
		"a zip of another file": {notWorkbook.Bytes(), 400},
		"an old binary file":    {evidenceFixture(t, "旧版文档.doc"), 415},
	} {
		t.Run(name, func(t *testing.T) {
			for _, imp := range []struct{ path, role string }{
				{subPath + "/import?version=0", "unitA"},
				{"/api/v1/plans/2019/monthly/2019-06/import", "office"},
			} {
				body, ct := multipartFile(t, "file", "bad.xlsx", tt.file)
				status, _, out := e.raw("POST", imp.path, imp.role, ct, body)
				if status != tt.want {
					t.Errorf("%s: %d, want %d: %s", imp.path, status, tt.want, out)
				}
			}
		})
	}
}
