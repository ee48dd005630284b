//! Query parameters shared by the listing endpoints: `limit` and the
//! `after` cursor of an earlier answer's `next_cursor`.

use super::error::ApiError;

/// The page size asked for (100 when not given), checked.
pub fn limit(asked: Option<u32>) -> Result<u32, ApiError> {
    let limit = asked.unwrap_or(100);
    if (1..=1000).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::field("limit", "must be between 1 and 1000"))
    }
}

/// The row id an `after` cursor stands for (0: from the start). Cursors are
/// ids with the listing's `prefix` (`in-`, `call-`); bare ids are taken too.
pub fn after(cursor: Option<&str>, prefix: &str) -> Result<i64, ApiError> {
    match cursor {
        None | Some("") => Ok(0),
        Some(a) => a.strip_prefix(prefix).unwrap_or(a).parse().map_err(|_| {
            ApiError::field(
                "after",
                "is not a cursor from an earlier answer's next_cursor",
            )
        }),
    }
}
