-- Who works where: each staff member's latest hire, role and departure, from the HR events
-- (staff.hired, staff.role_changed, staff.terminated), written by `skillstream process` with
-- the checkpoint that applied them. The API lists a restaurant's current staff from it: someone
-- who left keeps their history and alerts, but no longer appears among the people to coach.
CREATE TABLE staff_employment (
    restaurant_id text NOT NULL,
    staff_id text NOT NULL,
    role text,
    hired_at timestamptz,
    -- The departure, while it is the latest word (a rehire clears it).
    left_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (restaurant_id, staff_id)
);
