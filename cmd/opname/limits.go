package main

import (
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
		n, ok := parseSize(v)
		if !ok {
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
