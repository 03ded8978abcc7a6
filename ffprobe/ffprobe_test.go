package ffprobe_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/opname/opname/ffprobe"
)

// TestProbe makes real media with ffmpeg and reads it back through a pipe,
// including an MP4 whose index comes after the media data.
func TestProbe(t *testing.T) {
	p := ffprobe.Find()
	ffmpeg, err := exec.LookPath("ffmpeg")
	if p == nil || err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI needs ffmpeg and ffprobe")
		}
		t.Skip("ffmpeg or ffprobe is not installed")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		format  string
		streams []string
	}{
		{"a.webm", []string{"-f", "lavfi", "-i", "sine=d=3", "-c:a", "libopus"}, "matroska,webm", []string{"audio/opus"}},
		{"v.mp4", []string{"-f", "lavfi", "-i", "sine=d=3", "-f", "lavfi", "-i", "color=d=3:s=64x64", "-shortest", "-c:v", "libx264", "-c:a", "aac"}, "mov,mp4,m4a,3gp,3g2,mj2", []string{"video/h264", "audio/aac"}},
		{"a.wav", []string{"-f", "lavfi", "-i", "sine=d=3"}, "wav", []string{"audio/pcm_s16le"}},
		// As a browser's recorder makes it: a stream without a duration.
		{"stream.webm", []string{"-f", "lavfi", "-i", "sine=d=3", "-c:a", "libopus", "-live", "1", "-f", "webm"}, "matroska,webm", []string{"audio/opus"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, tc.name)
			args := append([]string{"-v", "error", "-y"}, tc.args...)
			if out, err := exec.Command(ffmpeg, append(args, file)...).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, out)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			// Through a pipe, and as a stored recording is given.
			for _, r := range []io.Reader{bytes.NewReader(data), io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data)))} {
				info, err := p.Probe(context.Background(), r)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(info.Streams)
				slices.Sort(tc.streams)
				if info.Format != tc.format || !slices.Equal(info.Streams, tc.streams) || info.Duration < 2.9 || info.Duration > 3.2 {
					t.Fatalf("probe = %+v", info)
				}
			}
			info, _ := p.Probe(context.Background(), bytes.NewReader(data))
			if info.HasVideo() != slices.ContainsFunc(tc.streams, func(s string) bool { return s[:5] == "video" }) {
				t.Fatalf("HasVideo = %v", info.HasVideo())
			}
		})
	}
	if _, err := p.Probe(context.Background(), bytes.NewReader([]byte("not media at all"))); err == nil {
		t.Fatal("probing text succeeded")
	}
}
