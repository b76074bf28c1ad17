// Telemetry listeners are process-wide: one test at a time, so each reads only its own run's spans and points.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
