-- The warehouse being replaced, read-only, beside the one being built.
ATTACH $path AS old (READ_ONLY);
