-- The reference data the processor knows (ref.restaurants, and the training catalog: the
-- default one extended or replaced by ref.training-programs), for the API, the dashboard and
-- the demo's summary. Upserted by `skillstream process` when it changes.
CREATE TABLE restaurants (
    restaurant_id text PRIMARY KEY,
    name text NOT NULL,
    city text NOT NULL,
    timezone text NOT NULL,
    service_quality_benchmark double precision NOT NULL,
    fine_dining_accreditation boolean NOT NULL,
    target_wait_time_seconds double precision NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE training_programs (
    program_id text PRIMARY KEY,
    title_es text NOT NULL,
    title_en text NOT NULL,
    skills text[] NOT NULL,
    roles text[] NOT NULL,
    duration_hours double precision NOT NULL,
    format text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
