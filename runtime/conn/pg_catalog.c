/*
 * pg_catalog.c - catalog introspection for PostgreSQL 12+.
 *
 * Each kind is one query over pg_catalog (not information_schema: it is
 * slow on big catalogs and hides objects the user does not own), run
 * through mg_pg_query with the schema LIKE pattern as parameter $1 (NULL:
 * every user schema).  Names come back as data, never quoted; the caller
 * quotes them where it builds SQL.  Rows are ordered by byte order of the
 * names (COLLATE "C") and then by position, so two runs against the same
 * database give the same result whatever the database's collation.
 *
 * Conventions shared by the queries:
 * - user schemas exclude pg_catalog, information_schema, pg_toast*,
 *   pg_temp* and _migrate (the migration record);
 * - partitions are not objects of their own: a partitioned table stands for
 *   its partitions (its rows and bytes sum them), and the constraints and
 *   indexes PostgreSQL clones onto partitions are not listed;
 * - integer columns are int4/int8 and flags bool, so mg_pg_query types them.
 */
#include "conn/pg.h"

#include <string.h>

/* Schemas a migration looks at, filtered by the optional pattern $1. */
#define USER_SCHEMA(n)                                                      \
    "(" n ".nspname NOT IN ('pg_catalog', 'information_schema', '_migrate')" \
    " AND " n ".nspname !~ '^pg_(toast|temp)'"                              \
    " AND ($1::text IS NULL OR " n ".nspname LIKE $1::text))"

/* True when reltuples of pg_class alias c is no estimate: -1 (PostgreSQL 14+,
 * never vacuumed or analyzed) or, before 14, 0 rows in 0 pages. */
#define NO_ESTIMATE(c)                                                      \
    "(" c ".reltuples < 0 OR (" c ".reltuples = 0 AND " c ".relpages = 0"   \
    " AND current_setting('server_version_num')::int < 140000))"

/* pg_constraint's one-letter referential actions as SQL words. */
#define FK_ACTION(col)                                                      \
    "CASE " col " WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'"         \
    " WHEN 'd' THEN 'SET DEFAULT' WHEN 'r' THEN 'RESTRICT'"                 \
    " ELSE 'NO ACTION' END"

static const char sql_schemas[] =
    "SELECT n.nspname::text AS schema_name,"
    "       pg_get_userbyid(n.nspowner)::text AS owner"
    "  FROM pg_namespace n"
    " WHERE " USER_SCHEMA("n")
    " ORDER BY n.nspname COLLATE \"C\"";

static const char sql_tables[] =
    "SELECT n.nspname::text AS schema_name,"
    "       c.relname::text AS table_name,"
    "       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned'"
    "            WHEN 'v' THEN 'view' WHEN 'm' THEN 'matview'"
    "            ELSE 'foreign' END AS kind,"
    "       CASE WHEN c.relkind = 'v' THEN NULL"
    "            WHEN c.relkind = 'p' THEN"
    "                 (SELECT CASE WHEN bool_or(" NO_ESTIMATE("l") ") THEN NULL"
    "                              ELSE sum(l.reltuples)::int8 END"
    "                    FROM pg_partition_tree(c.oid) pt"
    "                    JOIN pg_class l ON l.oid = pt.relid"
    "                   WHERE pt.isleaf)"
    "            WHEN " NO_ESTIMATE("c") " THEN NULL"
    "            ELSE c.reltuples::int8 END AS rows,"
    "       CASE WHEN c.relkind = 'p' THEN"
    "                 (SELECT sum(pg_total_relation_size(pt.relid))::int8"
    "                    FROM pg_partition_tree(c.oid) pt)"
    "            ELSE pg_total_relation_size(c.oid)::int8 END AS bytes,"
    "       d.description AS comment,"
    "       quote_ident(n.nspname) || '.' || quote_ident(c.relname)"
    "           AS qualified_name"
    "  FROM pg_class c"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  LEFT JOIN pg_description d ON d.objoid = c.oid"
    "        AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition"
    "   AND " USER_SCHEMA("n")
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"";

/* For a generated column (generated = 's') "default" is the generation
 * expression: that is what pg_attrdef holds for it. */
static const char sql_columns[] =
    "SELECT n.nspname::text AS schema_name,"
    "       c.relname::text AS table_name,"
    "       a.attname::text AS column_name,"
    "       a.attnum::int4 AS position,"
    "       format_type(a.atttypid, a.atttypmod) AS type,"
    "       t.typname::text AS type_name,"
    "       tn.nspname::text AS type_schema,"
    "       a.atttypmod::int4 AS typmod,"
    "       a.attnotnull AS not_null,"
    "       pg_get_expr(ad.adbin, ad.adrelid) AS \"default\","
    "       NULLIF(a.attidentity, '')::text AS identity,"
    "       NULLIF(a.attgenerated, '')::text AS generated,"
    "       t.typcategory = 'A' AS is_array,"
    "       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation"
    "            THEN co.collname::text END AS collation"
    "  FROM pg_attribute a"
    "  JOIN pg_class c ON c.oid = a.attrelid"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  JOIN pg_type t ON t.oid = a.atttypid"
    "  JOIN pg_namespace tn ON tn.oid = t.typnamespace"
    "  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
    "  LEFT JOIN pg_collation co ON co.oid = a.attcollation"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition"
    "   AND a.attnum > 0 AND NOT a.attisdropped"
    "   AND " USER_SCHEMA("n")
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\", a.attnum";

/* Primary keys and unique constraints: one row per key column. */
#define SQL_KEY_COLUMNS(contype)                                            \
    "SELECT n.nspname::text AS schema_name,"                                \
    "       c.relname::text AS table_name,"                                 \
    "       con.conname::text AS constraint_name,"                          \
    "       a.attname::text AS column_name,"                                \
    "       k.position::int4 AS position"                                   \
    "  FROM pg_constraint con"                                              \
    "  JOIN pg_class c ON c.oid = con.conrelid"                             \
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"                       \
    "  CROSS JOIN LATERAL unnest(con.conkey)"                               \
    "       WITH ORDINALITY AS k(attnum, position)"                         \
    "  JOIN pg_attribute a ON a.attrelid = con.conrelid"                    \
    "       AND a.attnum = k.attnum"                                        \
    " WHERE con.contype = '" contype "' AND NOT c.relispartition"           \
    "   AND " USER_SCHEMA("n")                                              \
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\","           \
    "          con.conname COLLATE \"C\", k.position"

static const char sql_primary_keys[] = SQL_KEY_COLUMNS("p");
static const char sql_unique_constraints[] = SQL_KEY_COLUMNS("u");

/* Indexes that no primary key, unique or exclusion constraint owns: one row
 * per key column (INCLUDE columns are in the definition only);
 * column_name is NULL for an expression key. */
static const char sql_indexes[] =
    "SELECT n.nspname::text AS schema_name,"
    "       c.relname::text AS table_name,"
    "       ic.relname::text AS index_name,"
    "       i.indisunique AS is_unique,"
    "       am.amname::text AS method,"
    "       pg_get_indexdef(i.indexrelid) AS definition,"
    "       pg_get_expr(i.indpred, i.indrelid) AS predicate,"
    "       i.indexprs IS NOT NULL AS has_expressions,"
    "       a.attname::text AS column_name,"
    "       k.position::int4 AS position"
    "  FROM pg_index i"
    "  JOIN pg_class ic ON ic.oid = i.indexrelid"
    "  JOIN pg_am am ON am.oid = ic.relam"
    "  JOIN pg_class c ON c.oid = i.indrelid"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  CROSS JOIN LATERAL unnest(i.indkey::int2[])"
    "       WITH ORDINALITY AS k(attnum, position)"
    "  LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid"
    "       AND a.attnum = k.attnum AND k.attnum > 0"
    " WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition"
    "   AND k.position <= i.indnkeyatts"
    "   AND NOT EXISTS (SELECT 1 FROM pg_constraint con"
    "                    WHERE con.conrelid = i.indrelid"
    "                      AND con.conindid = i.indexrelid"
    "                      AND con.contype IN ('p', 'u', 'x'))"
    "   AND " USER_SCHEMA("n")
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\","
    "          ic.relname COLLATE \"C\", k.position";

/* One row per column pair.  conparentid <> 0 marks the copies PostgreSQL
 * makes on partitions (and towards a referenced table's partitions). */
static const char sql_foreign_keys[] =
    "SELECT n.nspname::text AS schema_name,"
    "       c.relname::text AS table_name,"
    "       con.conname::text AS constraint_name,"
    "       a.attname::text AS column_name,"
    "       rn.nspname::text AS ref_schema,"
    "       rc.relname::text AS ref_table,"
    "       ra.attname::text AS ref_column,"
    "       k.position::int4 AS position,"
    "       " FK_ACTION("con.confupdtype") " AS on_update,"
    "       " FK_ACTION("con.confdeltype") " AS on_delete,"
    "       con.condeferrable AS deferrable,"
    "       con.condeferred AS deferred"
    "  FROM pg_constraint con"
    "  JOIN pg_class c ON c.oid = con.conrelid"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  JOIN pg_class rc ON rc.oid = con.confrelid"
    "  JOIN pg_namespace rn ON rn.oid = rc.relnamespace"
    "  CROSS JOIN LATERAL unnest(con.conkey, con.confkey)"
    "       WITH ORDINALITY AS k(attnum, refnum, position)"
    "  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum"
    "  JOIN pg_attribute ra ON ra.attrelid = con.confrelid"
    "       AND ra.attnum = k.refnum"
    " WHERE con.contype = 'f' AND con.conparentid = 0"
    "   AND NOT c.relispartition"
    "   AND " USER_SCHEMA("n")
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\","
    "          con.conname COLLATE \"C\", k.position";

/* owned_by_* come from the sequence's dependency on a column: deptype 'a'
 * (OWNED BY, serial) or 'i' (identity).  OWNED BY requires the table to be
 * in the sequence's schema, so no owned_by_schema is needed. */
static const char sql_sequences[] =
    "SELECT n.nspname::text AS schema_name,"
    "       c.relname::text AS sequence_name,"
    "       format_type(s.seqtypid, NULL) AS data_type,"
    "       s.seqstart::int8 AS start_value,"
    "       s.seqincrement::int8 AS increment,"
    "       oc.relname::text AS owned_by_table,"
    "       oa.attname::text AS owned_by_column,"
    "       COALESCE(d.deptype = 'i', false) AS is_identity"
    "  FROM pg_sequence s"
    "  JOIN pg_class c ON c.oid = s.seqrelid"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass"
    "        AND d.objid = c.oid AND d.objsubid = 0"
    "        AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0"
    "        AND d.deptype IN ('a', 'i')"
    "  LEFT JOIN pg_class oc ON oc.oid = d.refobjid"
    "  LEFT JOIN pg_attribute oa ON oa.attrelid = d.refobjid"
    "        AND oa.attnum = d.refobjsubid"
    " WHERE c.relkind = 'S'"
    "   AND " USER_SCHEMA("n")
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"";

static const struct {
    const char *name;
    const char *sql;
} catalog[] = {
    [MG_PG_CAT_SCHEMAS] = {"schemas", sql_schemas},
    [MG_PG_CAT_TABLES] = {"tables", sql_tables},
    [MG_PG_CAT_COLUMNS] = {"columns", sql_columns},
    [MG_PG_CAT_PRIMARY_KEYS] = {"primary_keys", sql_primary_keys},
    [MG_PG_CAT_UNIQUE_CONSTRAINTS] = {"unique_constraints",
                                      sql_unique_constraints},
    [MG_PG_CAT_INDEXES] = {"indexes", sql_indexes},
    [MG_PG_CAT_FOREIGN_KEYS] = {"foreign_keys", sql_foreign_keys},
    [MG_PG_CAT_SEQUENCES] = {"sequences", sql_sequences},
};

#define NKINDS ((int)(sizeof catalog / sizeof catalog[0]))

int mg_pg_catalog_kind_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(name, catalog[i].name) == 0)
            return i;
    return -1;
}

bool mg_pg_catalog(mg_pg_conn *c, mg_pg_catalog_kind kind, const char *schema,
                   mg_result **out, mg_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (c == NULL || out == NULL) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "pg catalog: no connection or no result pointer");
        return false;
    }
    if ((int)kind < 0 || (int)kind >= NKINDS) {
        mg_error_set(err, MG_ERR_USAGE, mg_pg_side(c), NULL,
                     "pg catalog: unknown kind %d", (int)kind);
        return false;
    }
    const char *params[1] = {schema};
    return mg_pg_query(c, catalog[kind].sql, 1, params, out, err);
}
