-- The consumer group whose results this database holds. Alerts, recommendations, training
-- outcomes and staff profiles are not keyed by group, so a second group writing here would
-- collide with the first: the first group to claim a partition records itself, and
-- `skillstream process` refuses any other (to reprocess, use a fresh database: RUNBOOK).
CREATE TABLE database_owner (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    consumer_group text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now()
);
