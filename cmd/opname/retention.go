package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"

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
		// The access log is kept as long as its rule says: the records
		// before the cut-off go, up to the newest head anchored before it
		// (PruneAccessLog never passes an anchor). This follows the rule
		// whether or not automatic destruction is on: the privacy officer
		// confirms the destruction of a client's records, not of the
		// organisation's own account of who looked at them.
		if err := pruneAccessLog(octx, db, id, logger); err != nil {
			errs = append(errs, err)
		}
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

// pruneAccessLog deletes the organisation's access-log records older than
// its access_log rule allows.
func pruneAccessLog(ctx context.Context, db *sqldb.DB, orgID string, logger *slog.Logger) error {
	rules, err := db.RetentionRules(ctx)
	if err != nil {
		return err
	}
	at := slices.IndexFunc(rules, func(r opname.RetentionRule) bool { return r.Kind == opname.RetainAccessLog })
	if at < 0 || !rules[at].Set() {
		return nil // no rule: kept
	}
	r := rules[at]
	n, err := db.PruneAccessLog(ctx, orgID, db.Now().AddDate(-r.Years, -r.Months, 0))
	if n > 0 {
		logger.InfoContext(ctx, "retention: access log pruned", "organisation", orgID, "records", n)
	}
	return err
}
