"""The prefilter: which files can hold a finding, decided on their bytes (stage 1, `tokens`) or, for a file that
names no body source, by the helpers of the tree it uses (stage 2, `stage_two`); and the method index (`index`),
one byte-level scan of the tree that both stage 2 and the analyzer's by-name method resolution read."""
