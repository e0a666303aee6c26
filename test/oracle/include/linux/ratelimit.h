/* Oracle shim (ours): nothing to rate-limit in user space. */
