"""Configuration parts: fields with ranges, the job's frame, behavioural parameters, levers."""
