"""The anomaly benchmark: synthetic companies with ground truth, streamed detection, scores against a naive peer."""
