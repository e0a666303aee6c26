/* Oracle shim (ours). */
