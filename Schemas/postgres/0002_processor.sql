-- What `skillstream process` writes. Everything a checkpoint changes is written in one
-- transaction with partition_checkpoints (0001), so the tables always reflect exactly the input
-- offsets recorded there: exactly-once effects without Kafka transactions.

-- Each input partition's engine (windows, models, open gaps, measured training effects, …) as of
-- its last checkpoint. owner_epoch fences replicas: a replica takes a partition by incrementing
-- it and writes checkpoints only while it still matches, so a replica that lost the partition in
-- a rebalance can never overwrite its successor's state.
CREATE TABLE engine_checkpoints (
    consumer_group text NOT NULL,
    partition integer NOT NULL CHECK (partition >= 0),
    owner_epoch bigint NOT NULL DEFAULT 1,
    snapshot bytea,
    -- The next offset of each reference-topic partition already applied to this engine,
    -- as {"topic/partition": offset}.
    reference_offsets jsonb NOT NULL DEFAULT '{}',
    snapshot_bytes integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, partition)
);

-- Counters per input partition (cumulative, from the engine): consumed, processed, duplicates,
-- late, imputed, … and dead_lettered:<reason>. consumed = processed + duplicates + dead letters.
CREATE TABLE processing_counters (
    consumer_group text NOT NULL,
    partition integer NOT NULL,
    counter text NOT NULL,
    value bigint NOT NULL CHECK (value >= 0),
    PRIMARY KEY (consumer_group, partition, counter)
);

-- Gap alerts, one row per alert in its latest state (the alert's versions are on the topic).
CREATE TABLE gap_alerts (
    alert_id text PRIMARY KEY,
    restaurant_id text NOT NULL,
    staff_id text NOT NULL,
    skill text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'resolved')),
    severity double precision NOT NULL,
    skill_score double precision NOT NULL,
    benchmark double precision NOT NULL,
    -- The alert as published (skills.gap_alert.v1), with its evidence.
    alert jsonb NOT NULL,
    text_es text NOT NULL,
    text_en text NOT NULL,
    model text NOT NULL,
    opened_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    resolved_at timestamptz,
    versions integer NOT NULL DEFAULT 1
);
CREATE INDEX gap_alerts_by_restaurant ON gap_alerts (restaurant_id, status, opened_at DESC, alert_id);
CREATE INDEX gap_alerts_by_staff ON gap_alerts (restaurant_id, staff_id, opened_at DESC);

-- Training recommended for an alert. status belongs to the people who act on it (the API):
-- the processor only inserts.
CREATE TABLE training_recommendations (
    recommendation_id text PRIMARY KEY,
    alert_id text NOT NULL,
    restaurant_id text NOT NULL,
    staff_id text NOT NULL,
    skill text NOT NULL,
    program_id text NOT NULL,
    rank integer NOT NULL CHECK (rank >= 1),
    expected_improvement double precision NOT NULL,
    confidence double precision NOT NULL,
    recommended_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'assigned', 'declined', 'done')),
    status_changed_by text,
    status_changed_at timestamptz
);
CREATE INDEX training_recommendations_by_staff ON training_recommendations (restaurant_id, staff_id, recommended_at DESC);
CREATE INDEX training_recommendations_by_alert ON training_recommendations (alert_id, rank);

-- Each staff member's latest assessment per skill: the profile against the benchmark.
CREATE TABLE staff_skills (
    restaurant_id text NOT NULL,
    staff_id text NOT NULL,
    skill text NOT NULL,
    role text,
    gap_probability double precision NOT NULL,
    skill_score double precision NOT NULL,
    benchmark double precision NOT NULL,
    tables integer NOT NULL,
    assessed_at timestamptz NOT NULL,
    PRIMARY KEY (restaurant_id, staff_id, skill)
);

-- Every assessment, for the skill's history over time.
CREATE TABLE staff_skill_history (
    restaurant_id text NOT NULL,
    staff_id text NOT NULL,
    skill text NOT NULL,
    assessed_at timestamptz NOT NULL,
    gap_probability double precision NOT NULL,
    skill_score double precision NOT NULL,
    tables integer NOT NULL,
    PRIMARY KEY (restaurant_id, staff_id, skill, assessed_at)
);

-- What each training program does to each skill, as measured in each input partition's
-- restaurants (difference in differences; see the README). The API pools the partitions.
CREATE TABLE program_effectiveness (
    consumer_group text NOT NULL,
    partition integer NOT NULL,
    program_id text NOT NULL,
    skill text NOT NULL,
    observations integer NOT NULL CHECK (observations >= 0),
    effect_sum double precision NOT NULL,
    PRIMARY KEY (consumer_group, partition, program_id, skill)
);

-- The transactional outbox: output records written with the checkpoint and published to Kafka
-- afterwards; a row leaves only once the broker acknowledged it, so a crash in between
-- republishes it (at least once, with the same key and the same id inside).
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    consumer_group text NOT NULL,
    partition integer NOT NULL,
    topic text NOT NULL,
    message_key bytea,
    payload bytea NOT NULL,
    -- [[name, value], …] as JSON text.
    headers jsonb NOT NULL DEFAULT '[]',
    -- When the input that caused it was received (the Kafka timestamp), for the latency histogram.
    source_timestamp timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_by_partition ON outbox (consumer_group, partition, id);
