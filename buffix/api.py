"""buffix as a library, without click: what the CLI, the language server and the pytest plugin call."""
