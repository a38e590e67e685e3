//! Charts drawn on the server as inline SVG: horizontal bars (one number per row, or a stacked
//! row of parts), and a month line. No script, no external service; every chart carries a title
//! and a text equivalent (`aria-label` with each label and number) for screen readers, and the
//! numbers are printed beside the bars for people who read them at a glance.
//!
//! Colours are presentation attributes, not `style`, so the site's content security policy
//! (no inline styles) holds.

use std::fmt::Write;

/// Text for SVG (XML) content and attributes goes through the one escaper.
use liaison_host::html::escape as esc;

/// Colours with enough contrast against white, and told apart by position and legend too.
pub const BLUE: &str = "#1f5fa8";
pub const GREEN: &str = "#2e7d32";
pub const RED: &str = "#b3261e";
pub const GREY: &str = "#6b7280";

/// One part of a stacked bar.
pub struct Part<'a> {
    pub label: &'a str,
    pub value: i64,
    pub colour: &'a str,
}

/// A row of a bar chart: its label and its parts (one part for a plain bar).
pub struct Row<'a> {
    pub label: String,
    pub parts: Vec<Part<'a>>,
}

/// The narrowest and widest room for the row labels; between them the longest label decides,
/// so that a long station name (路桥区人大代表联络总站) is not cut off at the left edge.
const LABEL_MIN_W: f64 = 80.0;
const LABEL_MAX_W: f64 = 260.0;
const NUMBER_W: f64 = 70.0;
const WIDTH: f64 = 640.0;
const ROW_H: f64 = 28.0;

/// Horizontal bars, longest scale to the largest row total. `title` names the chart.
pub fn bars(title: &str, rows: &[Row]) -> String {
    let max = rows
        .iter()
        .map(|r| r.parts.iter().map(|p| p.value.max(0)).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let legend: Vec<(&str, &str)> = {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for p in rows.iter().flat_map(|r| r.parts.iter()) {
            if !seen.iter().any(|(l, _)| *l == p.label) {
                seen.push((p.label, p.colour));
            }
        }
        seen
    };
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label, 14.0) + 12.0)
        .fold(LABEL_MIN_W, f64::max)
        .min(LABEL_MAX_W);
    let legend_h = if legend.len() > 1 { 24.0 } else { 0.0 };
    let height = legend_h + ROW_H * rows.len().max(1) as f64 + 4.0;
    let summary: Vec<String> = rows
        .iter()
        .map(|r| {
            let parts: Vec<String> = r
                .parts
                .iter()
                .map(|p| {
                    if r.parts.len() == 1 {
                        p.value.to_string()
                    } else {
                        format!("{} {}", p.label, p.value)
                    }
                })
                .collect();
            format!("{}: {}", r.label, parts.join(", "))
        })
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"##,
        esc(&format!("{title}. {}", summary.join("; "))),
        esc(title),
    );
    let mut x = label_w;
    if legend.len() > 1 {
        for (label, colour) in &legend {
            let _ = write!(
                svg,
                r##"<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/><text x="{}" y="15" font-size="13" fill="#222">{}</text>"##,
                x + 16.0,
                esc(label)
            );
            x += 24.0 + text_width(label, 13.0);
        }
    }
    let span = WIDTH - label_w - NUMBER_W;
    for (i, r) in rows.iter().enumerate() {
        let y = legend_h + ROW_H * i as f64;
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="14" text-anchor="end" fill="#222">{}</text>"##,
            label_w - 8.0,
            y + 18.0,
            esc(&r.label)
        );
        let mut x = label_w;
        let mut total = 0;
        for p in &r.parts {
            let w = span * p.value.max(0) as f64 / max;
            if w > 0.0 {
                let _ = write!(
                    svg,
                    r##"<rect x="{x:.1}" y="{}" width="{w:.1}" height="20" fill="{}"><title>{}</title></rect>"##,
                    y + 4.0,
                    p.colour,
                    esc(&format!("{} {}: {}", r.label, p.label, p.value))
                );
            }
            x += w;
            total += p.value;
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" font-size="14" fill="#222">{total}</text>"##,
            x + 6.0,
            y + 18.0
        );
    }
    if rows.is_empty() {
        svg.push_str(r##"<text x="8" y="18" font-size="14" fill="#6b7280">—</text>"##);
    }
    svg.push_str("</svg>");
    svg
}

/// About how wide `text` draws at `size`: a Chinese character is as wide as the font is high,
/// a Latin letter or digit a little over half of it.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 * size } else { size })
        .sum()
}

/// One line of the month chart.
pub struct Series<'a> {
    pub label: &'a str,
    pub colour: &'a str,
    pub values: Vec<i64>,
}

/// Lines over months (`labels`, oldest first), each point marked and titled.
pub fn months(title: &str, labels: &[String], series: &[Series]) -> String {
    let (w, h, left, bottom, top) = (640.0, 240.0, 40.0, 28.0, 30.0);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = labels.len().max(2);
    let step = (w - left - 16.0) / (n - 1) as f64;
    let y_of = |v: i64| top + (h - top - bottom) * (1.0 - v.max(0) as f64 / max);
    let summary: Vec<String> = series
        .iter()
        .map(|s| {
            let points: Vec<String> = labels
                .iter()
                .zip(&s.values)
                .map(|(m, v)| format!("{m} {v}"))
                .collect();
            format!("{}: {}", s.label, points.join(", "))
        })
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"##,
        esc(&format!("{title}. {}", summary.join("; "))),
        esc(title)
    );
    // The axis, the top value, and the legend.
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#9ca3af"/><text x="{}" y="{}" font-size="12" text-anchor="end" fill="#6b7280">{}</text><text x="{}" y="{}" font-size="12" text-anchor="end" fill="#6b7280">0</text>"##,
        h - bottom,
        w - 8.0,
        h - bottom,
        left - 6.0,
        top + 4.0,
        max as i64,
        left - 6.0,
        h - bottom
    );
    let mut lx = left;
    for s in series {
        let _ = write!(
            svg,
            r##"<rect x="{lx}" y="6" width="12" height="12" fill="{}"/><text x="{}" y="17" font-size="13" fill="#222">{}</text>"##,
            s.colour,
            lx + 16.0,
            esc(s.label)
        );
        lx += 28.0 + 14.0 * s.label.chars().count() as f64;
    }
    for (i, m) in labels.iter().enumerate() {
        // Every other month labelled keeps the axis readable on a phone.
        if i % 2 == labels.len() % 2 || i + 1 == labels.len() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{}" font-size="12" text-anchor="middle" fill="#444">{}</text>"##,
                left + step * i as f64,
                h - 8.0,
                esc(m)
            );
        }
    }
    for s in series {
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", left + step * i as f64, y_of(*v)))
            .collect();
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>"##,
            points.join(" "),
            s.colour
        );
        for (i, v) in s.values.iter().enumerate() {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{}"><title>{}</title></circle>"##,
                left + step * i as f64,
                y_of(*v),
                s.colour,
                esc(&format!(
                    "{} {}: {v}",
                    labels.get(i).map(String::as_str).unwrap_or(""),
                    s.label
                ))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_row_and_say_every_number() {
        let svg = bars(
            "按类别",
            &[
                Row {
                    label: "城市建设".into(),
                    parts: vec![Part {
                        label: "收到",
                        value: 4,
                        colour: BLUE,
                    }],
                },
                Row {
                    label: "<生态>".into(),
                    parts: vec![Part {
                        label: "收到",
                        value: 2,
                        colour: BLUE,
                    }],
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains(r##"aria-label="按类别. 城市建设: 4; &lt;生态&gt;: 2""##),
            "{svg}"
        );
        assert!(
            svg.contains(r##"width="490.0""##),
            "the largest row spans the chart: {svg}"
        );
        assert!(
            svg.contains(r##"width="245.0""##),
            "half of it is half as long: {svg}"
        );
        assert!(!svg.contains("<生态>"), "labels are escaped");
        assert!(!svg.contains("style="), "no inline style");
    }

    #[test]
    fn a_long_label_gets_the_room_it_needs() {
        let row = |label: &str| Row {
            label: label.into(),
            parts: vec![Part {
                label: "收到",
                value: 1,
                colour: BLUE,
            }],
        };
        // 11 Chinese characters at 14 units each, and a margin of 12: bars start at 166.
        let svg = bars("按联络站", &[row("路桥区人大代表联络总站"), row("路南")]);
        assert!(svg.contains(r##"<text x="158" y="18""##), "{svg}");
        assert!(svg.contains(r##"<rect x="166.0""##), "{svg}");
        // A label longer than the widest room is capped, the bars keep their share.
        let long = "很".repeat(40);
        let svg = bars("按联络站", &[row(&long)]);
        assert!(svg.contains(r##"<rect x="260.0""##), "{svg}");
    }

    #[test]
    fn the_month_line_marks_every_point() {
        let labels: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
        let svg = months(
            "按月",
            &labels,
            &[Series {
                label: "收到",
                colour: BLUE,
                values: (1..=12).collect(),
            }],
        );
        assert_eq!(svg.matches("<circle").count(), 12);
        assert!(svg.contains("12月 收到: 12"));
    }
}
