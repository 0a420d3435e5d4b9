"""Plans on several worker processes: a task queue on Redis (SAQ) that the service enqueues plans on
and `grocery-scanner worker` processes take them from."""
