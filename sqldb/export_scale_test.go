package sqldb

import "context"

// AccessIndexes names the access log's indexes other than its
// constraints', for tests of WithoutAccessIndexes.
func (db *DB) AccessIndexes(ctx context.Context) ([]string, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'access_log' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name`
	if db.dialect == dialectPostgres {
		query = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'access_log' AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname`
	}
	rows, err := db.read.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}
