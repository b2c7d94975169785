"""The training-side SDK: runs, the on-disk run log and the sender."""
