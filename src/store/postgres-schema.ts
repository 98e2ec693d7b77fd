// The Postgres store's tables and functions. Every row carries its deployment (the store's
// prefix), so deployments can share one database. Created on first use, under an advisory lock
// (several processes starting together would race on CREATE otherwise).

/** Serialises schema creation across processes (any constant of our own). */
export const SCHEMA_LOCK = 727_019_001;

export const SCHEMA = `
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
CREATE INDEX IF NOT EXISTS pf_receipts_id ON pf_receipts (deployment, id);
CREATE TABLE IF NOT EXISTS pf_keys (deployment TEXT NOT NULL, id TEXT NOT NULL, body JSONB NOT NULL, PRIMARY KEY (deployment, id));
CREATE TABLE IF NOT EXISTS pf_pending (deployment TEXT NOT NULL, id TEXT NOT NULL, body JSONB NOT NULL, PRIMARY KEY (deployment, id));
CREATE TABLE IF NOT EXISTS pf_secrets (deployment TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (deployment, key));
CREATE TABLE IF NOT EXISTS pf_locks (deployment TEXT NOT NULL, name TEXT NOT NULL, owner TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (deployment, name));

-- What a limit counts (the rule of usage.ts): entries of its kinds, origin, plan and note, not
-- released, and for a window, whose life [start, end] meets (now - window, now].
CREATE OR REPLACE FUNCTION pf_used(dep TEXT, l JSONB, now_ms BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN coalesce((l->>'counts')::boolean, false) THEN count(*) ELSE coalesce(sum(amount), 0) END::bigint
  FROM pf_entries x
  WHERE x.deployment = dep AND x.state <> 'released'
    AND x.kind IN (SELECT jsonb_array_elements_text(l->'kinds'))
    AND (l->>'origin' IS NULL OR x.origin = l->>'origin')
    AND (l->>'planId' IS NULL OR x.plan_id = l->>'planId')
    AND (l->>'note' IS NULL OR x.note = l->>'note')
    AND (l->>'windowMs' IS NULL OR (x.end_at > now_ms - (l->>'windowMs')::bigint AND x.start_at <= now_ms))
$$;

-- One reservation, one transaction: the deployment's row is locked first (FOR UPDATE), so
-- reservations of one deployment run one at a time and none can slip between a sum and its insert.
CREATE OR REPLACE FUNCTION pf_reserve(dep TEXT, e JSONB, limits JSONB, now_ms BIGINT) RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
  l JSONB;
  i INT := 0;
  used BIGINT;
  adding BIGINT;
  found_id TEXT;
BEGIN
  PERFORM 1 FROM pf_deployments WHERE deployment = dep FOR UPDATE;
  SELECT id INTO found_id FROM pf_entries WHERE deployment = dep AND id = e->>'id';
  IF found_id IS NOT NULL THEN RETURN jsonb_build_object('ok', true, 'existing', true); END IF;
  FOR l IN SELECT value FROM jsonb_array_elements(limits) LOOP
    i := i + 1;
    IF (e->>'kind') IN (SELECT jsonb_array_elements_text(l->'kinds'))
       AND (l->>'origin' IS NULL OR e->>'origin' = l->>'origin')
       AND (l->>'planId' IS NULL OR e->>'planId' = l->>'planId')
       AND (l->>'note' IS NULL OR e->>'note' = l->>'note')
       AND (l->>'windowMs' IS NULL OR ((e->>'endAt')::bigint > now_ms - (l->>'windowMs')::bigint AND (e->>'startAt')::bigint <= now_ms)) THEN
      used := pf_used(dep, l, now_ms);
      adding := (e->>'amountCents')::bigint;
      IF coalesce((l->>'counts')::boolean, false) THEN adding := 1; END IF;
      IF used + adding > (l->>'max')::numeric THEN
        RETURN jsonb_build_object('ok', false, 'index', i, 'used', used);
      END IF;
    END IF;
  END LOOP;
  INSERT INTO pf_entries (deployment, id, kind, state, amount, start_at, end_at, origin, plan_id, delegation_id, transaction_id, note)
  VALUES (dep, e->>'id', e->>'kind', 'reserved', (e->>'amountCents')::bigint, (e->>'startAt')::bigint, (e->>'endAt')::bigint,
          e->>'origin', e->>'planId', e->>'delegationId', e->>'transactionId', e->>'note');
  RETURN jsonb_build_object('ok', true);
END $$;

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
`;
