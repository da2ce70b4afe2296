"""polegraph's benchmark harness (`make bench`): not part of the package, not a timed test."""
