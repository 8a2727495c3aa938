//! Reading an operator's CSV file (`fanclub grant --csv`, `fanclub members
//! import --csv`) the way spreadsheets write them.
//!
//! Why a reader of its own around the `csv` crate: operators export from
//! Excel or LibreOffice, and a German Excel writes `;` between cells and
//! puts a UTF-8 byte order mark before the first one (its "CSV UTF-8"
//! format). The separator (`,`, `;` or tab) is therefore detected, the
//! mark dropped, and every problem is named by the row number the
//! spreadsheet shows and the column by its letter and name, so an
//! operator can find and fix all of them before anything is written.

use std::collections::HashMap;

/// What a file's columns may be.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// Every column name a header may use.
    pub known: &'static [&'static str],
    /// The columns of a file without a header, in order.
    pub positional: &'static [&'static str],
    /// Columns a file must have (by header or by position).
    pub required: &'static [&'static str],
    /// A column that takes the cells beyond the last one, joined with
    /// `", "` (an unquoted reason containing commas), when it is last.
    pub rest: Option<&'static str>,
}

/// A file as read: its rows, their cells by column name, and the problems
/// found while reading.
#[derive(Debug)]
pub(super) struct Sheet {
    /// The column names by position.
    pub columns: Vec<&'static str>,
    pub rows: Vec<SheetRow>,
    /// Problems of the file and its rows, each naming row and column.
    pub problems: Vec<String>,
    /// The separator found: `,`, `;` or a tab.
    pub separator: u8,
}

/// One row of cells, trimmed.
#[derive(Debug, Clone)]
pub(super) struct SheetRow {
    /// The row number as a spreadsheet shows it (the line the row starts on).
    pub row: usize,
    cells: HashMap<&'static str, String>,
}

impl SheetRow {
    /// The cell of column `name`; empty when the file has no such column.
    pub fn get(&self, name: &str) -> &str {
        self.cells.get(name).map_or("", String::as_str)
    }

    /// The cell of column `name`, `None` when absent or empty.
    pub fn optional(&self, name: &str) -> Option<String> {
        Some(self.get(name).to_owned()).filter(|cell| !cell.is_empty())
    }
}

impl Sheet {
    /// `row 3, column B (points)`: where a problem is, as the operator's
    /// spreadsheet shows it.
    pub fn at(&self, row: usize, column: Option<&str>) -> String {
        let Some(column) = column else {
            return format!("row {row}");
        };
        match self.columns.iter().position(|name| *name == column) {
            Some(index) => format!("row {row}, column {} ({column})", letter(index)),
            None => format!("row {row}, column {column}"),
        }
    }

    /// The separator's name, for reports.
    pub fn separator_name(&self) -> &'static str {
        match self.separator {
            b';' => "semicolons",
            b'\t' => "tabs",
            _ => "commas",
        }
    }
}

/// Reads `content` as `layout` describes. A first row whose first cell is
/// a known column name is the header; without one, the columns are
/// `layout.positional`. Empty rows are skipped.
pub(super) fn read(content: &[u8], layout: &Layout) -> Sheet {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    let separator = detect_separator(content);
    // Where each line starts, to number rows as a spreadsheet does (the
    // line a row starts on, whatever the line endings).
    let line_starts: Vec<u64> = std::iter::once(0)
        .chain(
            content
                .iter()
                .enumerate()
                .filter(|(_, byte)| **byte == b'\n')
                .map(|(at, _)| at as u64 + 1),
        )
        .collect();
    // A record's position can point at the line ending before it (csv
    // reads `\r\n` as two terminators): the row starts after it.
    let line_of = |byte: u64| {
        let skipped = content
            .iter()
            .skip(byte as usize)
            .take_while(|byte| matches!(byte, b'\r' | b'\n'))
            .count() as u64;
        line_starts.partition_point(|start| *start <= byte + skipped)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(separator)
        .from_reader(content);
    let mut sheet = Sheet {
        columns: layout.positional.to_vec(),
        rows: Vec::new(),
        problems: Vec::new(),
        separator,
    };
    let mut first = true;
    for (index, record) in reader.byte_records().enumerate() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let row = error
                    .position()
                    .map_or(index + 1, |position| line_of(position.byte()));
                sheet
                    .problems
                    .push(format!("row {row}: cannot be read as CSV ({error})"));
                break;
            }
        };
        let row = record
            .position()
            .map_or(index + 1, |position| line_of(position.byte()));
        let cells: Vec<Result<String, ()>> = record
            .iter()
            .map(|cell| String::from_utf8(cell.to_vec()).map_err(|_| ()))
            .collect();
        if cells
            .iter()
            .all(|cell| cell.as_ref().is_ok_and(String::is_empty))
        {
            continue;
        }
        if std::mem::take(&mut first) {
            let head = cells
                .first()
                .and_then(|cell| cell.as_ref().ok())
                .map(|cell| cell.to_lowercase());
            if head.is_some_and(|head| layout.known.contains(&head.as_str())) {
                read_header(&mut sheet, layout, row, &cells);
                continue;
            }
        }
        let mut values = HashMap::new();
        for (position, cell) in cells.iter().enumerate() {
            let column = match sheet.columns.get(position) {
                Some(column) => *column,
                None if layout.rest.is_some() && sheet.columns.last() == layout.rest.as_ref() => {
                    sheet.columns[sheet.columns.len() - 1]
                }
                None => {
                    if cell.as_ref().is_ok_and(|cell| !cell.is_empty()) {
                        sheet.problems.push(format!(
                            "row {row}, column {}: a value beyond the {} columns ({})",
                            letter(position),
                            sheet.columns.len(),
                            sheet.columns.join(", ")
                        ));
                    }
                    continue;
                }
            };
            let Ok(cell) = cell else {
                sheet.problems.push(format!(
                    "{}: not UTF-8 text (save the file as \"CSV UTF-8\")",
                    sheet.at(row, Some(column))
                ));
                continue;
            };
            values
                .entry(column)
                .and_modify(|value: &mut String| {
                    if !cell.is_empty() {
                        value.push_str(", ");
                        value.push_str(cell);
                    }
                })
                .or_insert_with(|| cell.clone());
        }
        sheet.rows.push(SheetRow { row, cells: values });
    }
    for required in layout.required {
        if !sheet.columns.contains(required) {
            sheet.problems.push(format!(
                "row 1: the header has no column `{required}` (columns: {})",
                layout.known.join(", ")
            ));
        }
    }
    sheet
}

fn read_header(sheet: &mut Sheet, layout: &Layout, row: usize, cells: &[Result<String, ()>]) {
    sheet.columns.clear();
    for (position, cell) in cells.iter().enumerate() {
        let name = cell.as_ref().map(|cell| cell.to_lowercase()).ok();
        match name
            .as_deref()
            .and_then(|name| layout.known.iter().find(|known| **known == name))
        {
            Some(known) if sheet.columns.contains(known) => {
                sheet.problems.push(format!(
                    "row {row}, column {}: the column `{known}` comes twice",
                    letter(position)
                ));
                sheet.columns.push("");
            }
            Some(known) => sheet.columns.push(known),
            None => {
                sheet.problems.push(format!(
                    "row {row}, column {}: unknown column `{}` (known: {})",
                    letter(position),
                    name.unwrap_or_default(),
                    layout.known.join(", ")
                ));
                sheet.columns.push("");
            }
        }
    }
}

/// The separator of the file: of `,`, `;` and tab, the one that every
/// line (outside quotes, among the first twenty) has most surely: the
/// highest count on the line with the fewest, then the most in all. Ties
/// go to the comma.
fn detect_separator(content: &[u8]) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
    let mut lines: Vec<[usize; 3]> = Vec::new();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    let mut nonempty = false;
    for &byte in content {
        match byte {
            b'"' => {
                quoted = !quoted;
                nonempty = true;
            }
            b'\n' if !quoted => {
                if nonempty {
                    lines.push(counts);
                    if lines.len() == 20 {
                        break;
                    }
                }
                counts = [0; 3];
                nonempty = false;
            }
            b'\r' => {}
            _ => {
                if !quoted && let Some(index) = CANDIDATES.iter().position(|c| *c == byte) {
                    counts[index] += 1;
                }
                nonempty = true;
            }
        }
    }
    if nonempty && lines.len() < 20 {
        lines.push(counts);
    }
    let score = |index: usize| {
        let fewest = lines.iter().map(|line| line[index]).min().unwrap_or(0);
        let total: usize = lines.iter().map(|line| line[index]).sum();
        (fewest, total)
    };
    let best = (0..CANDIDATES.len())
        .rev()
        .max_by_key(|index| score(*index))
        .unwrap_or(0);
    if score(best) == (0, 0) {
        return b',';
    }
    CANDIDATES[best]
}

/// A spreadsheet's column letter: A … Z, AA, AB, …
fn letter(index: usize) -> String {
    let mut index = index + 1;
    let mut letters = Vec::new();
    while index > 0 {
        let rest = (index - 1) % 26;
        letters.push(char::from(b'A' + rest as u8));
        index = (index - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRANTS: Layout = Layout {
        known: &["member", "points", "reason", "date", "id"],
        positional: &["member", "points", "reason"],
        required: &["member", "points"],
        rest: Some("reason"),
    };

    #[test]
    fn a_german_excel_file_with_semicolons_and_a_byte_order_mark_is_read() {
        let sheet = read(
            "\u{feff}member;points;reason;date\r\nconsole:anna;50;Beta, Runde 2;05.11.2026\r\n"
                .as_bytes(),
            &GRANTS,
        );
        assert_eq!(sheet.separator, b';');
        assert!(sheet.problems.is_empty(), "{:?}", sheet.problems);
        assert_eq!(sheet.rows.len(), 1);
        let row = &sheet.rows[0];
        assert_eq!(row.row, 2);
        assert_eq!(row.get("member"), "console:anna");
        assert_eq!(row.get("reason"), "Beta, Runde 2");
        assert_eq!(row.get("date"), "05.11.2026");
    }

    #[test]
    fn commas_in_an_unquoted_last_reason_stay_in_the_reason_and_tabs_are_found() {
        let sheet = read(b"console:a,5,Beta test, round 2\n#3,survey\n", &GRANTS);
        assert_eq!(sheet.separator, b',');
        assert_eq!(sheet.rows[0].get("reason"), "Beta test, round 2");
        assert_eq!(sheet.rows[1].get("points"), "survey");
        let tabs = read(b"member\tpoints\nconsole:a\t5\n", &GRANTS);
        assert_eq!(tabs.separator, b'\t');
        assert_eq!(tabs.rows[0].get("points"), "5");
    }

    #[test]
    fn a_bad_header_and_bad_bytes_are_named_by_row_and_column() {
        let sheet = read(b"member,points,note\nconsole:a,5,x\n", &GRANTS);
        assert_eq!(
            sheet.problems,
            ["row 1, column C: unknown column `note` (known: member, points, reason, date, id)"]
        );
        let sheet = read(b"member,points,reason\nconsole:a,5,caf\xe9\n", &GRANTS);
        assert_eq!(
            sheet.problems,
            ["row 2, column C (reason): not UTF-8 text (save the file as \"CSV UTF-8\")"]
        );
        let sheet = read(b"member,points\nconsole:a,5,extra\n", &GRANTS);
        assert_eq!(
            sheet.problems,
            ["row 2, column C: a value beyond the 2 columns (member, points)"]
        );
    }

    #[test]
    fn column_letters_go_on_after_z() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(27), "AB");
    }
}
