package sheets

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"kaohe/workflow"
)

// docxTables returns the top-level tables of a Word document's body
// (word/document.xml, WordprocessingML), each with the paragraphs above it
// as its title. A cell's paragraphs are joined by line breaks; a cell
// spanning columns (w:gridSpan) keeps its text in its first column and a
// cell continuing a vertical merge (w:vMerge) is empty, as merged cells
// read from a workbook are. Deleted text (w:delText), field codes and
// everything but text runs are left out. A table inside a cell adds its
// text to that cell. document.xml is read up to MaxDocumentXML (ETOOLARGE
// beyond).
func docxTables(zr *zip.Reader) ([]*table, error) {
	var doc *zip.File
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			doc = f
		}
	}
	if doc == nil {
		return nil, notATable()
	}
	if doc.UncompressedSize64 > MaxDocumentXML {
		return nil, tooLarge(MaxDocumentXML)
	}
	rc, err := doc.Open()
	if err != nil {
		return nil, notATable()
	}
	defer rc.Close()
	lr := &io.LimitedReader{R: rc, N: MaxDocumentXML + 1}
	ts, err := readDocumentXML(lr)
	if lr.N <= 0 {
		return nil, tooLarge(MaxDocumentXML)
	}
	if err != nil {
		return nil, &workflow.Error{Code: workflow.EINVALID, Message: "无法读取Word文件的正文，请在Word或WPS中另存为.docx后再导入",
			Details: []workflow.Violation{{Path: "file", Rule: RuleImportFile, Message: "word/document.xml 不是有效的XML"}}}
	}
	return ts, nil
}

// wordCell is one w:tc as read.
type wordCell struct {
	text strings.Builder
	// span is the number of grid columns the cell covers (w:gridSpan).
	span int
	// merged says the cell continues a vertical merge from above.
	merged bool
	paras  int
}

// wordRow is one w:tr: the grid columns skipped before its first cell
// (w:gridBefore) and its cells.
type wordRow struct {
	before int
	cells  []*wordCell
}

// readDocumentXML walks the XML tokens of document.xml. Elements are
// matched by local name, so both the transitional and the strict
// WordprocessingML namespaces read alike.
func readDocumentXML(r io.Reader) ([]*table, error) {
	dec := xml.NewDecoder(r)
	var d docReader
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return d.out, nil
		}
		if err != nil {
			return nil, err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			d.start(e)
		case xml.EndElement:
			d.end(e)
		case xml.CharData:
			if d.inText {
				d.write(string(e))
			}
		}
	}
}

// docReader is the state of one walk through document.xml: the tables read
// so far, the text above the next one, and where in a table the walk is.
// Only the outermost table (depth 1) gets rows and cells; a nested table's
// text lands in the outer cell it sits in.
type docReader struct {
	out      []*table
	above    strings.Builder // paragraph text since the last table
	sawText  bool            // any text between this table and the last
	depth    int             // table nesting
	rows     []*wordRow
	row      *wordRow
	cell     *wordCell
	inText   bool
	abovePar bool // text was written in the current outside paragraph
}

// write adds run text to the current cell, or to the text above the next
// table when outside every table.
func (d *docReader) write(s string) {
	switch {
	case d.depth > 0 && d.cell != nil:
		d.cell.text.WriteString(s)
	case d.depth == 0:
		d.above.WriteString(s)
		if strings.TrimSpace(s) != "" {
			d.sawText = true
		}
		d.abovePar = true
	}
}

// start handles an opening element.
func (d *docReader) start(e xml.StartElement) {
	switch e.Name.Local {
	case "tbl":
		d.depth++
		if d.depth == 1 {
			d.rows, d.row, d.cell = nil, nil, nil
		}
	case "tr":
		if d.depth == 1 {
			d.row = &wordRow{}
			d.rows = append(d.rows, d.row)
		}
	case "gridBefore":
		if d.depth == 1 && d.row != nil {
			d.row.before = intAttr(e, 0)
		}
	case "tc":
		if d.depth == 1 && d.row != nil {
			d.cell = &wordCell{span: 1}
			d.row.cells = append(d.row.cells, d.cell)
		}
	case "gridSpan":
		if d.depth == 1 && d.cell != nil {
			d.cell.span = max(1, intAttr(e, 1))
		}
	case "vMerge":
		if d.depth == 1 && d.cell != nil {
			v := attr(e, "val")
			d.cell.merged = v == "" || v == "continue"
		}
	case "p":
		if d.depth > 0 && d.cell != nil {
			if d.cell.paras > 0 {
				d.cell.text.WriteString("\n")
			}
			d.cell.paras++
		}
	case "t":
		d.inText = true
	case "tab":
		d.write("\t")
	case "br", "cr":
		d.write("\n")
	}
}

// end handles a closing element; closing the outermost table lays it out
// and adds it to the tables read.
func (d *docReader) end(e xml.EndElement) {
	switch e.Name.Local {
	case "t":
		d.inText = false
	case "p":
		if d.depth == 0 && d.abovePar {
			d.above.WriteString("\n")
			d.abovePar = false
		}
	case "tc":
		if d.depth == 1 {
			d.cell = nil
		}
	case "tbl":
		d.depth--
		if d.depth == 0 {
			d.closeTable()
		}
	}
}

// closeTable appends the table just read, titled by the text above it.
func (d *docReader) closeTable() {
	n := len(d.out) + 1
	d.out = append(d.out, &table{
		name: fmt.Sprintf("表%d", n), label: fmt.Sprintf("Word文件第%d个表格", n),
		title: d.above.String(), follows: len(d.out) > 0 && !d.sawText, rows: wordGrid(d.rows),
	})
	d.above.Reset()
	d.sawText = false
}

// wordGrid lays out rows on the table's grid.
func wordGrid(rows []*wordRow) [][]string {
	width := 0
	for _, r := range rows {
		w := r.before
		for _, c := range r.cells {
			w += c.span
		}
		width = max(width, w)
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		line := make([]string, width)
		col := r.before
		for _, c := range r.cells {
			if col < width && !c.merged {
				line[col] = c.text.String()
			}
			col += c.span
		}
		out[i] = line
	}
	return out
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func intAttr(e xml.StartElement, def int) int {
	n, err := strconv.Atoi(attr(e, "val"))
	if err != nil {
		return def
	}
	return n
}
