//! What is served over HTTP: the JSON API (`api/`); the pages come here too.

pub mod api;
