//! Every oversight table as CSV or Excel, with Chinese headers: `?format=csv` or `?format=xlsx`
//! on the same route as the JSON, answered with the same rows the caller may see there.
//! CSV starts with a UTF-8 byte-order mark, which Excel needs to read Chinese correctly.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::Error;

/// What a list answers in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The JSON list the API answers by default.
    #[default]
    Json,
    /// CSV with a UTF-8 byte-order mark, formula-like text quoted.
    Csv,
    /// An Excel workbook of one sheet, bold headers.
    Xlsx,
}

impl Format {
    /// A page's `?format=` value: `csv` and `xlsx` ask for a download; anything else (or
    /// nothing) is the page itself, so a stray value never breaks a desk.
    pub fn download_of(value: &str) -> Option<Format> {
        match value {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

/// The `?format=` query of every oversight list.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FormatQuery {
    /// json (default), csv or xlsx.
    // Inline: the enum is not one of the document's named schemas.
    #[param(inline)]
    pub format: Option<Format>,
}

/// One cell: text, or a number Excel can add up.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as a string cell (quoted in CSV when a spreadsheet would take it for a formula).
    Text(String),
    /// A number, written as a number cell so Excel can add it up.
    Num(f64),
    /// Nothing: an empty cell.
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Num(n as f64)
    }
}

impl From<i32> for Cell {
    fn from(n: i32) -> Self {
        Cell::Num(f64::from(n))
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Num(n)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Num(n) => format!("{n}"),
            Cell::Empty => String::new(),
        }
    }
}

/// A table to export: its sheet name, its headers and its rows.
pub struct Table {
    /// The sheet name (in Chinese, e.g. 评议排行榜).
    pub name: &'static str,
    /// The column headers, in Chinese.
    pub headers: Vec<&'static str>,
    /// The rows, each as long as `headers`.
    pub rows: Vec<Vec<Cell>>,
}

/// A cell starting with = + - @ would be read by a spreadsheet as a formula: quote it.
fn defuse(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

/// The table as CSV bytes (UTF-8 with BOM, so Excel reads Chinese correctly).
pub fn csv_bytes(t: &Table) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(&t.headers)
        .map_err(|e| Error::Internal(e.into()))?;
    for row in &t.rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(s) => defuse(s.clone()),
            other => other.text(),
        }))
        .map_err(|e| Error::Internal(e.into()))?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

/// The table as the bytes of an .xlsx workbook.
pub fn xlsx_bytes(t: &Table) -> Result<Vec<u8>, Error> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| Error::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(t.name).map_err(err)?;
    let bold = XFormat::new().set_bold();
    for (c, h) in t.headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
        sheet.set_column_width(c as u16, 16).map_err(err)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c as u16, s).map_err(err)?;
                }
                Cell::Num(n) => {
                    sheet.write_number(r, c as u16, *n).map_err(err)?;
                }
                Cell::Empty => {}
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

/// A table as a file to download.
#[derive(Debug, Clone)]
pub struct Download {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub content_type: &'static str,
    /// Its name with extension (ASCII).
    pub file_name: String,
}

/// The table as a file named `file` (ASCII, without extension).
pub fn file(format: Format, file: &str, t: &Table) -> Result<Download, Error> {
    let (bytes, content_type, ext) = match format {
        Format::Csv => (csv_bytes(t)?, "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            xlsx_bytes(t)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Json => {
            return Err(Error::not_one_of("format", &["csv", "xlsx"]));
        }
    };
    Ok(Download {
        bytes,
        content_type,
        file_name: format!("{file}.{ext}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "进站活动",
            headers: vec!["站点", "人数"],
            rows: vec![
                vec!["路南".into(), 3i64.into()],
                vec!["=HYPERLINK(\"x\")".into(), Cell::Empty],
            ],
        }
    }

    #[test]
    fn csv_has_a_bom_chinese_headers_and_no_formulas() {
        let b = csv_bytes(&table()).unwrap();
        assert_eq!(&b[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(b[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "站点,人数");
        assert_eq!(lines[1], "路南,3");
        assert!(lines[2].starts_with("\"'=HYPERLINK"), "{}", lines[2]);
    }

    #[test]
    fn xlsx_is_a_zip() {
        let b = xlsx_bytes(&table()).unwrap();
        assert_eq!(&b[..2], b"PK");
    }
}
