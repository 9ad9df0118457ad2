package sheets

import (
	"archive/zip"
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"kaohe/workflow"
)

// Bounds on opening an uploaded workbook. The largest real file, a unit's
// annex tables or a year of counts, unzips to well under a megabyte; a
// zip bomb that claims hundreds of megabytes is refused before anything is
// expanded. excelize reads the styles part whole whatever its limits say,
// so only the total bounds a padded styles.xml.
const (
	maxUnzipBytes    = MaxXLSXUnzipped
	maxUnzipXMLBytes = 16 << 20
)

// openWorkbook opens an uploaded .xlsx within the unzip bounds: ETOOLARGE
// when its parts would expand past them, EINVALID when it is not a
// workbook. The sizes are read from the zip's central directory first
// (archive/zip refuses an entry that holds more than it declares), and
// excelize gets the same bounds.
func openWorkbook(b []byte) (*excelize.File, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "无法读取Excel文件：不是有效的.xlsx文件")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > maxUnzipBytes {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "Excel文件解压后超过%d MB，已拒绝", maxUnzipBytes>>20)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: maxUnzipBytes, UnzipXMLSizeLimit: maxUnzipXMLBytes})
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "无法读取Excel文件：不是有效的.xlsx文件")
	}
	return f, nil
}

// printSetup makes sheet print as people file it: A4 landscape, every
// column on one page width (as many pages down as its rows need), and the
// rows first to last (1-based) repeated at the top of every page.
func printSetup(f *excelize.File, sheet string, first, last int) error {
	size, orient, wide, tall := 9, "landscape", 1, 0 // 9 is A4 in SpreadsheetML
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin, edge := 0.5, 0.3
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin, Top: &margin, Bottom: &margin, Header: &edge, Footer: &edge}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, first, last)})
}
