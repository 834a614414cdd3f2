//! Auto-suggest: a starting mapping from a file's columns, with a confidence per suggestion.
