-- staff_skill_history keeps one point per staff member, skill and local day (the day's first
-- assessment) rather than every assessment: a daily series is what the charts show, and the
-- checkpoints write a third of the rows.
COMMENT ON TABLE staff_skill_history IS 'Each staff member''s first assessment of each local day, per skill: their skill history over time.';
