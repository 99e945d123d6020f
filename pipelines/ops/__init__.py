"""Operating the pipeline: lag, dead letters, status, logs and metrics for the on-call engineer.

Nothing here is imported by the pipeline's transforms; these tools look at Kafka and at a
running job from the outside, so they work the same whatever runner executes the job."""
