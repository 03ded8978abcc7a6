package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/opname/opname"
	"github.com/opname/opname/backup"
	"github.com/opname/opname/s3blob"
	"github.com/opname/opname/sqldb"
)

// runBackup makes an online backup while opname serves. The order keeps it
// consistent: first the database snapshot (SQLite: VACUUM INTO, one read
// transaction); then the keys (read before and after it), so that they
// cover every file key wrapped in the snapshot; then the blobs of the recordings the snapshot holds,
// which were all finished before it (blobs never change afterwards).
func runBackup(ctx context.Context, m *Main, args []string) error {
	fset, cfg := m.configFlags("backup")
	var recipients []string
	fset.Func("recipient", "the age recipient the keys are encrypted to (may be repeated)", func(v string) error {
		recipients = append(recipients, v)
		return nil
	})
	rest, err := fset.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{"give one backup folder DEST"}
	}
	dest := rest[0]
	if len(recipients) == 0 {
		return usageError{"give --recipient AGE_RECIPIENT: the keys in the backup are encrypted to it"}
	}
	var rcpts []age.Recipient
	for _, r := range recipients {
		parsed, err := age.ParseRecipients(strings.NewReader(r))
		if err != nil || len(parsed) != 1 {
			return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--recipient %q is not an age recipient (age1…)", r)}
		}
		rcpts = append(rcpts, parsed...)
	}
	db, err := m.openCheckedDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	sys := opname.WithActor(ctx, opname.System("backup"))
	now := time.Now().UTC()
	w, err := backup.Create(dest, now)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			w.Abort()
		}
	}()
	man := &backup.Manifest{Created: now, Database: db.Dialect(), Blobs: cmp.Or(cfg.BlobURL, "local")}
	// The keys are read before the snapshot and again after it: every file
	// key wrapped in the snapshot is under a key that existed when it
	// began, so a key made meanwhile is in the second reading and one
	// retired meanwhile (a rotation) in the first.
	keysDir := filepath.Join(cfg.Data, "keys")
	keys, err := backup.ReadKeys(keysDir)
	if err != nil {
		return err
	}
	if err := logBackup(sys, db, now); err != nil {
		return err
	}
	var list []sqldb.BackedUp
	if db.Dialect() == "sqlite" {
		if list, man.SchemaVersion, err = snapshot(sys, db, w); err != nil {
			return err
		}
		man.DatabaseIncluded = true
	} else {
		// What the database holds now stands in for a snapshot: the
		// operator's own database backup, taken before this one, holds no
		// recording this list lacks.
		if man.SchemaVersion, _, err = db.SchemaVersion(ctx); err != nil {
			return err
		}
		if list, err = db.BackupList(sys); err != nil {
			return err
		}
	}
	after, err := backup.ReadKeys(keysDir)
	if err != nil {
		return err
	}
	maps.Copy(keys, after)
	if err := w.Keys(keys, rcpts...); err != nil {
		return err
	}
	var s3 *s3blob.Store
	if cfg.BlobURL != "" {
		if s3, err = s3blob.Open(ctx, cfg.BlobURL); err != nil {
			return err
		}
	}
	if err := backupBlobs(sys, w, man, list, filepath.Join(cfg.Data, "recordings"), s3, db.BackupList); err != nil {
		return err
	}
	dir, err := w.Finish(man)
	if err != nil {
		return err
	}
	done = true
	sum, err := backup.ManifestSHA256(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backup written to %s\n", dir)
	if man.DatabaseIncluded {
		fmt.Fprintf(m.Stdout, "  database: SQLite snapshot at schema version %d\n", man.SchemaVersion)
	} else {
		fmt.Fprintf(m.Stdout, "  database: NOT IN THIS BACKUP. Back up the PostgreSQL database (schema version %d) with pg_dump, or pg_basebackup and WAL archiving, before running opname backup (README, \"Backup and restore\")\n", man.SchemaVersion)
	}
	fmt.Fprintf(m.Stdout, "  keys: %d, encrypted to %d recipient(s)\n", len(keys), len(rcpts))
	if s3 != nil {
		fmt.Fprintf(m.Stdout, "  recordings: %d objects in %s listed with their ETags, not copied\n", len(man.Objects), cfg.BlobURL)
	} else {
		linked, copied := w.Blobs()
		fmt.Fprintf(m.Stdout, "  recordings: %d copied, %d unchanged since the previous backup (linked)\n", copied, linked)
	}
	for _, r := range man.ErasedDuring {
		fmt.Fprintf(m.Stdout, "  recording %s was erased while the backup ran: after a restore, erase it again\n", r.ID)
	}
	fmt.Fprintf(m.Stdout, "  manifest SHA-256: %s (keep it apart from the backup)\n", sum)
	if !man.DatabaseIncluded {
		m.hintf("the PostgreSQL database itself must be backed up with its own tools")
	}
	return nil
}

// backupBlobs puts the blobs of the recordings in list (the snapshot's)
// into the backup: local ones, in the folder dir, copied or linked; S3
// ones listed in the manifest. A blob that is gone must belong to a
// recording erased since the snapshot, which live (the database as it is
// now) says; the manifest names it.
func backupBlobs(ctx context.Context, w *backup.Writer, man *backup.Manifest, list []sqldb.BackedUp, dir string, s3 *s3blob.Store, live func(context.Context) ([]sqldb.BackedUp, error)) error {
	var now map[string]sqldb.BackedUp
	gone := func(r sqldb.BackedUp) error {
		if now == nil {
			all, err := live(ctx)
			if err != nil {
				return err
			}
			now = map[string]sqldb.BackedUp{}
			for _, b := range all {
				now[b.ID] = b
			}
		}
		if l, ok := now[r.ID]; ok && l.ErasedAt != nil {
			man.ErasedDuring = append(man.ErasedDuring, backup.Recording{ID: r.ID, OrgID: r.OrgID})
			return nil
		}
		return &opname.Error{Kind: opname.Internal, Msg: fmt.Sprintf("the encrypted bytes of recording %s (blob %s) are missing", r.ID, r.BlobKey)}
	}
	for _, r := range list {
		if r.ErasedAt != nil {
			continue
		}
		if s3 != nil {
			size, etag, err := s3.Stat(ctx, r.BlobKey)
			if opname.KindOf(err) == opname.NotFound {
				err = gone(r)
			} else if err == nil {
				man.Objects = append(man.Objects, backup.Object{Key: r.BlobKey, Size: size, ETag: etag, Recording: r.ID, SHA256: r.SHA256})
			}
			if err != nil {
				return err
			}
			continue
		}
		err := w.Blob(r.BlobKey, filepath.Join(dir, filepath.FromSlash(r.BlobKey)))
		if errors.Is(err, fs.ErrNotExist) {
			err = gone(r)
		}
		if err != nil {
			return fmt.Errorf("opname: backup recording %s: %w", r.ID, err)
		}
	}
	return nil
}

// snapshot copies the SQLite database into the backup and reads from the
// copy which recordings it holds and its schema version.
func snapshot(ctx context.Context, db *sqldb.DB, w *backup.Writer) ([]sqldb.BackedUp, int, error) {
	p := w.Path(backup.DatabaseName)
	if err := db.Snapshot(ctx, p); err != nil {
		return nil, 0, err
	}
	snap, err := sqldb.Open(p)
	if err != nil {
		return nil, 0, err
	}
	list, err := snap.BackupList(ctx)
	var have int
	if err == nil {
		have, _, err = snap.SchemaVersion(ctx)
	}
	if err = errors.Join(err, snap.Close()); err != nil {
		return nil, 0, err
	}
	return list, have, w.Add(backup.DatabaseName)
}

// logBackup records the backup in every organisation's access log
// (export "backup", by the system) before anything is copied, as every
// export is logged before its first byte: a backup holds every client's
// data. A SQLite backup holds its own record.
func logBackup(ctx context.Context, db *sqldb.DB, now time.Time) error {
	ids, err := db.OrganisationIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		a := opname.System("backup")
		a.OrgID = id
		if err := db.Record(opname.WithActor(ctx, a), opname.AccessEvent{Action: opname.AccessExport, ObjectType: "backup", ObjectID: now.Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	return nil
}

// runRestore restores a backup into an empty data folder, after checking
// every file of it against the manifest and opening the keys.
func runRestore(ctx context.Context, m *Main, args []string) error {
	fset, cfg := m.configFlags("restore")
	identity := fset.String("identity", "", "the age identity file that opens the backup's keys")
	rest, err := fset.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{"give one backup SRC"}
	}
	if *identity == "" {
		return usageError{"give --identity AGE_IDENTITY_FILE: it opens the keys in the backup"}
	}
	f, err := os.Open(*identity)
	if err != nil {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--identity %s: cannot read it", *identity), Err: err}
	}
	ids, err := age.ParseIdentities(f)
	f.Close()
	if err != nil {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--identity %s: not an age identity file", *identity), Err: err}
	}
	if err := backup.CheckEmpty(cfg.Data); err != nil {
		return err
	}
	dir, err := backup.Find(rest[0])
	if err != nil {
		return err
	}
	man, err := backup.ReadManifest(dir)
	if err == nil {
		err = backup.Check(dir, man)
	}
	var damaged *backup.Damaged
	if errors.As(err, &damaged) {
		m.errorf("the backup is damaged: %s", damaged)
		m.hintf("restore an earlier backup; nothing was written to %s", cfg.Data)
		return exitCode(exitFailure)
	}
	if err != nil {
		return err
	}
	switch {
	case man.DatabaseIncluded && cfg.DatabaseURL != "":
		return &opname.Error{Kind: opname.Invalid, Msg: "OPNAME_DATABASE_URL is set, but this backup holds a SQLite database: unset it to restore"}
	case !man.DatabaseIncluded && cfg.DatabaseURL == "":
		return &opname.Error{Kind: opname.Invalid, Msg: "this backup does not hold the PostgreSQL database: restore that with its own tools first, and set OPNAME_DATABASE_URL to it"}
	}
	keys, err := backup.OpenKeys(dir, ids...)
	var wrong *backup.WrongIdentity
	switch {
	case errors.As(err, &wrong):
		m.errorf("%s", wrong)
		m.hintf("give the identity file that belongs to the recipient of 'opname backup --recipient'; nothing was written to %s", cfg.Data)
		return exitCode(exitFailure)
	case errors.As(err, &damaged):
		m.errorf("the backup is damaged: %s", damaged)
		return exitCode(exitFailure)
	case err != nil:
		return err
	}
	err = backup.Restore(dir, man, keys, cfg.Data)
	if errors.As(err, &damaged) {
		m.errorf("the backup is damaged: %s", damaged)
		m.hintf("restore an earlier backup; what was written to %s is removed", cfg.Data)
		return exitCode(exitFailure)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backup %s (made %s) restored into %s: %d keys, %d files\n", dir, man.Created.Format(time.RFC3339), cfg.Data, len(keys), len(man.Files))
	if !man.DatabaseIncluded {
		if err := m.checkRestoredDatabase(ctx, cfg, man); err != nil {
			return err
		}
	}
	if man.Blobs != "local" {
		if err := m.checkObjects(ctx, cmp.Or(cfg.BlobURL, man.Blobs), man); err != nil {
			return err
		}
	}
	for _, r := range man.ErasedDuring {
		fmt.Fprintf(m.Stdout, "recording %s (organisation %s) was erased while the backup ran and its bytes are not in it: erase it again\n", r.ID, r.OrgID)
	}
	fmt.Fprintln(m.Stdout, "now check it: opname fixity, opname accesslog verify (with the same settings)")
	return nil
}

// checkRestoredDatabase checks that the PostgreSQL database the operator
// restored is one this opname uses, at the backup's schema version.
func (m *Main) checkRestoredDatabase(ctx context.Context, cfg *config, man *backup.Manifest) error {
	db, err := m.openCheckedDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	have, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if have != man.SchemaVersion {
		fmt.Fprintf(m.Stdout, "the database is at schema version %d; the backup was made at %d: check that it is the database backup that goes with this one\n", have, man.SchemaVersion)
	}
	return nil
}

// checkObjects compares the bucket with the objects the backup lists.
func (m *Main) checkObjects(ctx context.Context, blobURL string, man *backup.Manifest) error {
	s3, err := s3blob.Open(ctx, blobURL)
	if err != nil {
		return err
	}
	bad := 0
	for _, o := range man.Objects {
		size, etag, err := s3.Stat(ctx, o.Key)
		switch {
		case opname.KindOf(err) == opname.NotFound:
			m.errorf("recording %s: object %s is missing from %s", o.Recording, o.Key, blobURL)
			bad++
		case err != nil:
			return err
		case size != o.Size || etag != o.ETag:
			m.errorf("recording %s: object %s has changed (ETag %s, %d bytes; the backup lists %s, %d bytes)", o.Recording, o.Key, etag, size, o.ETag, o.Size)
			bad++
		}
	}
	fmt.Fprintf(m.Stdout, "%d objects in %s checked, %d missing or changed\n", len(man.Objects), blobURL, bad)
	if bad > 0 {
		m.hintf("restore the objects' earlier versions from the bucket's versioning (README, \"Backup and restore\")")
		return exitCode(exitFailure)
	}
	return nil
}
