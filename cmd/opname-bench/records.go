package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"filippo.io/age"
)

// backup times `opname backup` of an organisation with b.busyRecordings
// recordings and a tenth of b.records access-log records against copying
// the same data folder with `cp -a`, and `opname restore` of that backup
// against copying the backup folder with `cp -a`: a backup reads the
// database through SQLite and hashes every file it writes, and a restore
// checks every hash before it writes and again as it copies. A second
// backup into the same folder (new recordings only) is shown beside the
// first.
func (b *bench) backup() ([]row, error) {
	d, err := b.generated("records", max(100_000, b.records/10), b.busyRecordings)
	if err != nil {
		return nil, err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	identity := filepath.Join(b.work, "backup.identity")
	if err := os.WriteFile(identity, []byte(id.String()+"\n"), 0o600); err != nil {
		return nil, err
	}
	size := func(dir string) string {
		out, _ := exec.Command("du", "-sh", dir).Output()
		if len(out) == 0 {
			return "?"
		}
		return string(out[:len(out)-len(dir)-2])
	}
	what := fmt.Sprintf("%s recordings, %s records", count(b.busyRecordings), count(max(100_000, b.records/10)))
	full := row{what: "opname backup, " + what, baseline: "cp -a of the data folder", target: "≤ 3x"}
	again := row{what: "opname backup again (incremental), " + what, baseline: "cp -a of the data folder"}
	restore := row{what: "opname restore, " + what, baseline: "cp -a of the backup folder", target: "≤ 3x"}
	for i := range b.rounds {
		round := filepath.Join(b.work, fmt.Sprintf("backup-%d", i))
		copied := filepath.Join(round, "copy")
		dest := filepath.Join(round, "dest")
		if err := os.MkdirAll(round, 0o700); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if out, err := exec.Command("cp", "-a", d.dir, copied).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("cp -a: %v: %s", err, out)
		}
		cp := time.Since(t0)
		os.RemoveAll(copied)
		t0 = time.Now()
		if _, err := b.cli(d.dir, "backup", dest, "--recipient", id.Recipient().String()); err != nil {
			return nil, err
		}
		bt := time.Since(t0)
		t0 = time.Now()
		if _, err := b.cli(d.dir, "backup", dest, "--recipient", id.Recipient().String()); err != nil {
			return nil, err
		}
		at := time.Since(t0)
		backups, err := filepath.Glob(filepath.Join(dest, "2*"))
		if err != nil || len(backups) != 2 {
			return nil, fmt.Errorf("backups in %s: %v, %v", dest, backups, err)
		}
		t0 = time.Now()
		if out, err := exec.Command("cp", "-a", backups[0], copied).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("cp -a: %v: %s", err, out)
		}
		cpb := time.Since(t0)
		t0 = time.Now()
		if _, err := b.cli(filepath.Join(round, "restored"), "restore", backups[0], "--identity", identity); err != nil {
			return nil, err
		}
		rt := time.Since(t0)
		full.measured, full.base = fmt.Sprintf("%s (%s)", bt.Round(time.Millisecond), size(backups[0])), cp.Round(time.Millisecond).String()
		full.ratios = append(full.ratios, bt.Seconds()/cp.Seconds())
		again.measured, again.base = at.Round(time.Millisecond).String(), cp.Round(time.Millisecond).String()
		again.ratios = append(again.ratios, at.Seconds()/cp.Seconds())
		restore.measured, restore.base = rt.Round(time.Millisecond).String(), cpb.Round(time.Millisecond).String()
		restore.ratios = append(restore.ratios, rt.Seconds()/cpb.Seconds())
		os.RemoveAll(round)
	}
	under3 := func(x float64) bool { return x <= 3 }
	return []row{judged(full, under3), again, judged(restore, under3)}, nil
}
