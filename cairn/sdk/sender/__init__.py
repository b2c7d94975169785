"""Streaming a run log to the server: batches, acknowledgements, retries."""
