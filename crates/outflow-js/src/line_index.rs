//! Byte offsets to 1-based line and UTF-16 column.
//!
//! Columns count UTF-16 code units, as browsers' developer tools do. Offsets
//! are converted in one sorted sweep ([`LineIndex::locate_all`]) so that a
//! 50 MB single-line bundle with thousands of findings costs one pass over
//! the text, not one pass per finding.

use outflow_model::{Location, SourceSpan};

/// Line starts of a text, for converting byte offsets to locations.
pub struct LineIndex<'t> {
    text: &'t str,
    line_starts: Vec<u32>,
}

impl<'t> LineIndex<'t> {
    /// Indexes `text`. Lines end at `\n`, `\r\n`, `\r`, U+2028 and U+2029, as
    /// in JavaScript.
    pub fn new(text: &'t str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0u32];
        for i in memchr::memchr3_iter(b'\n', b'\r', 0xE2, bytes) {
            match bytes[i] {
                b'\n' => line_starts.push(offset(i + 1)),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => line_starts.push(offset(i + 1)),
                // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
                0xE2 if bytes.get(i + 1) == Some(&0x80)
                    && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
                {
                    line_starts.push(offset(i + 3));
                }
                _ => {}
            }
        }
        Self { text, line_starts }
    }

    /// Converts byte ranges (`start`, `end`) to spans, in the order given.
    /// Offsets past the end of the text are clamped to it.
    pub fn locate_all(&self, ranges: &[(u32, u32)]) -> Vec<SourceSpan> {
        let mut points: Vec<(u32, usize)> = Vec::with_capacity(ranges.len() * 2);
        for (i, &(start, end)) in ranges.iter().enumerate() {
            points.push((start, 2 * i));
            points.push((end, 2 * i + 1));
        }
        points.sort_unstable();
        let mut locations = vec![Location { line: 1, column: 1 }; points.len()];
        // Sweep state: the line of the last point and the UTF-16 column of
        // a byte offset on it, so that columns are counted once per line.
        let mut line = 0usize;
        let mut cursor = 0usize;
        let mut column16 = 0u32;
        for &(point, slot) in &points {
            let point = (point as usize).min(self.text.len());
            let point_line = self.line_of(point);
            if point_line != line || point < cursor {
                line = point_line;
                cursor = self.line_starts[line] as usize;
                column16 = 0;
            }
            column16 += utf16_len(self.text, cursor, point);
            cursor = point;
            locations[slot] = Location {
                line: u32::try_from(line + 1).unwrap_or(u32::MAX),
                column: column16 + 1,
            };
        }
        ranges
            .iter()
            .enumerate()
            .map(|(i, &(start, end))| SourceSpan {
                start: locations[2 * i],
                end: locations[2 * i + 1],
                byte_start: start,
                byte_end: end,
            })
            .collect()
    }

    fn line_of(&self, byte: usize) -> usize {
        let byte = offset(byte);
        self.line_starts.partition_point(|&start| start <= byte) - 1
    }
}

/// UTF-16 length of `text[from..to]`, where the bounds may fall inside a
/// character (they are moved to the character's start).
fn utf16_len(text: &str, from: usize, to: usize) -> u32 {
    let bytes = &text.as_bytes()[from..to];
    if bytes.is_ascii() {
        return u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    }
    // Count code units from the UTF-8 lead bytes: 1 unit for characters of
    // up to 3 bytes, 2 for 4-byte ones; continuation bytes count nothing.
    let mut units = 0u32;
    for &b in bytes {
        units += match b {
            0x00..=0x7F | 0xC0..=0xEF => 1,
            0xF0..=0xFF => 2,
            _ => 0,
        };
    }
    units
}

fn offset(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(index: &LineIndex, at: u32) -> (u32, u32) {
        let span = index.locate_all(&[(at, at)])[0];
        (span.start.line, span.start.column)
    }

    #[test]
    fn lines_and_columns_are_one_based() {
        let index = LineIndex::new("ab\ncd\r\nef\rg");
        assert_eq!(loc(&index, 0), (1, 1));
        assert_eq!(loc(&index, 4), (2, 2));
        assert_eq!(loc(&index, 7), (3, 1));
        assert_eq!(loc(&index, 10), (4, 1));
    }

    #[test]
    fn columns_count_utf16_units() {
        // "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units.
        let text = "é😀x";
        let index = LineIndex::new(text);
        assert_eq!(loc(&index, 6), (1, 4));
    }

    #[test]
    fn unicode_line_separators_end_lines() {
        let index = LineIndex::new("a\u{2028}b");
        assert_eq!(loc(&index, 4), (2, 1));
    }

    #[test]
    fn out_of_order_ranges_keep_their_order() {
        let index = LineIndex::new("one\ntwo\nthree");
        let spans = index.locate_all(&[(8, 13), (0, 3)]);
        assert_eq!(spans[0].start.line, 3);
        assert_eq!(spans[1].end, Location { line: 1, column: 4 });
    }
}
