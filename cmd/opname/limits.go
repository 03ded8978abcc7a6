package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/opname/opname"
	"github.com/opname/opname/web"
)

// uploadLimits reads OPNAME_MAX_OPEN_UPLOADS (a person's unfinished
// resumable uploads) and OPNAME_MAX_INFLIGHT (an organisation's bytes in
// uploads under way) into cfg. A value that is not one refuses the start,
// naming the setting and what it accepts; so does a limit in flight below
// the largest recording, which could then never be sent.
func uploadLimits(getenv func(string) string, cfg *config) error {
	cfg.UploadLimits = web.DefaultUploadLimits
	if v := getenv("OPNAME_MAX_OPEN_UPLOADS"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return opname.Errorf(opname.Invalid, "OPNAME_MAX_OPEN_UPLOADS: %q is not a number of uploads; use a whole number of 1 or more (default %d)", v, web.DefaultUploadLimits.OpenPerPerson)
		}
		cfg.UploadLimits.OpenPerPerson = n
	}
	if v := getenv("OPNAME_MAX_INFLIGHT"); v != "" {
		n, err := parseSize(v)
		if err != nil {
			return opname.Errorf(opname.Invalid, "OPNAME_MAX_INFLIGHT: %q is not a size; use bytes, or a number with K, M, G or T (such as 32G, the default)", v)
		}
		cfg.UploadLimits.InflightPerOrg = n
	}
	if max := orDefault(cfg.MaxRecording, defaultMaxRecording); cfg.UploadLimits.InflightPerOrg < max {
		return opname.Errorf(opname.Invalid, "OPNAME_MAX_INFLIGHT: %d bytes is less than the largest recording (OPNAME_MAX_RECORDING, %d bytes), which could then never be uploaded", cfg.UploadLimits.InflightPerOrg, max)
	}
	return nil
}

// orDefault is v, or def when v is not set.
func orDefault(v, def int64) int64 {
	if v > 0 {
		return v
	}
	return def
}

// sizeUnits are the units a size may have: powers of 1024.
var sizeUnits = map[string]int64{"": 1, "K": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MiB": 1 << 20, "G": 1 << 30, "GiB": 1 << 30, "T": 1 << 40, "TiB": 1 << 40}

// parseSize reads a size in bytes: "34359738368", "32G", "32GiB", "512M".
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	end := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(s)
	}
	unit, ok := sizeUnits[strings.TrimSpace(s[end:])]
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if !ok || err != nil || n < 1 || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("size %q: not a number of bytes with K, M, G or T", s)
	}
	return n * unit, nil
}
