// Package configs holds the default configuration and the plans, embedded in
// the binary so that it runs with no files beside it.
package configs

import "embed"

// Files holds kaohe.yaml and plans/*.yaml.
//
//go:embed kaohe.yaml plans/*.yaml
var Files embed.FS
