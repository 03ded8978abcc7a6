package sqldb

import (
	"context"
	"sync"
	"time"
)

// checkpointEvery is how often the checkpointer copies the write-ahead
// log's pages into the SQLite database file.
const checkpointEvery = time.Second

// checkpointer copies committed pages from SQLite's write-ahead log into
// the database file in the background (a passive checkpoint, which lets
// writers and readers go on), so that the log stays short. SQLite would
// otherwise do this itself in the transaction that fills the log past a
// thousand pages, and the requests behind that transaction — the access
// log's writer and everyone waiting for it — would wait for the copy and
// its fsyncs. The write pool's connection has automatic checkpoints off
// (see Open).
type checkpointer struct {
	stop chan struct{}
	done sync.WaitGroup
}

func (db *DB) startCheckpointer() *checkpointer {
	c := &checkpointer{stop: make(chan struct{})}
	c.done.Add(1)
	go func() {
		defer c.done.Done()
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-c.stop:
				return
			}
			// On a read connection: a checkpoint changes no data, and it
			// must not hold the one write connection while it copies.
			// A checkpoint that fails is tried again at the next tick; the
			// log only grows meanwhile.
			var busy, logged, copied int
			_ = db.read.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied)
		}
	}()
	return c
}

func (c *checkpointer) close() {
	if c == nil {
		return
	}
	close(c.stop)
	c.done.Wait()
}
