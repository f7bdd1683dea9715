"""Infrastructure every process shares and that is not an activity: settings, paths, the store, keys, logging."""
