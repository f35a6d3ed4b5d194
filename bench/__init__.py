"""Benchmarks (`make bench`): speed and cost against DynamoDB Local, as ratios to a same-run floor."""
