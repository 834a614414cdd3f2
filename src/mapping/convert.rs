//! Value conversion by attribute type: numbers, booleans, times, lists, templates and constants.
