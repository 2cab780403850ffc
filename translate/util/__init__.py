"""What belongs to no stage: atomic file writes, signals, untrusted text, decoding users' text files."""
