package service

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"kaohe/workflow"
)

// BundleLimits bound one archive of evidence: the files it may hold and
// their total size, so that a request never streams the whole store.
const (
	MaxBundleFiles = 5000
	MaxBundleBytes = 2 << 30
)

// BundleFile is one file of an evidence archive: the row to read and its
// path inside the archive (单位/时间节点/指标 工作 节点/文件名).
type BundleFile struct {
	Evidence workflow.Evidence
	Path     string
}

// Bundle is what an evidence archive holds: its file name and its files.
type Bundle struct {
	Name  string
	Files []BundleFile
	Bytes int64
}

// EvidenceBundle lists the current evidence of one unit, of one checkpoint
// (a date), or both, for one archive, in one read transaction: the office
// and viewers may ask for any unit, a unit for itself. Errors: EINVALID
// (neither a unit nor a checkpoint), ENOTFOUND (unknown plan or unit, or a
// unit a may not see), ETOOLARGE (more than MaxBundleFiles files or
// MaxBundleBytes bytes: ask for a unit and a checkpoint at once).
func (s *Service) EvidenceBundle(ctx context.Context, a Actor, year int, unit string, checkpoint workflow.Date) (*Bundle, error) {
	unit, err := bundleUnit(a, unit, checkpoint)
	if err != nil {
		return nil, err
	}
	var out *Bundle
	err = s.view(ctx, func(tx Tx, _ time.Time) error {
		p, err := planOf(tx, year)
		if err != nil {
			return err
		}
		names, err := unitNames(tx)
		if err != nil {
			return err
		}
		if _, ok := names[unit]; unit != "" && !ok {
			return workflow.Errorf(workflow.ENOTFOUND, "单位“%s”不存在", unit)
		}
		nodes, err := checkpointNodes(tx, year, unit, checkpoint)
		if err != nil {
			return err
		}
		es, err := tx.EvidenceList(EvidenceFilter{Year: year, Unit: unit})
		if err != nil {
			return err
		}
		out = &Bundle{Name: bundleName(p, names[unit], checkpoint)}
		taken := map[string]int{}
		for _, e := range es {
			n, ok := nodes[e.NodeID]
			if !ok {
				continue
			}
			out.Bytes += e.Size
			if len(out.Files) >= MaxBundleFiles || out.Bytes > MaxBundleBytes {
				return workflow.Errorf(workflow.ETOOLARGE, "佐证材料超过一个压缩包的上限（%d个文件或%d MB），请按单位和时间节点分别下载", MaxBundleFiles, MaxBundleBytes>>20)
			}
			out.Files = append(out.Files, BundleFile{Evidence: e, Path: uniquePath(taken, bundlePath(p, names[n.Unit], n, e))})
		}
		return nil
	})
	return out, err
}

// bundleUnit is the unit a bundle asked by a is of ("" for every unit):
// a unit's own, whatever it asked; the one asked by the office or a
// viewer, who must name a unit or a checkpoint.
func bundleUnit(a Actor, unit string, checkpoint workflow.Date) (string, error) {
	if unit == "" && checkpoint.IsZero() {
		if a.Role != workflow.RoleUnit {
			return "", workflow.Errorf(workflow.EINVALID, "请选择单位或时间节点")
		}
		unit = a.Unit
	}
	if unit != "" {
		if err := a.checkUnit(unit); err != nil {
			return "", err
		}
	} else if a.Role == workflow.RoleUnit {
		unit = a.Unit
	}
	if err := a.requireRole(workflow.RoleOffice, workflow.RoleViewer, workflow.RoleUnit); err != nil {
		return "", err
	}
	return unit, nil
}

// unitNames is every unit's name by code.
func unitNames(tx Tx) (map[string]string, error) {
	units, err := tx.Units()
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.Code] = u.Name
	}
	return names, nil
}

// checkpointNodes is the nodes of unit ("" every unit) due on checkpoint
// (zero: all of them), by id.
func checkpointNodes(tx Tx, year int, unit string, checkpoint workflow.Date) (map[int64]workflow.NodeRecord, error) {
	ns, err := tx.Nodes(NodeFilter{Year: year, Unit: unit})
	if err != nil {
		return nil, err
	}
	nodes := map[int64]workflow.NodeRecord{}
	for _, n := range ns {
		if checkpoint.IsZero() || n.Due == checkpoint {
			nodes[n.ID] = n
		}
	}
	return nodes, nil
}

// bundleName is the archive's file name: "2019年度佐证材料-甘井子区总工会-6月30日前.zip".
func bundleName(p *workflow.Plan, unit string, checkpoint workflow.Date) string {
	parts := []string{fmt.Sprintf("%d年度佐证材料", p.Year)}
	if unit != "" {
		parts = append(parts, unit)
	}
	if !checkpoint.IsZero() {
		parts = append(parts, fmt.Sprintf("%d月%d日前", checkpoint.Month, checkpoint.Day))
	}
	return strings.Join(parts, "-") + ".zip"
}

// bundlePath places a file in the archive by unit, checkpoint and node;
// every part is a display name (no separators), so the path stays inside
// the archive's folders.
func bundlePath(p *workflow.Plan, unit string, n workflow.NodeRecord, e workflow.Evidence) string {
	node := fmt.Sprintf("%s 第%d项工作 节点%d", n.Indicator, n.WorkIndex+1, n.NodeIndex+1)
	if n.Category == workflow.CategoryInnovation {
		node = fmt.Sprintf("创新指标%d 节点%d", n.ItemIndex+1, n.NodeIndex+1)
	}
	due := fmt.Sprintf("%d月%d日前", n.Due.Month, n.Due.Day)
	return path.Join(workflow.DisplayName(unit), due, workflow.DisplayName(node), workflow.DisplayName(e.Name))
}

// uniquePath numbers a second file of the same path: "a.pdf", "a (2).pdf".
func uniquePath(taken map[string]int, p string) string {
	taken[p]++
	if taken[p] == 1 {
		return p
	}
	ext := path.Ext(p)
	return fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(p, ext), taken[p], ext)
}
