//! Paging of lists, one rule for every list the API pages (cases, the bell, deliveries): a page
//! number from 1 to [`MAX_PAGE`] and a page size from 1 to [`MAX_PER_PAGE`]; anything else is
//! refused naming the parameter, never silently clamped, so a client learns its request was
//! wrong. (Pages clamp what a person typed in the address bar before they ask.)

use crate::error::Error;

/// The most rows one page may hold.
pub const MAX_PER_PAGE: u64 = 100;
/// The highest page number a list accepts: bounded so that the offset cannot overflow (a page of
/// 2^63 once panicked) and a client cannot make the database skip billions of rows.
pub const MAX_PAGE: u64 = 10_000;

/// `(page, per_page)` after the rule, with `default_per_page` when none was asked for.
pub fn checked(
    page: Option<u64>,
    per_page: Option<u64>,
    default_per_page: u64,
) -> Result<(u64, u64), Error> {
    let per_page = per_page.unwrap_or(default_per_page);
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(Error::out_of_range("per_page", 1, MAX_PER_PAGE as i64));
    }
    let page = page.unwrap_or(1);
    if page == 0 || page > MAX_PAGE {
        return Err(Error::out_of_range("page", 1, MAX_PAGE as i64));
    }
    Ok((page, per_page))
}

/// The offset of the first row of `page`.
pub fn offset(page: u64, per_page: u64) -> u64 {
    (page - 1) * per_page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_sizes_outside_the_bounds_are_refused_by_name() {
        assert_eq!(checked(None, None, 20).unwrap(), (1, 20));
        assert_eq!(checked(Some(3), Some(100), 20).unwrap(), (3, 100));
        for (page, per_page, field) in [
            (Some(0), None, "page"),
            (Some(MAX_PAGE + 1), None, "page"),
            (Some(u64::MAX), None, "page"),
            (None, Some(0), "per_page"),
            (None, Some(MAX_PER_PAGE + 1), "per_page"),
        ] {
            let e = checked(page, per_page, 20).unwrap_err();
            assert!(
                format!("{e:?}").contains(field),
                "{page:?} {per_page:?}: {e:?}"
            );
        }
    }
}
