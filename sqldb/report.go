package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opname/opname"
)

// PrivacyReport counts a month of the caller's organisation for its
// privacy officer. The counts come from two grouped queries over the
// month's records: one read from the access_log_report index alone (what,
// to what, by which role, with which outcome), and one of the few records
// whose purpose tells more (erasure or destruction, which sign-in
// failure), found by action and time (access_log_action_time). So it costs a scan of one month's index entries, not of the
// log. The report is logged as a read or an export of "privacy_report".
func (db *DB) PrivacyReport(ctx context.Context, year int, month time.Month, export bool) (*opname.PrivacyReport, error) {
	a, err := orgActor(ctx, opname.RolePrivacyOfficer)
	if err != nil {
		return nil, err
	}
	if year < 2000 || year > 9999 || month < time.January || month > time.December {
		return nil, invalid("month", fmt.Sprintf("%04d-%02d", year, int(month)), "report.month", "give a month like 2026-11")
	}
	org, err := db.Organisation(ctx)
	if err != nil {
		return nil, err
	}
	loc := org.Location()
	from := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	until := time.Date(year, month+1, 1, 0, 0, 0, 0, loc)
	rep := &opname.PrivacyReport{Month: from.Format("2006-01"), TimeZone: loc.String(), From: from, Until: until, ByRole: []opname.RoleUse{}}
	fail := func(err error) (*opname.PrivacyReport, error) {
		return nil, fmt.Errorf("sqldb: privacy report: %w", err)
	}
	groups, err := db.reportGroups(ctx, a.OrgID, micro(from), micro(until))
	if err != nil {
		return fail(err)
	}
	byRole := map[opname.Role]*opname.RoleUse{}
	for _, g := range groups {
		action, objectType, role, outcome, n := g.action, g.objectType, g.role, g.outcome, g.n
		if outcome != "success" {
			continue // the failures counted are sign-ins, below
		}
		use := func() *opname.RoleUse {
			u := byRole[opname.Role(role)]
			if u == nil {
				u = &opname.RoleUse{Role: opname.Role(role)}
				byRole[u.Role] = u
			}
			return u
		}
		switch opname.AccessAction(action) {
		case opname.AccessRead, opname.AccessExport, opname.AccessCopy, opname.AccessPrint:
			if objectType == "access_log" || objectType == "privacy_report" {
				continue // the audit's own reads, not client data
			}
			switch u := use(); opname.AccessAction(action) {
			case opname.AccessRead:
				u.Reads += n
			case opname.AccessExport:
				u.Exports += n
			case opname.AccessCopy:
				u.Copies += n
			case opname.AccessPrint:
				u.Prints += n
			}
		case opname.AccessCreate:
			switch objectType {
			case "legal_hold":
				rep.HoldsPlaced += n
			case "client_link":
				rep.ClientLinksGiven += n
			case "recipient_link":
				rep.RecipientLinksGiven += n
			}
		case opname.AccessDelete:
			switch objectType {
			case "legal_hold":
				rep.HoldsReleased += n
			case "client_link":
				rep.ClientLinksRevoked += n
			case "recipient_link":
				rep.RecipientLinksRevoked += n
			}
		}
	}
	for _, u := range byRole {
		rep.ByRole = append(rep.ByRole, *u)
	}
	slices.SortFunc(rep.ByRole, func(x, y opname.RoleUse) int { return strings.Compare(string(x.Role), string(y.Role)) })

	rows, err := db.read.QueryContext(ctx, db.q(`SELECT action, purpose, COUNT(*) FROM access_log
		WHERE org_id = ? AND action IN ('delete', 'sign_in') AND time >= ? AND time < ?
		AND (action = 'delete' AND object_type = 'recording' AND outcome = 'success' OR action = 'sign_in' AND outcome = 'failure')
		GROUP BY action, purpose`), a.OrgID, micro(from), micro(until))
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	for rows.Next() {
		var action, purpose string
		var n int
		if err := rows.Scan(&action, &purpose, &n); err != nil {
			return fail(err)
		}
		switch {
		case action == string(opname.AccessDelete) && strings.HasPrefix(purpose, "retention:"):
			rep.Destructions += n
		case action == string(opname.AccessDelete):
			rep.Erasures += n
		case strings.HasSuffix(purpose, "throttled"):
			rep.Lockouts += n
		default:
			rep.SignInFailures += n
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	// Refused attempts failed too.
	rep.SignInFailures += rep.Lockouts
	err = db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM recordings WHERE org_id = ? AND fixity_problem <> '' AND fixity_checked_at >= ? AND fixity_checked_at < ?`),
		a.OrgID, micro(from), micro(until)).Scan(&rep.FixityFailures)
	if err != nil {
		return fail(err)
	}
	action := opname.AccessRead
	if export {
		action = opname.AccessExport
	}
	if err := db.Record(ctx, opname.AccessEvent{Action: action, ObjectType: "privacy_report", ObjectID: rep.Month, Purpose: "audit"}); err != nil {
		return nil, err
	}
	return rep, nil
}

// reportGroup is the number of one organisation's records in a time range
// with one action, object type, role and outcome.
type reportGroup struct {
	action, objectType, role, outcome string
	n                                 int
}

// reportGroups counts an organisation's records from since until until
// by action, object type, role and outcome. A GROUP BY over the range
// would sort a month of records; instead it steps through the groups the
// log has ever had, in the order of the access_log_report index (a seek
// each), and counts each group's records in the range from the same
// index: its cost is the number of groups and the month's index entries.
func (db *DB) reportGroups(ctx context.Context, orgID string, since, until int64) ([]reportGroup, error) {
	cols := []string{"action", "object_type", "user_role", "outcome"}
	// next[k] finds the next group that shares the current one's first k
	// columns: an equality on each and a bound on column k, which the
	// index seeks to (a bound on all four at once, as a row value, it
	// would walk to).
	next := make([]string, len(cols))
	for k := range cols {
		where := "org_id = ?"
		for _, c := range cols[:k] {
			where += " AND " + c + " = ?"
		}
		next[k] = db.q(`SELECT ` + strings.Join(cols, ", ") + ` FROM access_log WHERE ` + where + ` AND ` + cols[k] + ` > ? ORDER BY ` + strings.Join(cols[k:], ", ") + ` LIMIT 1`)
	}
	count := db.q(`SELECT COUNT(*) FROM access_log
		WHERE org_id = ? AND action = ? AND object_type = ? AND user_role = ? AND outcome = ? AND time >= ? AND time < ?`)
	var out []reportGroup
	var g reportGroup
	for {
		key := []any{orgID, g.action, g.objectType, g.role, g.outcome}
		found := false
		for k := len(cols) - 1; k >= 0 && !found; k-- {
			err := db.read.QueryRowContext(ctx, next[k], key[:k+2]...).Scan(&g.action, &g.objectType, &g.role, &g.outcome)
			switch {
			case err == nil:
				found = true
			case !errors.Is(err, sql.ErrNoRows):
				return nil, err
			}
		}
		if !found {
			return out, nil
		}
		if err := db.read.QueryRowContext(ctx, count, orgID, g.action, g.objectType, g.role, g.outcome, since, until).Scan(&g.n); err != nil {
			return nil, err
		}
		if g.n > 0 {
			out = append(out, g)
		}
	}
}
