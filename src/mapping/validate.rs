//! Whole-file validation: every row checked, identical problems grouped, duplicate ids found.
