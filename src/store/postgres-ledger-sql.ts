// The Postgres ledger in SQL: running totals per limit, as in redis-ledger-scripts.ts and
// sqlite-tallies.ts, so a reservation reads a few rows whatever the number of past entries.
//
// A tally (pf_tallies: one limit shape, identified by tally-id.ts) keeps `total` (its entries,
// released ones excepted) and, for a window, `below`: those that ended before the watermark `t`.
// The usage of a window at `now` is total - below - (entries ending in [t, now - window]), the last
// part read on the index of end times; a reservation first folds that part into `below` and moves
// `t`, so each entry is folded once. Entries that start in the future (rare) are listed in
// pf_future and taken back out. Every function that changes the ledger locks the deployment's row
// first (see pf_reserve), so tallies and entries change together and one at a time. Compacted
// totals (compacted_count set) are always below every watermark: ranges skip them, and compaction
// never reaches into the widest window of the deployment's tallies (whoever made them).

import { COMPACT_MARGIN_MS } from './compaction.js';

export const LEDGER_SQL = `
CREATE TABLE IF NOT EXISTS pf_tallies (
  deployment TEXT NOT NULL, tid TEXT NOT NULL, kinds TEXT[] NOT NULL, origin TEXT, plan_id TEXT, note TEXT,
  counts BOOLEAN NOT NULL, window_ms BIGINT, total BIGINT NOT NULL, below BIGINT NOT NULL, t BIGINT NOT NULL,
  PRIMARY KEY (deployment, tid));
CREATE TABLE IF NOT EXISTS pf_future (deployment TEXT NOT NULL, id TEXT NOT NULL, start_at BIGINT NOT NULL, PRIMARY KEY (deployment, id));
ALTER TABLE pf_entries ADD COLUMN IF NOT EXISTS compacted_count BIGINT;
-- What compaction looks for, and nothing else (delegations and charges are kept whole, live entries stay).
DROP INDEX IF EXISTS pf_entries_settled;
CREATE INDEX IF NOT EXISTS pf_entries_compactable ON pf_entries (deployment, end_at)
  WHERE state IN ('committed', 'released') AND kind NOT IN ('delegation', 'charge') AND compacted_count IS NULL;
DROP FUNCTION IF EXISTS pf_used(TEXT, JSONB, BIGINT);

-- Whether an entry is of a tally's scope (the rule of usage.ts; windows aside). Inlined by the planner.
CREATE OR REPLACE FUNCTION pf_matches(p_kinds TEXT[], p_origin TEXT, p_plan TEXT, p_note TEXT, x_kind TEXT, x_origin TEXT, x_plan TEXT, x_note TEXT)
RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(x_kind = ANY(p_kinds) AND (p_origin IS NULL OR x_origin = p_origin) AND (p_plan IS NULL OR x_plan = p_plan) AND (p_note IS NULL OR x_note = p_note), false)
$$;

-- What an entry weighs in a tally: cents, or 1 (a compacted total: how many it stands for) for counts.
CREATE OR REPLACE FUNCTION pf_weight(p_counts BOOLEAN, x_state TEXT, x_amount BIGINT, x_compacted BIGINT)
RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN x_state = 'released' THEN 0 WHEN p_counts THEN coalesce(x_compacted, 1) ELSE x_amount END
$$;

-- Weight of a tally's entries ending in [from_ms, to_ms): a range of the end-time index.
-- (PL/pgSQL, as pf_tally_used: its query's plan is kept for the session. A SQL function that is
-- not inlined is planned again in every transaction, and a reservation is one.)
CREATE OR REPLACE FUNCTION pf_between(dep TEXT, s pf_tallies, from_ms BIGINT, to_ms BIGINT) RETURNS BIGINT LANGUAGE plpgsql STABLE AS $$
DECLARE
  w BIGINT;
BEGIN
  SELECT coalesce(sum(pf_weight(s.counts, x.state, x.amount, x.compacted_count)), 0)::bigint INTO w FROM pf_entries x
  WHERE x.deployment = dep AND x.end_at >= from_ms AND x.end_at < to_ms AND x.state <> 'released' AND x.compacted_count IS NULL
    AND pf_matches(s.kinds, s.origin, s.plan_id, s.note, x.kind, x.origin, x.plan_id, x.note);
  RETURN w;
END $$;

-- A tally's usage at now_ms. STABLE: every query in it sees the snapshot of the statement that
-- calls it (one snapshot of the tally and the entries).
CREATE OR REPLACE FUNCTION pf_tally_used(dep TEXT, s pf_tallies, now_ms BIGINT) RETURNS BIGINT LANGUAGE plpgsql STABLE AS $$
DECLARE
  from_ms BIGINT;
  used BIGINT;
  ahead BIGINT;
BEGIN
  IF s.window_ms IS NULL THEN RETURN s.total; END IF;
  from_ms := now_ms - s.window_ms + 1;
  used := s.total - s.below;
  IF from_ms > s.t THEN used := used - pf_between(dep, s, s.t, from_ms);
  -- A watermark ahead of this caller (another process's clock ahead, or ours stepped back):
  -- entries that ended in [from, t) are in its window again.
  ELSIF from_ms < s.t THEN used := used + pf_between(dep, s, from_ms, s.t);
  END IF;
  -- Entries that have not started yet do not count (they are few: listed aside).
  SELECT coalesce(sum(pf_weight(s.counts, x.state, x.amount, x.compacted_count)), 0) INTO ahead FROM pf_future f
    JOIN pf_entries x ON x.deployment = f.deployment AND x.id = f.id
    WHERE f.deployment = dep AND f.start_at > now_ms AND x.start_at > now_ms AND x.end_at >= from_ms
      AND pf_matches(s.kinds, s.origin, s.plan_id, s.note, x.kind, x.origin, x.plan_id, x.note);
  RETURN used - ahead;
END $$;

-- The tally of a limit (JSON with its tid), built by one scan of the ledger the first time. Under the deployment's lock.
CREATE OR REPLACE FUNCTION pf_ensure_tally(dep TEXT, l JSONB, now_ms BIGINT) RETURNS pf_tallies LANGUAGE plpgsql AS $$
DECLARE
  s pf_tallies;
BEGIN
  SELECT * INTO s FROM pf_tallies x WHERE x.deployment = dep AND x.tid = l->>'tid';
  IF FOUND THEN RETURN s; END IF;
  s.deployment := dep; s.tid := l->>'tid'; s.kinds := ARRAY(SELECT jsonb_array_elements_text(l->'kinds'));
  s.origin := l->>'origin'; s.plan_id := l->>'planId'; s.note := l->>'note';
  s.counts := coalesce((l->>'counts')::boolean, false); s.window_ms := (l->>'windowMs')::bigint;
  s.t := CASE WHEN s.window_ms IS NULL THEN 0 ELSE now_ms - s.window_ms + 1 END;
  -- Compacted totals are below the watermark whatever their end (pf_between never reads them).
  SELECT coalesce(sum(q.w), 0), coalesce(sum(q.w) FILTER (WHERE s.window_ms IS NOT NULL AND (q.end_at < s.t OR q.compacted_count IS NOT NULL)), 0)
  INTO s.total, s.below
  FROM (SELECT pf_weight(s.counts, x.state, x.amount, x.compacted_count) AS w, x.end_at, x.compacted_count FROM pf_entries x
        WHERE x.deployment = dep AND pf_matches(s.kinds, s.origin, s.plan_id, s.note, x.kind, x.origin, x.plan_id, x.note)) q;
  INSERT INTO pf_tallies SELECT (s).*;
  RETURN s;
END $$;

-- One reservation, one transaction: the deployment's row is locked first (FOR UPDATE), so
-- reservations of one deployment run one at a time and none can slip between a sum and its insert.
CREATE OR REPLACE FUNCTION pf_reserve(dep TEXT, e JSONB, limits JSONB, now_ms BIGINT) RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
  l JSONB;
  s pf_tallies;
  i INT := 0;
  used BIGINT;
  adding BIGINT;
  e_kind TEXT := e->>'kind'; e_origin TEXT := e->>'origin'; e_plan TEXT := e->>'planId'; e_note TEXT := e->>'note';
  e_amount BIGINT := (e->>'amountCents')::bigint; e_start BIGINT := (e->>'startAt')::bigint; e_end BIGINT := (e->>'endAt')::bigint;
BEGIN
  PERFORM 1 FROM pf_deployments WHERE deployment = dep FOR UPDATE;
  PERFORM 1 FROM pf_entries x WHERE x.deployment = dep AND x.id = e->>'id';
  IF FOUND THEN RETURN jsonb_build_object('ok', true, 'existing', true); END IF;
  FOR l IN SELECT value FROM jsonb_array_elements(limits) LOOP
    i := i + 1;
    s := pf_ensure_tally(dep, l, now_ms);
    IF s.window_ms IS NOT NULL AND now_ms - s.window_ms + 1 > s.t THEN -- fold what left the window
      UPDATE pf_tallies x SET below = x.below + pf_between(dep, x, x.t, now_ms - x.window_ms + 1), t = now_ms - x.window_ms + 1
      WHERE x.deployment = dep AND x.tid = s.tid RETURNING * INTO s;
    END IF;
    IF pf_matches(s.kinds, s.origin, s.plan_id, s.note, e_kind, e_origin, e_plan, e_note)
       AND (s.window_ms IS NULL OR (e_end > now_ms - s.window_ms AND e_start <= now_ms)) THEN
      used := pf_tally_used(dep, s, now_ms);
      adding := CASE WHEN s.counts THEN 1 ELSE e_amount END;
      IF used + adding > (l->>'max')::numeric THEN
        RETURN jsonb_build_object('ok', false, 'index', i, 'used', used);
      END IF;
    END IF;
  END LOOP;
  INSERT INTO pf_entries (deployment, id, kind, state, amount, start_at, end_at, origin, plan_id, delegation_id, transaction_id, note)
  VALUES (dep, e->>'id', e_kind, 'reserved', e_amount, e_start, e_end, e_origin, e_plan, e->>'delegationId', e->>'transactionId', e_note);
  UPDATE pf_tallies x SET total = x.total + pf_weight(x.counts, 'reserved', e_amount, NULL),
    below = x.below + CASE WHEN x.window_ms IS NOT NULL AND e_end < x.t THEN pf_weight(x.counts, 'reserved', e_amount, NULL) ELSE 0 END
  WHERE x.deployment = dep AND pf_matches(x.kinds, x.origin, x.plan_id, x.note, e_kind, e_origin, e_plan, e_note)
    AND pf_weight(x.counts, 'reserved', e_amount, NULL) <> 0;
  IF e_start > now_ms THEN INSERT INTO pf_future (deployment, id, start_at) VALUES (dep, e->>'id', e_start) ON CONFLICT DO NOTHING; END IF;
  RETURN jsonb_build_object('ok', true);
END $$;

-- A limit's usage: read without a lock (one snapshot); a limit seen for the first time is built under it.
CREATE OR REPLACE FUNCTION pf_usage(dep TEXT, l JSONB, now_ms BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  used BIGINT;
BEGIN
  SELECT pf_tally_used(dep, x, now_ms) INTO used FROM pf_tallies x WHERE x.deployment = dep AND x.tid = l->>'tid';
  IF FOUND THEN RETURN used; END IF;
  PERFORM 1 FROM pf_deployments WHERE deployment = dep FOR UPDATE;
  RETURN pf_tally_used(dep, pf_ensure_tally(dep, l, now_ms), now_ms);
END $$;

-- Moves an entry to a new state (and amount / end), and its weight in every tally it counts in.
CREATE OR REPLACE FUNCTION pf_settle(dep TEXT, entry_id TEXT, new_state TEXT, new_amount BIGINT, new_end BIGINT, new_delegation TEXT)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  o pf_entries;
  n pf_entries;
BEGIN
  PERFORM 1 FROM pf_deployments WHERE deployment = dep FOR UPDATE;
  SELECT * INTO o FROM pf_entries x WHERE x.deployment = dep AND x.id = entry_id;
  IF NOT FOUND THEN RETURN; END IF;
  UPDATE pf_entries x SET state = new_state, amount = coalesce(new_amount, x.amount), end_at = coalesce(new_end, x.end_at),
    delegation_id = coalesce(new_delegation, x.delegation_id)
  WHERE x.deployment = dep AND x.id = entry_id RETURNING * INTO n;
  UPDATE pf_tallies x SET
    total = x.total - pf_weight(x.counts, o.state, o.amount, o.compacted_count) + pf_weight(x.counts, n.state, n.amount, n.compacted_count),
    below = x.below
      - CASE WHEN x.window_ms IS NOT NULL AND o.end_at < x.t THEN pf_weight(x.counts, o.state, o.amount, o.compacted_count) ELSE 0 END
      + CASE WHEN x.window_ms IS NOT NULL AND n.end_at < x.t THEN pf_weight(x.counts, n.state, n.amount, n.compacted_count) ELSE 0 END
  WHERE x.deployment = dep AND pf_matches(x.kinds, x.origin, x.plan_id, x.note, o.kind, o.origin, o.plan_id, o.note)
    AND (pf_weight(x.counts, o.state, o.amount, o.compacted_count) <> pf_weight(x.counts, n.state, n.amount, n.compacted_count) OR o.end_at <> n.end_at);
END $$;

-- Settled entries that ended before the cutoff leave the ledger, a batch at a time: released ones
-- are dropped, committed ones folded into one 'compacted:' entry per (kind, origin, plan, note), so
-- lifetime sums and counts stay exact; in window tallies they move below the watermark (no window
-- reaches them). Delegations and charges are kept whole (renewal consent, reconcile and the
-- recorder look them up by id: a charge gone would be recorded again). Expired secrets and leases
-- go too. Returns how many entries left.
CREATE OR REPLACE FUNCTION pf_compact(dep TEXT, cutoff BIGINT, batch INT, now_ms BIGINT) RETURNS INT LANGUAGE plpgsql AS $$
DECLARE
  ids TEXT[];
  widest BIGINT;
BEGIN
  PERFORM 1 FROM pf_deployments WHERE deployment = dep FOR UPDATE;
  -- Never inside a window of the deployment's tallies, whichever process asked for them (its
  -- compactAfterMs may be longer than the caller's), with an hour to spare for clocks apart.
  SELECT max(x.window_ms) INTO widest FROM pf_tallies x WHERE x.deployment = dep;
  IF widest IS NOT NULL THEN cutoff := least(cutoff, now_ms - widest - ${COMPACT_MARGIN_MS}); END IF;
  DELETE FROM pf_future x WHERE x.deployment = dep AND x.start_at < cutoff;
  -- Rows locked by someone are skipped: pf_try_lock locks its lease's row and then the
  -- deployment's, so waiting on it here (the deployment's row held) would deadlock.
  DELETE FROM pf_secrets x WHERE x.ctid IN (
    SELECT y.ctid FROM pf_secrets y WHERE y.deployment = dep AND y.expires_at <= now_ms FOR UPDATE SKIP LOCKED);
  DELETE FROM pf_locks x WHERE x.ctid IN (
    SELECT y.ctid FROM pf_locks y WHERE y.deployment = dep AND y.expires_at <= now_ms FOR UPDATE SKIP LOCKED);
  SELECT array_agg(q.id) INTO ids FROM (
    SELECT x.id FROM pf_entries x WHERE x.deployment = dep AND x.end_at < cutoff AND x.state IN ('committed', 'released')
      AND x.kind NOT IN ('delegation', 'charge') AND x.compacted_count IS NULL ORDER BY x.end_at LIMIT batch) q;
  IF ids IS NULL THEN RETURN 0; END IF;
  UPDATE pf_tallies s SET below = s.below + q.w FROM (
    SELECT y.tid, sum(pf_weight(y.counts, x.state, x.amount, x.compacted_count)) AS w
    FROM pf_tallies y JOIN pf_entries x ON x.deployment = dep AND x.id = ANY(ids) AND x.end_at >= y.t
      AND pf_matches(y.kinds, y.origin, y.plan_id, y.note, x.kind, x.origin, x.plan_id, x.note)
    WHERE y.deployment = dep AND y.window_ms IS NOT NULL GROUP BY y.tid) q
  WHERE s.deployment = dep AND s.tid = q.tid AND q.w <> 0;
  INSERT INTO pf_entries AS g (deployment, id, kind, state, amount, start_at, end_at, origin, plan_id, note, compacted_count)
  SELECT dep, 'compacted:' || md5(jsonb_build_array(x.kind, x.origin, x.plan_id, x.note)::text), x.kind, 'committed', sum(x.amount),
    min(x.start_at), max(x.end_at), x.origin, x.plan_id, x.note, count(*)
  FROM pf_entries x WHERE x.deployment = dep AND x.id = ANY(ids) AND x.state = 'committed' GROUP BY x.kind, x.origin, x.plan_id, x.note
  ON CONFLICT (deployment, id) DO UPDATE SET amount = g.amount + excluded.amount, compacted_count = g.compacted_count + excluded.compacted_count,
    start_at = least(g.start_at, excluded.start_at), end_at = greatest(g.end_at, excluded.end_at);
  DELETE FROM pf_entries x WHERE x.deployment = dep AND x.id = ANY(ids);
  RETURN array_length(ids, 1);
END $$;

-- A new schema: every running total is built again by a scan at its first use (a process of a
-- version without them may have written entries that no total counted), and entries yet to start
-- are listed again for the same reason.
DELETE FROM pf_tallies;
INSERT INTO pf_future (deployment, id, start_at)
  SELECT x.deployment, x.id, x.start_at FROM pf_entries x WHERE x.start_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 86400000
  ON CONFLICT DO NOTHING;
`;
