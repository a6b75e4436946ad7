-- Outputs the producer refuses for good (larger than its message.max.bytes), moved
-- here from the outbox by the publisher so that the rest keeps flowing. Never deleted by
-- SkillStream: Deploy/RUNBOOK.md ("Parked outputs") says how to send them again once the limit
-- is raised.
CREATE TABLE outbox_parked (
    -- The outbox row's id.
    id bigint PRIMARY KEY,
    consumer_group text NOT NULL,
    partition integer NOT NULL,
    topic text NOT NULL,
    message_key bytea,
    payload bytea NOT NULL,
    headers jsonb NOT NULL,
    source_timestamp timestamptz,
    created_at timestamptz NOT NULL,
    parked_at timestamptz NOT NULL DEFAULT now(),
    -- The broker's or the client's refusal, as logged.
    reason text NOT NULL
);
