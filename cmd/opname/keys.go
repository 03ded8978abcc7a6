package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"time"

	"github.com/opname/opname"
	"github.com/opname/opname/agecrypt"
	"github.com/opname/opname/localkeys"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/tusd"
)

// runKeysRotate gives an organisation a new key-encryption key and wraps
// every recording's file key under it, in batches that are each
// committed; the old key is destroyed only when nothing is left under it.
// Run again after an interruption, it resumes: while an old version is
// still on disk, the rotation is not done. Servers keep reading
// throughout: a wrapped key names its version, and both versions exist
// until the end.
func runKeysRotate(ctx context.Context, m *Main, args []string) error {
	fs, cfg := m.configFlags("keys rotate")
	org := fs.String("org", "", "the organisation's slug")
	batch := fs.Int("batch", 200, "recordings re-wrapped per committed batch")
	pause := fs.Duration("pause", 0, "wait between batches, to leave the database to running servers")
	settle := fs.Duration("settle", 10*time.Second, "wait before the old key goes, for recordings sealed under it just before the rotation began")
	if rest, err := fs.parse(args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	if *org == "" {
		return usageError{"--org is required"}
	}
	if *batch < 1 {
		return &opname.Error{Kind: opname.Invalid, Msg: fmt.Sprintf("--batch: %d is not a number of recordings (1 or more)", *batch)}
	}
	ctx, db, err := orgContext(ctx, cfg, *org)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := localkeys.Open(filepath.Join(cfg.Data, "keys"))
	if err != nil {
		return err
	}
	a, _ := opname.ActorFrom(ctx)
	r := &rotation{m: m, db: db, keys: keys, orgID: a.OrgID, batch: *batch, pause: *pause}
	return r.run(ctx, *org, *settle)
}

// rotation is one run of keys rotate for one organisation.
type rotation struct {
	m     *Main
	db    *sqldb.DB
	keys  *localkeys.Keyring
	orgID string
	batch int
	pause time.Duration
	to    int
}

func (r *rotation) run(ctx context.Context, slug string, settle time.Duration) error {
	unlock, err := r.keys.LockRotation(r.orgID)
	if errors.Is(err, localkeys.ErrRotating) {
		return &opname.Error{Kind: opname.Conflict, Msg: fmt.Sprintf("%s's key is being rotated by another process; wait for it, or run again when it was stopped", slug)}
	}
	if err != nil {
		return err
	}
	defer unlock()
	vs, err := r.keys.Versions(r.orgID)
	if err != nil {
		return err
	}
	if len(vs) == 1 {
		// The last run destroyed the old key and was stopped before it
		// logged the rotation: it only has that left to do.
		if p, ok, err := r.keys.Rotation(r.orgID); err != nil {
			return err
		} else if ok && p.To == vs[0] {
			r.to = p.To
			return r.finish(ctx, slug, p)
		}
	}
	if len(vs) > 1 {
		r.to = vs[len(vs)-1]
		fmt.Fprintf(r.m.Stdout, "resuming the rotation of %s's key to version %d\n", slug, r.to)
	} else {
		r.to, err = r.keys.NewVersion(ctx, r.orgID)
		if errors.Is(err, fs.ErrExist) {
			return &opname.Error{Kind: opname.Conflict, Msg: fmt.Sprintf("another rotation of %s's key began at the same moment; run again to resume it", slug)}
		}
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			fmt.Fprintf(r.m.Stdout, "%s had no key yet (no recordings); key version %d made\n", slug, r.to)
		} else {
			fmt.Fprintf(r.m.Stdout, "new key version %d for %s; re-wrapping\n", r.to, slug)
		}
	}
	p, ok, err := r.keys.Rotation(r.orgID)
	if err != nil {
		return err
	}
	if !ok || p.To != r.to {
		p = localkeys.Rotation{To: r.to}
		if err := r.keys.SaveRotation(r.orgID, p); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(r.m.Stdout, "%d re-wrapped before; continuing after recording %s\n", p.Done, p.After)
	}
	// The first pass resumes where the last run stood; further passes go
	// over everything until one finds nothing left under an old version.
	// Recordings sealed just before the new key existed may still arrive
	// (they are re-wrapped as they are registered, but one may have been
	// refreshed just before): after a settling wait, one more pass.
	settled := false
	for {
		n, err := r.pass(ctx, &p)
		if err != nil {
			return err
		}
		u, err := r.uploads(ctx)
		if err != nil {
			return err
		}
		if n+u > 0 || !settled {
			if n+u == 0 {
				if settle > 0 {
					fmt.Fprintf(r.m.Stdout, "all re-wrapped; waiting %s for recordings sealed before the rotation\n", settle)
					time.Sleep(settle)
				}
				settled = true
			}
			p.After = ""
			continue
		}
		break
	}
	// Every older version goes, the folder synced after each.
	if vs, err = r.keys.Versions(r.orgID); err != nil {
		return err
	}
	for _, v := range vs {
		if v < r.to {
			if err := r.keys.Destroy(ctx, r.orgID, v); err != nil {
				return err
			}
			fmt.Fprintf(r.m.Stdout, "key version %d destroyed\n", v)
		}
	}
	return r.finish(ctx, slug, p)
}

// finish logs the rotation, done, and forgets its record.
func (r *rotation) finish(ctx context.Context, slug string, p localkeys.Rotation) error {
	if err := r.db.Record(ctx, opname.AccessEvent{Action: opname.AccessUpdate, Outcome: "success", ObjectType: "key",
		ObjectID: strconv.Itoa(r.to), Purpose: fmt.Sprintf("key rotated: %d recordings re-wrapped to version %d", p.Done, r.to)}); err != nil {
		return err
	}
	if err := r.keys.EndRotation(r.orgID); err != nil {
		return err
	}
	fmt.Fprintf(r.m.Stdout, "%s's key is rotated to version %d; %d recordings re-wrapped\n", slug, r.to, p.Done)
	return nil
}

// pass re-wraps, batch by batch, every recording after p.After not yet
// under r.to, recording progress after each committed batch. It returns
// how many it re-wrapped.
func (r *rotation) pass(ctx context.Context, p *localkeys.Rotation) (int, error) {
	total := 0
	for {
		hs, err := r.db.Headers(ctx, r.orgID, p.After, r.batch)
		if err != nil {
			return 0, err
		}
		if len(hs) == 0 {
			return total, nil
		}
		var changes []sqldb.HeaderChange
		for _, h := range hs {
			v, err := agecrypt.HeaderVersion(ctx, r.keys, r.orgID, h.Header)
			if err != nil {
				return 0, fmt.Errorf("recording %s: %w; the old key is kept", h.ID, err)
			}
			if v == r.to {
				continue
			}
			nh, err := agecrypt.Rewrap(ctx, r.keys, r.orgID, h.Header)
			if err != nil {
				return 0, fmt.Errorf("recording %s: %w; the old key is kept", h.ID, err)
			}
			changes = append(changes, sqldb.HeaderChange{ID: h.ID, Old: h.Header, New: nh})
		}
		n, err := r.db.ReplaceHeaders(ctx, r.orgID, changes)
		if err != nil {
			return 0, err
		}
		p.After = hs[len(hs)-1].ID
		p.Done += n
		total += n
		if err := r.keys.SaveRotation(r.orgID, *p); err != nil {
			return 0, err
		}
		if n > 0 {
			fmt.Fprintf(r.m.Stdout, "re-wrapped %d recordings (%d in all), up to %s\n", n, p.Done, p.After)
		}
		if r.pause > 0 {
			time.Sleep(r.pause)
		}
	}
}

// uploads re-wraps the file keys of the organisation's uploads under way.
func (r *rotation) uploads(ctx context.Context) (int, error) {
	type change struct {
		id       string
		old, new []byte
	}
	var changes []change
	err := r.db.Uploads(ctx, func(id string, state []byte, _ time.Time) error {
		nst, changed, err := tusd.Rewrap(ctx, r.keys, r.orgID, state)
		if err != nil {
			return fmt.Errorf("upload %s: %w; the old key is kept", id, err)
		}
		if changed {
			changes = append(changes, change{id, state, nst})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range changes {
		ok, err := r.db.ReplaceUpload(ctx, c.id, c.old, c.new)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(r.m.Stdout, "re-wrapped %d uploads under way\n", n)
	}
	// One whose state changed meanwhile is looked at in the next pass.
	return len(changes), nil
}
