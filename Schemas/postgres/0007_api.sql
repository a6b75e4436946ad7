-- What `skillstream serve` (the HTTP API) writes, and what it reads that the processor did not
-- keep before.

-- Every change of a recommendation's status through the API, with who made it: the audit trail
-- behind training_recommendations.status_changed_by/at (which hold only the latest).
CREATE TABLE recommendation_status_changes (
    id bigserial PRIMARY KEY,
    recommendation_id text NOT NULL REFERENCES training_recommendations (recommendation_id),
    from_status text NOT NULL,
    to_status text NOT NULL CHECK (to_status IN ('assigned', 'declined', 'done')),
    changed_by text NOT NULL,
    changed_by_role text NOT NULL,
    note text,
    -- The training_enrolled event published for an assignment (its event_id), else null.
    published_event_id text,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recommendation_status_changes_by_recommendation ON recommendation_status_changes (recommendation_id, id);

-- The outcome models' prequential quality on each restaurant's guest dissatisfaction, per model,
-- as of the partition's last engine snapshot (written with it, so at most one snapshot interval
-- old). The driving model is the one that scores the restaurant's staff now.
CREATE TABLE model_quality (
    consumer_group text NOT NULL,
    partition integer NOT NULL,
    restaurant_id text NOT NULL,
    model text NOT NULL,
    driving boolean NOT NULL,
    examples bigint NOT NULL CHECK (examples >= 0),
    log_loss double precision NOT NULL,
    roc_auc double precision NOT NULL,
    f1 double precision NOT NULL,
    drifts_detected integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, partition, restaurant_id, model)
);
CREATE INDEX model_quality_by_restaurant ON model_quality (restaurant_id);

-- The high watermark of each input partition as the processor last fetched it, written with its
-- checkpoint: the lag the API shows (next_offset behind it), and how fresh that figure is.
ALTER TABLE partition_checkpoints ADD COLUMN high_watermark bigint, ADD COLUMN high_watermark_at timestamptz;
