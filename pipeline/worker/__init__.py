"""The worker process: a Faust app that decodes, analyses and stores the input batches."""
