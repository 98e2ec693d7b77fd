import { sha256Hex } from '../util/sha256.js';
import { LEDGER_SQL } from './postgres-ledger-sql.js';

// The Postgres store's tables and functions (the ledger's running totals are in
// postgres-ledger-sql.ts). Every row carries its deployment (the store's prefix), so deployments
// can share one database. Created on first use, under an advisory lock (several processes
// starting together would race on CREATE otherwise).

/** Serialises schema creation across processes (any constant of our own). */
export const SCHEMA_LOCK = 727_019_001;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS pf_schema (version TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS pf_deployments (deployment TEXT PRIMARY KEY, fence BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS pf_entries (
  deployment TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, amount BIGINT NOT NULL,
  start_at BIGINT NOT NULL, end_at BIGINT NOT NULL, origin TEXT, plan_id TEXT, delegation_id TEXT,
  transaction_id TEXT, note TEXT, PRIMARY KEY (deployment, id));
CREATE INDEX IF NOT EXISTS pf_entries_end ON pf_entries (deployment, end_at);
CREATE TABLE IF NOT EXISTS pf_receipts (
  seq BIGSERIAL PRIMARY KEY, deployment TEXT NOT NULL, id TEXT NOT NULL, at BIGINT NOT NULL,
  origin TEXT, plan_id TEXT, body JSONB NOT NULL);
CREATE INDEX IF NOT EXISTS pf_receipts_at ON pf_receipts (deployment, at);
-- A receipt once per id (the backlog retries a write whose answer was lost; a receipt kept twice
-- doubles a charge in every report): copies an earlier version kept go, the first stays.
DELETE FROM pf_receipts a USING pf_receipts b WHERE a.deployment = b.deployment AND a.id = b.id AND a.seq > b.seq;
DROP INDEX IF EXISTS pf_receipts_id;
CREATE UNIQUE INDEX IF NOT EXISTS pf_receipts_once ON pf_receipts (deployment, id);
CREATE TABLE IF NOT EXISTS pf_keys (deployment TEXT NOT NULL, id TEXT NOT NULL, body JSONB NOT NULL, PRIMARY KEY (deployment, id));
CREATE TABLE IF NOT EXISTS pf_pending (deployment TEXT NOT NULL, id TEXT NOT NULL, body JSONB NOT NULL, PRIMARY KEY (deployment, id));
CREATE TABLE IF NOT EXISTS pf_secrets (deployment TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (deployment, key));
CREATE TABLE IF NOT EXISTS pf_locks (deployment TEXT NOT NULL, name TEXT NOT NULL, owner TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (deployment, name));

-- A lease: granted when free, expired, or already ours; every grant takes the next fencing token.
CREATE OR REPLACE FUNCTION pf_try_lock(dep TEXT, lock_name TEXT, lock_owner TEXT, until_ms BIGINT, now_ms BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  f BIGINT;
BEGIN
  INSERT INTO pf_locks AS h (deployment, name, owner, expires_at) VALUES (dep, lock_name, lock_owner, until_ms)
  ON CONFLICT (deployment, name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
  WHERE h.owner = excluded.owner OR h.expires_at <= now_ms;
  IF NOT FOUND THEN RETURN NULL; END IF;
  UPDATE pf_deployments SET fence = fence + 1 WHERE deployment = dep RETURNING fence INTO f;
  RETURN f;
END $$;
${LEDGER_SQL}`;

let version: string | undefined;
/** Which schema this is: a database that has it needs no DDL (pf_schema lists what was applied). */
export function schemaVersion(): string {
  return (version ??= sha256Hex(SCHEMA).slice(0, 16)); // on first connect, not on import
}
