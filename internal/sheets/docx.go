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
	var (
		out      []*table
		above    strings.Builder // paragraph text since the last table
		sawText  bool            // any text between this table and the last
		depth    int             // table nesting
		rows     []*wordRow
		row      *wordRow
		cell     *wordCell
		inText   bool
		abovePar bool // text was written in the current outside paragraph
	)
	write := func(s string) {
		switch {
		case depth > 0 && cell != nil:
			cell.text.WriteString(s)
		case depth == 0:
			above.WriteString(s)
			if strings.TrimSpace(s) != "" {
				sawText = true
			}
			abovePar = true
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "tbl":
				depth++
				if depth == 1 {
					rows, row, cell = nil, nil, nil
				}
			case "tr":
				if depth == 1 {
					row = &wordRow{}
					rows = append(rows, row)
				}
			case "gridBefore":
				if depth == 1 && row != nil {
					row.before = intAttr(e, 0)
				}
			case "tc":
				if depth == 1 && row != nil {
					cell = &wordCell{span: 1}
					row.cells = append(row.cells, cell)
				}
			case "gridSpan":
				if depth == 1 && cell != nil {
					cell.span = max(1, intAttr(e, 1))
				}
			case "vMerge":
				if depth == 1 && cell != nil {
					v := attr(e, "val")
					cell.merged = v == "" || v == "continue"
				}
			case "p":
				if depth > 0 && cell != nil {
					if cell.paras > 0 {
						cell.text.WriteString("\n")
					}
					cell.paras++
				}
			case "t":
				inText = true
			case "tab":
				write("\t")
			case "br", "cr":
				write("\n")
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inText = false
			case "p":
				if depth == 0 && abovePar {
					above.WriteString("\n")
					abovePar = false
				}
			case "tc":
				if depth == 1 {
					cell = nil
				}
			case "tbl":
				depth--
				if depth == 0 {
					n := len(out) + 1
					out = append(out, &table{
						name: fmt.Sprintf("表%d", n), label: fmt.Sprintf("Word文件第%d个表格", n),
						title: above.String(), follows: len(out) > 0 && !sawText, rows: wordGrid(rows),
					})
					above.Reset()
					sawText = false
				}
			}
		case xml.CharData:
			if inText {
				write(string(e))
			}
		}
	}
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
