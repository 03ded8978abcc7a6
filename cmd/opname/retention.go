package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/opname/opname"
	"github.com/opname/opname/sqldb"
	"github.com/opname/opname/vault"
)

// retentionRun is the daily retention job: for each organisation it lists
// what is due for destruction, which its privacy officer sees and
// confirms; where the administrator turned on automatic destruction it
// destroys it at once. It returns how many items were due and how many
// were destroyed.
func retentionRun(ctx context.Context, db *sqldb.DB, v *vault.Vault, logger *slog.Logger) (due, destroyed int, err error) {
	ids, err := db.OrganisationIDs(opname.WithActor(ctx, opname.System("retention")))
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for _, id := range ids {
		sys := opname.System("retention")
		sys.OrgID = id
		octx := opname.WithActor(ctx, sys)
		items, err := db.DueForDestruction(octx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// TODO(access log retention): the kind access_log is pruned by
		// (*sqldb.DB).PruneAccessLog(ctx, orgID, before), which removes
		// the oldest records up to an anchored head; it is wired here at
		// merge, with before = now minus the organisation's access_log
		// rule. Until then the job leaves the access log alone.
		due += len(items)
		auto, err := db.AutoDestroy(octx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !auto || len(items) == 0 {
			if len(items) > 0 {
				logger.InfoContext(ctx, "retention: due for destruction, waiting for the privacy officer", "organisation", id, "count", len(items))
			}
			continue
		}
		refs := make([]opname.DueRef, len(items))
		for i, it := range items {
			refs[i] = it.Ref()
		}
		done, err := v.Destroy(octx, refs)
		destroyed += len(done)
		if err != nil {
			errs = append(errs, err)
		}
		logger.InfoContext(ctx, "retention: destroyed automatically", "organisation", id, "count", len(done))
	}
	return due, destroyed, errors.Join(errs...)
}
