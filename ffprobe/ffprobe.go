// Package ffprobe reads a recording's container, duration and codecs with
// the ffprobe command of FFmpeg, when it is installed. It reads from
// standard input, so plaintext never has to be written to disk for it.
package ffprobe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"github.com/opname/opname"
)

// Prober runs ffprobe.
type Prober struct {
	// Path is the ffprobe executable.
	Path string
}

// Find returns a Prober when ffprobe is on the PATH, and nil when not.
func Find() *Prober {
	p, err := exec.LookPath("ffprobe")
	if err != nil {
		return nil
	}
	return &Prober{Path: p}
}

// Probe reads the media in r. ffprobe may stop reading before the end once
// it has what it needs. When the container does not state its duration (a
// stream, such as WebM from a browser's recorder), the duration is where
// the last packet ends; packets are read line by line, never held.
//
// Given an *io.SectionReader (a stored recording), Probe first reads only
// the start (quickLen bytes) without listing packets, which answers for
// most files at a fraction of the work, and reads the whole only when the
// start does not say the format and the duration.
func (p *Prober) Probe(ctx context.Context, r io.Reader) (*opname.MediaInfo, error) {
	if sr, ok := r.(*io.SectionReader); ok {
		info, err := p.run(ctx, io.NewSectionReader(sr, 0, min(sr.Size(), quickLen)), false)
		if err == nil && info.Duration > 0 {
			return info, nil
		}
		r = io.NewSectionReader(sr, 0, sr.Size())
	}
	return p.run(ctx, r, true)
}

// quickLen is how much of a stored recording the first probe reads.
const quickLen = 16 << 20

func (p *Prober) run(ctx context.Context, r io.Reader, packets bool) (*opname.MediaInfo, error) {
	entries := "format=duration,format_name:stream=codec_type,codec_name"
	if packets {
		entries += ":packet=pts_time,duration_time"
	}
	cmd := exec.CommandContext(ctx, p.Path, "-v", "error", "-hide_banner",
		"-show_entries", entries, "-of", "compact", "-i", "pipe:0")
	cmd.Stdin = r
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("ffprobe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ffprobe: %w", err)
	}
	info, end := parse(out)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("ffprobe: %w: %s", err, firstLine(stderr.Bytes()))
	}
	if info.Format == "" {
		return nil, errors.New("ffprobe: no format found")
	}
	if info.Duration == 0 {
		info.Duration = end
	}
	return info, nil
}

// parse reads ffprobe's compact output: lines such as
// "packet|pts_time=0.020000|duration_time=0.020000",
// "stream|codec_name=opus|codec_type=audio" and
// "format|format_name=matroska,webm|duration=N/A". It returns what the
// format says and where the last packet ends.
func parse(r io.Reader) (*opname.MediaInfo, float64) {
	info := &opname.MediaInfo{Streams: []string{}}
	var end float64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		section, rest, _ := strings.Cut(sc.Text(), "|")
		fields := map[string]string{}
		for _, kv := range strings.Split(rest, "|") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				fields[k] = v
			}
		}
		switch section {
		case "packet":
			pts, err1 := strconv.ParseFloat(fields["pts_time"], 64)
			d, err2 := strconv.ParseFloat(fields["duration_time"], 64)
			if err1 == nil && err2 == nil {
				end = max(end, pts+d)
			}
		case "stream":
			if fields["codec_type"] != "" && fields["codec_name"] != "" {
				info.Streams = append(info.Streams, fields["codec_type"]+"/"+fields["codec_name"])
			}
		case "format":
			info.Format = fields["format_name"]
			if d, err := strconv.ParseFloat(fields["duration"], 64); err == nil && d > 0 {
				info.Duration = d
			}
		}
	}
	_, _ = io.Copy(io.Discard, r)
	return info, end
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
