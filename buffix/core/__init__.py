"""What every layer shares: the result types, source decoding, the one atomic writer, forked children."""
