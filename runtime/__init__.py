"""Process-level plumbing: settings, embedded services and the `up` supervisor."""
