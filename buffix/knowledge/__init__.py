"""What buffix knows about client libraries, sinks and rules: data, read by the analyzer and the runtime."""
